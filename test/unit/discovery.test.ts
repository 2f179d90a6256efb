// Authorization server metadata is used only when its `issuer` is the issuer the well-known
// URL was built from (RFC 8414 section 3.3; a MUST in MCP authorization 2026-07-28, the
// conformance suite's auth/metadata-issuer-mismatch). Discovery runs on a fetch of our own
// that serves the documents, so nothing listens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { discover, DiscoveryCache } from '../../src/auth/discovery.js';
import { McpgwError } from '../../src/errors/error.js';

const SERVER = 'http://127.0.0.1:9/mcp';

/** A fetch serving the protected-resource metadata (naming `as`) and `as`'s metadata with `issuer`. */
function documents(as: string, issuer: string): { fetch: (url: string | URL) => Promise<Response>; asked: string[] } {
  const asked: string[] = [];
  const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  const fetch = async (url: string | URL) => {
    const u = new URL(String(url));
    asked.push(u.pathname);
    if (u.pathname === '/.well-known/oauth-protected-resource/mcp') return json({ resource: SERVER, authorization_servers: [as] });
    if (u.pathname.startsWith('/.well-known/oauth-authorization-server'))
      return json({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
      });
    return new Response('not found', { status: 404 });
  };
  return { fetch, asked };
}

test('metadata whose issuer is another than the one it was looked up for is refused, and nothing in it is used', async () => {
  const { fetch, asked } = documents('http://127.0.0.1:9', 'https://attacker.example.com');
  const err = await discover(SERVER, { fetch }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof McpgwError, String(err));
  assert.equal(err.code, 'MCPGW_E_OAUTH_DISCOVERY');
  assert.match(err.message, /found for http:\/\/127\.0\.0\.1:9 names another issuer \(https:\/\/attacker\.example\.com\); it is not used/);
  assert.ok(!asked.some((p) => p.includes('authorize') || p.includes('token') || p.includes('register')));
});

test('metadata whose issuer is the one it was looked up for is used (with a path, as issuers may have)', async () => {
  const { fetch, asked } = documents('http://127.0.0.1:9/tenant1', 'http://127.0.0.1:9/tenant1');
  const found = await discover(SERVER, { fetch });
  assert.equal(found.asMetadata.issuer, 'http://127.0.0.1:9/tenant1');
  assert.equal(found.resource, SERVER);
  assert.ok(asked.includes('/.well-known/oauth-authorization-server/tenant1'), asked.join(' '));
});

test('a resource metadata document for another resource is refused (a confused deputy)', async () => {
  const fetch = async (url: string | URL) =>
    new URL(String(url)).pathname.startsWith('/.well-known/oauth-protected-resource')
      ? new Response(JSON.stringify({ resource: 'https://evil.example.com/mcp', authorization_servers: ['http://127.0.0.1:9'] }))
      : new Response('', { status: 404 });
  await assert.rejects(discover(SERVER, { fetch }), /the protected resource metadata is for https:\/\/evil\.example\.com\/mcp/);
});

test('cached discovery is reused until the server refuses a token: then the new authorization server is found (SEP-2352)', async () => {
  let as = 'http://127.0.0.1:9/old';
  const asked: string[] = [];
  const fetch = async (url: string | URL) => {
    const served = documents(as, as);
    const answer = await served.fetch(url);
    asked.push(...served.asked);
    return answer;
  };
  const cache = new DiscoveryCache();
  assert.equal((await cache.discover(SERVER, { fetch })).asMetadata.issuer, 'http://127.0.0.1:9/old');
  const first = asked.length;
  as = 'http://127.0.0.1:9/new';
  assert.equal((await cache.discover(SERVER, { fetch })).asMetadata.issuer, 'http://127.0.0.1:9/old', 'cached');
  assert.equal(asked.length, first, 'nothing fetched again');
  cache.forget('http://127.0.0.1:9/other');
  assert.equal((await cache.discover(SERVER, { fetch })).asMetadata.issuer, 'http://127.0.0.1:9/old', 'another server forgotten');
  cache.forget(SERVER);
  assert.equal((await cache.discover(SERVER, { fetch })).asMetadata.issuer, 'http://127.0.0.1:9/new');
});
