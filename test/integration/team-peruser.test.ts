// Issue 15 acceptance, the per-user half (SPEC section 10, tokens: perUser): one oidc-provider
// is the gateway's identity provider for alice and bob, another the authorization server of an
// OAuth-protected upstream whose `whoami` answers the upstream account of the token it got.
// alice and bob sign in with SDK clients and each authorizes the upstream with a different
// upstream account; every answer names the caller's own account, bob's calls before his
// authorization get his own link and never alice's token, a link used by the wrong user does
// nothing, revoking alice's leaves bob's, a restart keeps both, the audit log has a line per
// call with the right identity and no token, and a profile for group eng refuses bob.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { startGateway, tempDir, type TestGateway } from '../helpers/gateway.js';
import { browserOf, followAuthorization, startAuthorizationServer, startProtectedServer } from '../helpers/oauth.js';
import { startRelay, type Relay } from '../helpers/ports.js';
import { callText, signInWithSdk, type SignedIn } from '../helpers/sdk-oauth.js';
import { waitFor } from '../helpers/wait.js';

const KEY = 'a-test-key-for-the-per-user-store-0123456789';
const TOOL = 'secure__whoami';

interface World {
  readonly idp: Awaited<ReturnType<typeof startAuthorizationServer>>;
  readonly upstreamAs: Awaited<ReturnType<typeof startAuthorizationServer>>;
  readonly secure: Awaited<ReturnType<typeof startProtectedServer>>;
  readonly relay: Relay;
  readonly dataDir: string;
  readonly base: string;
}

async function world(t: TestContext): Promise<World> {
  const upstreamAs = startAuthorizationServer(t, { accessTtl: 300, accounts: { 'gh-alice': [], 'gh-bob': [] } });
  const [idp, as, secure, relay] = await Promise.all([
    startAuthorizationServer(t, { accessTtl: 300, scopes: 'mcp', accounts: { alice: ['eng'], bob: ['ops'] } }),
    upstreamAs,
    startProtectedServer(
      t,
      upstreamAs.then((a) => a.issuer),
      ['--name', 'secure', '--whoami'],
    ),
    startRelay(t),
  ]);
  return { idp, upstreamAs: as, secure, relay, dataDir: join(tempDir(t), 'data'), base: `http://localhost:${relay.port}` };
}

function gateway(t: TestContext, w: World): Promise<TestGateway> {
  return startGateway(
    t,
    {
      version: 1,
      gateway: {
        listen: `127.0.0.1:${w.relay.port}`,
        dataDir: w.dataDir,
        auth: { oidc: { issuer: w.idp.issuer, scopes: ['mcp'], groupsClaim: 'groups' } },
        audit: { file: 'audit.jsonl' },
      },
      // tokens: perUser is the default with oidc.
      servers: { secure: { url: w.secure.url, auth: { type: 'oauth' } } },
      profiles: { default: { servers: ['secure'] }, eng: { servers: ['secure'], access: { groups: ['eng'] } } },
    },
    { relay: w.relay, env: { OAUTH_ENCRYPTION_KEY: KEY } },
  );
}

