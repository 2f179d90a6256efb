// Issue 15 acceptance, the identities part: alice (group eng) and bob (group ops) sign in at an
// oidc-provider identity provider with real SDK clients, found through the gateway's 401 and
// RFC 9728 metadata, and reach the tools with no token pasted; a profile for group eng refuses
// bob with 403; the audit log has one line per call with the right identity and no token.
// The per-user half (tokens: perUser, links, revoke, restart) is team-peruser.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startGateway, startHttpFixture } from '../helpers/gateway.js';
import { startAuthorizationServer } from '../helpers/oauth.js';
import { startRelay } from '../helpers/ports.js';
import { callText, signInWithSdk } from '../helpers/sdk-oauth.js';

test('alice and bob sign in with SDK clients; group access; the audit log', async (t) => {
  const [idp, relay, tools] = await Promise.all([
    startAuthorizationServer(t, { accessTtl: 300, scopes: 'mcp', accounts: { alice: ['eng'], bob: ['ops'] } }),
    startRelay(t),
    startHttpFixture(t, ['--name', 'tools', '--tools', 'echo']),
  ]);
  const gw = await startGateway(
    t,
    {
      version: 1,
      gateway: {
        listen: `127.0.0.1:${relay.port}`,
        auth: { oidc: { issuer: idp.issuer, scopes: ['mcp'], groupsClaim: 'groups' } },
        audit: { file: 'audit.jsonl' },
      },
      servers: { tools: { url: tools.url } },
      profiles: { default: { servers: ['tools'] }, eng: { servers: ['tools'], access: { groups: ['eng'] } } },
    },
    { relay },
  );
  // The resource URLs are the gateway's public URL (localhost), which the SDK checks against the metadata.
  const base = `http://localhost:${relay.port}`;
  const alice = await signInWithSdk(t, `${base}/mcp`, 'alice');
  const bob = await signInWithSdk(t, `${base}/mcp`, 'bob');
  const tool = (await alice.client.listTools()).tools.find((x) => x.name.endsWith('echo'))!.name;
  const calls = Array.from({ length: 10 }, (_, i) => (i % 2 ? bob : alice));
  const answers = await Promise.all(calls.map((c, i) => callText(c.client, tool, { text: `call ${i}` })));
  assert.deepEqual(
    answers,
    calls.map((_, i) => `call ${i}`),
  );

  const aliceEng = await signInWithSdk(t, `${base}/mcp/eng`, 'alice');
  assert.equal(await callText(aliceEng.client, tool, { text: 'eng' }), 'eng');
  await assert.rejects(signInWithSdk(t, `${base}/mcp/eng`, 'bob'), (err: { code?: number; message?: string }) => {
    assert.equal(err.code, 403, err.message);
    assert.match(err.message ?? '', /bob may not use profile \\?"eng/);
    return true;
  });
  assert.equal(alice.provider.authorizations[0]!.searchParams.get('resource'), `${base}/mcp`);

  await gw.close();
  const audit = readFileSync(`${gw.dir}/audit.jsonl`, 'utf8');
  const lines = audit
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { identity?: string; method?: string; outcome?: string; profile?: string });
  const toolCalls = lines.filter((l) => l.method === 'tools/call');
  assert.deepEqual(toolCalls.map((l) => l.identity).sort(), [...Array(6).fill('alice'), ...Array(5).fill('bob')], audit);
  assert.ok(toolCalls.every((l) => l.outcome === 'ok'));
  assert.ok(
    lines.some((l) => l.identity === 'bob' && l.outcome === 'denied'),
    audit,
  );
  for (const c of [alice, bob, aliceEng]) assert.ok(!audit.includes(c.provider.saved!.access_token), 'no token in the audit log');
});
