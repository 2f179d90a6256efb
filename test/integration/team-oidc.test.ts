// gateway.auth.oidc against JWTs we sign ourselves (jose) with keys a local issuer serves
// (metadata + JWKS on 127.0.0.1): a good token passes as its user, and expired, wrongly
// signed, wrong-audience and wrong-issuer tokens are refused with 401 and a clear message,
// never echoing the token; the protected resource metadata is public.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { startRelay } from '../helpers/ports.js';
import { startGateway } from '../helpers/gateway.js';

test('OIDC access tokens: checked for signature, iss, aud, exp and scopes', async (t) => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const http = createServer((req, res) => {
    const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    if (req.url === '/.well-known/oauth-authorization-server' || req.url === '/.well-known/openid-configuration')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/auth`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
        }),
      );
    if (req.url === '/jwks') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => http.close(() => r())));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const relay = await startRelay(t);
  const gw = await startGateway(
    t,
    {
      version: 1,
      gateway: { listen: `127.0.0.1:${relay.port}`, auth: { oidc: { issuer, scopes: ['mcp'] } }, audit: { file: 'audit.jsonl' } },
      servers: {},
    },
    { relay },
  );
  const resource = `http://localhost:${relay.port}/mcp`;
  const sign = (claims: Record<string, unknown>, key = privateKey, exp = '5m') =>
    new SignJWT({ scope: 'mcp', ...claims }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuedAt().setExpirationTime(exp).sign(key);
  const post = (token: string) =>
    fetch(`${relay.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });

  const prm = await fetch(`${relay.url}/.well-known/oauth-protected-resource/mcp`);
  assert.equal(prm.status, 200);
  assert.deepEqual((await prm.json()).authorization_servers, [issuer]);

  const good = await post(await sign({ iss: issuer, aud: resource, sub: 'alice' }));
  assert.equal(good.status, 200, await good.clone().text());
  await good.body?.cancel();

  const cases: Array<[string, string, RegExp]> = [
    ['expired', await sign({ iss: issuer, aud: resource, sub: 'alice' }, privateKey, '-1m'), /expired/],
    ['wrongly signed', await sign({ iss: issuer, aud: resource, sub: 'alice' }, other.privateKey), /signature/],
    ['wrong audience', await sign({ iss: issuer, aud: 'http://elsewhere/mcp', sub: 'alice' }), /another resource/],
    ['wrong issuer', await sign({ iss: 'http://127.0.0.1:1', aud: resource, sub: 'alice' }), /another issuer/],
  ];
  for (const [what, token, message] of cases) {
    const response = await post(token);
    const text = await response.text();
    assert.equal(response.status, 401, what);
    assert.match(text, message, what);
    assert.ok(!text.includes(token), `${what}: the token is not echoed`);
    assert.match(response.headers.get('www-authenticate') ?? '', /resource_metadata=.*error="invalid_token"/, what);
  }
  const noScope = await post(await sign({ iss: issuer, aud: resource, sub: 'alice', scope: 'other' }));
  assert.equal(noScope.status, 403);
  await noScope.body?.cancel();
  const none = await fetch(`${relay.url}/mcp`, { method: 'POST', body: '{}' });
  assert.equal(none.status, 401);
  assert.match(
    none.headers.get('www-authenticate') ?? '',
    /resource_metadata="http:\/\/localhost:\d+\/\.well-known\/oauth-protected-resource\/mcp"/,
  );
  await none.body?.cancel();
  await gw.close();
  const { readFileSync } = await import('node:fs');
  const audit = readFileSync(`${gw.dir}/audit.jsonl`, 'utf8');
  assert.equal(audit.trim().split('\n').length, 5, audit);
  for (const [, token] of cases) assert.ok(!audit.includes(token));
});