async function callError(client: Client): Promise<McpError> {
  const err = await client.callTool({ name: TOOL, arguments: {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof McpError, `expected a JSON-RPC error, got ${JSON.stringify(err)}`);
  return err;
}

/** The identity a link's ticket is bound to (its payload is readable; its MAC is what makes it valid). */
function ticketIdentity(link: string): string {
  const ticket = new URL(link).searchParams.get('ticket')!;
  return (JSON.parse(Buffer.from(ticket.split('.')[1]!, 'base64url').toString('utf8')) as { i: string }).i;
}

async function linkOf(client: Client, user: string): Promise<string> {
  const err = await callError(client);
  assert.equal(err.code, -32011, err.message);
  const link = (err.data as { authorizationUrl?: string }).authorizationUrl!;
  assert.match(link, /\/oauth\/start\/secure\?ticket=v1\./);
  assert.equal(ticketIdentity(link), user, 'the link is bound to the caller');
  return link;
}

/** The caller's own view of /status (its bearer token is its IdP access token). */
async function status(gw: TestGateway, who: SignedIn): Promise<Record<string, any>> {
  const response = await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${who.provider.saved!.access_token}` } });
  assert.equal(response.status, 200);
  return (await response.json()) as Record<string, any>;
}

test('alice and bob each authorize the upstream with their own account; calls never cross', async (t) => {
  const w = await world(t);
  let gw = await gateway(t, w);
  const alice = await signInWithSdk(t, `${w.base}/mcp`, 'alice');
  const bob = await signInWithSdk(t, `${w.base}/mcp`, 'bob');

  // Before any authorization: each caller gets a link bound to itself.
  const aliceLink = await linkOf(alice.client, 'alice');
  const bobFirstLink = await linkOf(bob.client, 'bob');
  assert.notEqual(aliceLink, bobFirstLink);

  // A link used by the wrong user does nothing: bob, showing his own credential, cannot use
  // alice's link (403, nothing spent), and alice's link still works for her afterwards.
  const forwarded = await fetch(aliceLink, {
    method: 'POST',
    redirect: 'manual',
    headers: { authorization: `Bearer ${bob.provider.saved!.access_token}` },
  });
  assert.equal(forwarded.status, 403);
  assert.match(await forwarded.text(), /made for another identity/);
  assert.equal((await w.upstreamAs.stats()).authorizations.length, 0, 'no authorization started');

  // The page names server and user; alice authorizes as gh-alice.
  const preview = await followAuthorization(aliceLink, { confirm: false, jar: browserOf('gh-alice', w.upstreamAs.issuer) });
  assert.match(preview.body, /for alice/);
  const page = await followAuthorization(aliceLink, { jar: browserOf('gh-alice', w.upstreamAs.issuer) });
  assert.equal(page.status, 200, page.body);
  await waitFor(async () => (await status(gw, alice)).servers.secure.state === 'ready' || undefined, 'alice ready', 20_000);
  assert.equal(await callText(alice.client, TOOL), 'gh-alice');

  // bob has not authorized: his calls still get his own link, and the upstream never sees a
  // token on them (alice's is never sent for him).
  const acceptedBefore = (await w.secure.stats()).accepted;
  const bobLink = await linkOf(bob.client, 'bob');
  assert.equal((await w.secure.stats()).accepted, acceptedBefore, "no token went upstream on bob's call");
  assert.equal((await status(gw, bob)).servers.secure.auth.status, 'needs_authorization');
  assert.equal((await status(gw, alice)).servers.secure.auth.status, 'authorized');

  const bobPage = await followAuthorization(bobLink, { jar: browserOf('gh-bob', w.upstreamAs.issuer) });
  assert.equal(bobPage.status, 200, bobPage.body);
  await waitFor(async () => (await status(gw, bob)).servers.secure.state === 'ready' || undefined, 'bob ready', 20_000);
  // The client registered once for the upstream serves both users.
  assert.equal((await w.upstreamAs.stats()).registrations, 1);

  // 200 interleaved concurrent calls, both eras: every answer names the caller's own account.
  const modern = new ClientV2({ name: 'modern-alice', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await modern.connect(
    new HttpV2(new URL(`${w.base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${alice.provider.saved!.access_token}` } } }),
  );
  t.after(() => modern.close());
  const modernText = async () => {
    const r = (await modern.callTool({ name: TOOL, arguments: {} })) as { content: { text?: string }[] };
    return r.content[0]!.text;
  };
  const calls = Array.from({ length: 200 }, (_, i) =>
    i % 2
      ? { who: 'gh-bob', run: () => callText(bob.client, TOOL) }
      : { who: 'gh-alice', run: i % 4 ? modernText : () => callText(alice.client, TOOL) },
  );
  const answers = await Promise.all(calls.map(async (c) => [c.who, await c.run()] as const));
  for (const [who, answer] of answers) assert.equal(answer, who);

  // An admin-free team: alice sees only her own authorization in /status.
  assert.equal((await status(gw, alice)).servers.secure.auth.identities, undefined);
  assert.equal((await status(gw, alice)).servers.secure.auth.tokens, 'perUser');

  // Revoking alice's authorization leaves bob's working.
  const logout = await fetch(`${gw.url}/oauth/logout/secure`, {
    method: 'POST',
    headers: { authorization: `Bearer ${alice.provider.saved!.access_token}` },
  });
  assert.equal(logout.status, 200, await logout.text());
  assert.equal(await callText(bob.client, TOOL), 'gh-bob');
  await linkOf(alice.client, 'alice');
  assert.equal(await callText(bob.client, TOOL), 'gh-bob');

  // Alice authorizes again (another link); a restart keeps both authorizations.
  const again = await followAuthorization(await linkOf(alice.client, 'alice'), { jar: browserOf('gh-alice', w.upstreamAs.issuer) });
  assert.equal(again.status, 200, again.body);
  await waitFor(async () => (await status(gw, alice)).servers.secure.state === 'ready' || undefined, 'alice ready again', 20_000);
  await gw.close();
  const audit = readFileSync(join(gw.dir, 'audit.jsonl'), 'utf8');
  gw = await gateway(t, w);
  const alice2 = await signInWithSdk(t, `${w.base}/mcp`, 'alice');
  const bob2 = await signInWithSdk(t, `${w.base}/mcp`, 'bob');
  assert.equal(await callText(alice2.client, TOOL), 'gh-alice');
  assert.equal(await callText(bob2.client, TOOL), 'gh-bob');

  // A profile restricted to group eng refuses bob.
  await assert.rejects(signInWithSdk(t, `${w.base}/mcp/eng`, 'bob'), (err: { code?: number }) => err.code === 403);

  // The audit log: a line per call, with the caller's identity, and no token of any kind.
  const lines = audit
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { identity?: string; method?: string; outcome?: string; name?: string });
  const toolCalls = lines.filter((l) => l.method === 'tools/call');
  const count = (who: string, outcome: string) => toolCalls.filter((l) => l.identity === who && l.outcome === outcome).length;
  assert.equal(count('alice', 'ok'), 1 + 100, audit); // her first call after authorizing, then her 100 of the 200 (both eras)
  assert.equal(count('bob', 'ok'), 100 + 2, audit);
  assert.ok(count('bob', 'needs_auth') >= 2 && count('alice', 'needs_auth') >= 3, audit);
  assert.ok(lines.some((l) => l.identity === 'alice' && l.method === 'oauth/authorize' && l.outcome === 'ok'));
  assert.ok(lines.some((l) => l.identity === 'bob' && l.method === 'oauth/authorize' && l.outcome === 'ok'));
  assert.ok(lines.some((l) => l.identity === 'alice' && l.method === 'oauth/logout'));
  const upstreamTokens = (await w.secure.stats()).tokens;
  assert.ok(upstreamTokens.length >= 2);
  for (const secret of [...upstreamTokens, alice.provider.saved!.access_token, bob.provider.saved!.access_token])
    assert.ok(!audit.includes(secret), 'no token in the audit log');
});
