// Issue 14, items 1, 5 and 6: what an attacker who reaches the port, a flood of starts and a
// data dir that refuses writes did to OAuth. Each test reproduced its defect before the fix:
// the gateway against the oidc-provider authorization server and the protected MCP server of
// test/fixtures/oauth/, both child processes on loopback; the "browser" is followAuthorization.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { connect, startGateway, tempDir, waitReady, type TestGateway } from '../helpers/gateway.js';
import {
  followAuthorization,
  startAuthorizationServer,
  startProtectedServer,
  type AuthorizationServer,
  type ProtectedServer,
} from '../helpers/oauth.js';
import { startRelay, type Relay } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const KEY = 'an-oauth-encryption-key-for-the-tests-0123456789';
const TOKEN = 'the-owners-bearer-token-0123456789abcdef';
const BEARER = { authorization: `Bearer ${TOKEN}` };
const basic = (password: string) => `Basic ${Buffer.from(`me:${password}`).toString('base64')}`;

interface Setup {
  readonly as: AuthorizationServer;
  readonly secure: ProtectedServer;
  readonly relay: Relay;
  readonly dataDir: string;
  readonly publicUrl: string;
  readonly store: string;
  config(): Record<string, unknown>;
}

async function setup(t: TestContext, options: { accessTtl?: number; bearer?: boolean } = {}): Promise<Setup> {
  const starting = startAuthorizationServer(t, { accessTtl: options.accessTtl });
  const [as, secure, relay] = await Promise.all([
    starting,
    startProtectedServer(
      t,
      starting.then((a) => a.issuer),
      ['--name', 'secure', '--tools', 'echo,add'],
    ),
    startRelay(t),
  ]);
  const dataDir = join(tempDir(t), 'data');
  return {
    as,
    secure,
    relay,
    dataDir,
    publicUrl: `http://localhost:${relay.port}`,
    store: join(dataDir, 'oauth-store.json'),
    config: () => ({
      version: 1,
      gateway: { listen: `127.0.0.1:${relay.port}`, dataDir, ...(options.bearer ? { auth: { bearerTokens: [TOKEN] } } : {}) },
      servers: { secure: { url: secure.url, auth: { type: 'oauth' } }, other: { url: secure.url, enabled: false } },
    }),
  };
}

function gateway(t: TestContext, s: Setup, allowErrors?: RegExp[]): Promise<TestGateway> {
  return startGateway(t, s.config(), { relay: s.relay, env: { OAUTH_ENCRYPTION_KEY: KEY }, allowErrors });
}

async function status(gw: TestGateway, headers: Record<string, string> = {}): Promise<Record<string, any>> {
  return (await fetch(`${gw.url}/status`, { headers })).json() as Promise<Record<string, any>>;
}

async function callError(promise: Promise<unknown>): Promise<McpError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof McpError, `expected a JSON-RPC error, got ${JSON.stringify(err)}`);
  return err;
}

/** Waits until `server` is in `state`, asking /status with `headers`. */
function waitState(gw: TestGateway, state: string, headers: Record<string, string> = {}): Promise<Record<string, any>> {
  return waitFor(async () => {
    const st = await status(gw, headers);
    return st.servers.secure.state === state ? st : undefined;
  }, `secure to be ${state}`);
}

test('issue 14 item 1: with bearerTokens, /oauth/start needs the caller and names no server', async (t) => {
  const s = await setup(t, { bearer: true });
  const gw = await gateway(t, s);
  await waitState(gw, 'needs_auth', BEARER);

  // The attack: whoever reaches the port starts an authorization and finishes it with their
  // own upstream account. Before the fix: 302 to the authorization server.
  const attack = await fetch(`${s.publicUrl}/oauth/start/secure`, { redirect: 'manual' });
  assert.equal(attack.status, 401);
  assert.match(attack.headers.get('www-authenticate') ?? '', /Basic realm="mcpgw"/, 'a browser asks for the password');
  const body = await attack.text();
  const unknown = await fetch(`${s.publicUrl}/oauth/start/nope`, { redirect: 'manual' });
  assert.equal(unknown.status, 401);
  assert.equal(await unknown.text(), body, 'the same answer for a server that exists and one that does not');
  assert.doesNotMatch(body, /\bsecure\b|\bother\b/, 'no server name');
  // The wrong password, a forged link, a link of one server at another: refused alike.
  assert.equal((await fetch(`${s.publicUrl}/oauth/start/secure`, { headers: { authorization: basic('nope') } })).status, 401);
  const forged = await fetch(`${s.publicUrl}/oauth/start/secure?ticket=v1.eyJzIjoic2VjdXJlIn0.AAAA`, { redirect: 'manual' });
  assert.equal(forged.status, 403);
  assert.doesNotMatch(await forged.text(), /\bsecure\b|\bother\b/);
  assert.equal((await s.as.stats()).authorizations.length, 0, 'nobody got to the authorization server');
  assert.equal((await status(gw, BEARER)).servers.secure.state, 'needs_auth');
});

test('issue 14 item 1: the links handed to the owner work once (the needs-auth error, /status), and so does Basic auth', async (t) => {
  const s = await setup(t, { bearer: true });
  const gw = await gateway(t, s);
  await waitState(gw, 'needs_auth', BEARER);
  const client = await connect(t, gw.url, { headers: BEARER });
  const err = await callError(client.callTool({ name: 'secure__echo', arguments: { text: 'x' } }));
  assert.equal(err.code, -32011);
  const link = (err.data as { authorizationUrl: string }).authorizationUrl;
  assert.match(link, new RegExp(`^${s.publicUrl}/oauth/start/secure\\?ticket=v1\\.`), 'a link with a ticket, on publicUrl');

  // Opening it shows a page naming server and identity; nothing is spent until the click.
  const preview = await followAuthorization(link, { confirm: false });
  assert.equal(preview.status, 200);
  assert.match(preview.body, /Authorize secure/);
  assert.match(preview.body, /for owner/);
  assert.equal((await s.as.stats()).authorizations.length, 0, 'a GET of the link starts nothing');
  // A ticket of `secure` does not start another server.
  const elsewhere = await fetch(link.replace('/oauth/start/secure?', '/oauth/start/other?'), { method: 'POST', redirect: 'manual' });
  assert.equal(elsewhere.status, 403);

  const page = await followAuthorization(link);
  assert.equal(page.status, 200, page.body);
  assert.match(page.body, /authorized for &#34;secure&#34;/);
  await waitState(gw, 'ready', BEARER);
  assert.deepEqual((await client.callTool({ name: 'secure__echo', arguments: { text: 'hi' } })).structuredContent, { text: 'hi' });
  // Single use.
  const again = await followAuthorization(link);
  assert.equal(again.status, 403);
  assert.match(again.body, /already used/);

  // The link in /status (for the status page's button and `mcpgw auth status`) works the same.
  assert.equal((await fetch(`${gw.url}/oauth/logout/secure`, { method: 'POST', headers: BEARER })).status, 200);
  const st = await status(gw, BEARER);
  assert.equal(st.servers.secure.auth.status, 'needs_authorization');
  assert.match(st.servers.secure.auth.authorizationUrl, /\?ticket=v1\./);
  assert.equal((await followAuthorization(st.servers.secure.auth.authorizationUrl)).status, 200);
  await waitState(gw, 'ready', BEARER);

  // A browser with Basic credentials (the status page's) starts at once; reauthorize=1 asks to
  // replace the valid authorization.
  const viaBasic = await followAuthorization(`${s.publicUrl}/oauth/start/secure?reauthorize=1`, {
    headers: { authorization: basic(TOKEN) },
  });
  assert.equal(viaBasic.status, 200, viaBasic.body);
  assert.equal((await s.as.stats()).codeGrants, 3);
  // The log never shows a ticket.
  assert.doesNotMatch(gw.logs.join(''), /ticket=/);
});

test('issue 14 item 1: the state is bound to the browser that started it', async (t) => {
  const s = await setup(t);
  const gw = await gateway(t, s);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  // Someone starts an authorization and signs in with their own account, but keeps the
  // callback URL and gets the user's browser to open it (a link on a web page).
  const theirs = await followAuthorization(`${s.publicUrl}/oauth/start/secure`, { stopAt: /\/oauth\/callback/ });
  const callback = theirs.visited.at(-1)!;
  assert.match(callback, /[?&]code=/);
  assert.ok(existsSync(s.store));
  const before = readFileSync(s.store);
  // Before the fix: 200, and the gateway then acted as their account.
  const victim = await fetch(callback);
  assert.equal(victim.status, 400);
  assert.match(await victim.text(), /started in another browser/);
  assert.ok(readFileSync(s.store).equals(before), 'the store is unchanged');
  assert.equal((await s.as.stats()).codeGrants, 0, 'the code was never redeemed');
  assert.equal((await status(gw)).servers.secure.state, 'needs_auth');
  // The cookie is HttpOnly, SameSite=Lax, only for /oauth/.
  const started = await fetch(`${s.publicUrl}/oauth/start/secure`, { redirect: 'manual' });
  assert.match(
    started.headers.get('set-cookie') ?? '',
    /^mcpgw_oauth=[A-Za-z0-9_-]{43}; Path=\/oauth\/; Max-Age=600; HttpOnly; SameSite=Lax$/,
  );
  await started.body?.cancel();
  // Its own browser finishes (a state is single use, so start again).
  const own = await followAuthorization(`${s.publicUrl}/oauth/start/secure`);
  assert.equal(own.status, 200, own.body);
  await waitReady(gw.url, ['secure']);
  // Started on another host name than publicUrl's (127.0.0.1, not localhost), the cookie would
  // be set where the callback never comes: the start moves to publicUrl first.
  const viaAddress = await followAuthorization(`${gw.url}/oauth/start/secure?reauthorize=1`);
  assert.equal(viaAddress.status, 200, viaAddress.body);
  assert.ok(viaAddress.visited[1]!.startsWith(`${s.publicUrl}/oauth/start/secure?`), viaAddress.visited.join(' -> '));
});

test('issue 14 item 1: a callback never replaces a valid authorization nobody asked to replace', async (t) => {
  const s = await setup(t, { accessTtl: 300 });
  const gw = await gateway(t, s);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  // Two authorizations started while none is valid; the second finishes first.
  const first = await followAuthorization(`${s.publicUrl}/oauth/start/secure`, { stopAt: /\/oauth\/callback/ });
  const second = await followAuthorization(`${s.publicUrl}/oauth/start/secure`);
  assert.equal(second.status, 200, second.body);
  await waitReady(gw.url, ['secure']);
  const authorized = readFileSync(s.store);
  // Before the fix: 200, and the first flow's tokens (another account, maybe) replaced them.
  const late = await followAuthorization(first.visited.at(-1)!, { jar: first.jar });
  assert.equal(late.status, 409, late.body);
  assert.match(late.body, /already authorized/);
  assert.ok(readFileSync(s.store).equals(authorized), 'the store is unchanged');
  // A new start without asking is refused at once, before the authorization server.
  const authorizations = (await s.as.stats()).authorizations.length;
  const plain = await followAuthorization(`${s.publicUrl}/oauth/start/secure`);
  assert.equal(plain.status, 409);
  assert.match(plain.body, /mcpgw auth login secure/, 'it says how to ask');
  assert.equal((await s.as.stats()).authorizations.length, authorizations);
  // Asking for it replaces it.
  const asked = await followAuthorization(`${s.publicUrl}/oauth/start/secure?reauthorize=1`);
  assert.equal(asked.status, 200, asked.body);
  assert.ok(!readFileSync(s.store).equals(authorized), 'replaced');
  assert.equal((await s.as.stats()).codeGrants, 2);
  // A token the server refused (403 insufficient_scope: a step-up) is not a valid
  // authorization: the link of the needs-auth error replaces it without asking.
  const client = await connect(t, gw.url);
  // The login reconnects the server (it was ready, and stays "ready" meanwhile): wait for a call.
  await waitFor(() => client.callTool({ name: 'secure__echo', arguments: { text: 'x' } }), 'the server to be back');
  const err = await callError(client.callTool({ name: 'secure__add', arguments: { a: 1, b: 2 } }));
  assert.equal(err.code, -32011);
  const stepUp = await followAuthorization((err.data as { authorizationUrl: string }).authorizationUrl);
  assert.equal(stepUp.status, 200, stepUp.body);
  await waitReady(gw.url, ['secure']);
  assert.deepEqual((await client.callTool({ name: 'secure__add', arguments: { a: 1, b: 2 } })).structuredContent, { sum: 3 });
});

test('issue 14 item 5: pending authorizations are bounded per server, and discovery is cached', async (t) => {
  const s = await setup(t);
  const gw = await gateway(t, s);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  const cookie = { cookie: `mcpgw_oauth=${'n'.repeat(43)}` };
  const start = async () => {
    const r = await fetch(`${s.publicUrl}/oauth/start/secure`, { redirect: 'manual', headers: cookie });
    assert.equal(r.status, 302);
    await r.body?.cancel();
    return new URL(r.headers.get('location')!).searchParams.get('state')!;
  };
  const states = [await start()];
  const metadata = (await s.as.stats()).metadataRequests;
  assert.ok(metadata >= 1, 'the first start ran discovery');
  for (let i = 1; i < 2000; i++) states.push(await start());
  // Before the fix: every start ran discovery again (2000 x the metadata requests).
  assert.equal((await s.as.stats()).metadataRequests, metadata, 'one discovery for 2000 starts');
  assert.equal((await s.as.stats()).registrations, 1, 'one client registration');
  // Count the pending authorizations at the callback: an unknown state is 400 at once; a
  // pending one (from the right issuer, RFC 9207) gets to the code exchange, which fails on the
  // made-up code (502).
  let pending = 0;
  for (const [i, state] of states.entries()) {
    const iss = encodeURIComponent(s.as.issuer);
    const r = await fetch(`${s.publicUrl}/oauth/callback?code=made-up&state=${state}&iss=${iss}`, { headers: cookie });
    await r.body?.cancel();
    if (r.status !== 400) {
      pending++;
      assert.ok(i >= states.length - 20, `state ${i} of ${states.length} was kept`);
    }
  }
  // Before the fix: 2000.
  assert.equal(pending, 20, 'the 20 newest starts were pending, the older ones dropped');
});

/** Replaces the data dir with a file (and back): writes into it fail even for root, unlike chmod. */
function breakDataDir(dataDir: string): () => void {
  // Tests run as root, which ignores permission bits (chmod 0500 would not stop a write). A
  // file where the folder was makes every write into it fail with ENOTDIR, for any user.
  renameSync(dataDir, `${dataDir}.away`);
  writeFileSync(dataDir, 'not a folder');
  return () => {
    rmSync(dataDir);
    renameSync(`${dataDir}.away`, dataDir);
  };
}

test('issue 14 item 6: a rotated refresh token survives a store that cannot be written, and is saved once it can', async (t) => {
  const ttl = 2;
  const s = await setup(t, { accessTtl: ttl });
  const gw = await gateway(t, s, [/token store cannot be written/]);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  assert.equal((await followAuthorization(`${s.publicUrl}/oauth/start/secure`)).status, 200);
  await waitReady(gw.url, ['secure']);
  const client = await connect(t, gw.url);
  await client.callTool({ name: 'secure__echo', arguments: { text: 'before' } });

  const restore = breakDataDir(s.dataDir);
  let restored = false;
  t.after(() => void (restored || restore()));
  const refreshes = (await s.as.stats()).refreshGrants;
  // Calls keep working while the refresh token rotates twice and cannot be written.
  let calls = 0;
  await waitFor(
    async () => {
      const r = await client.callTool({ name: 'secure__echo', arguments: { text: `call ${++calls}` } });
      assert.deepEqual(r.structuredContent, { text: `call ${calls}` });
      return (await s.as.stats()).refreshGrants >= refreshes + 2;
    },
    'two refreshes while the store cannot be written',
    20_000,
  );
  const st = await status(gw);
  assert.equal(st.servers.secure.state, 'ready');
  assert.equal(st.servers.secure.auth.store?.state, 'unsaved', JSON.stringify(st.servers.secure.auth));
  assert.equal(st.servers.secure.auth.store.code, 'MCPGW_E_STORE_UNSAVED');
  assert.match(st.servers.secure.auth.store.message, /ENOTDIR/);
  assert.ok(st.servers.secure.auth.store.attempts >= 1);
  const errors = gw.logs.filter((l) => /"level":"error"/.test(l));
  assert.equal(errors.length, 1, `logged at error once: ${errors.join('')}`);
  assert.match(errors[0]!, /MCPGW_E_STORE_UNSAVED/);

  restore();
  restored = true;
  await waitFor(async () => (await status(gw)).servers.secure.auth.store === undefined, 'the retried write to land', 20_000);
  assert.match(gw.logs.join(''), /the token store is written again/);
  const asStats = await s.as.stats();
  // Before the fix: the next refresh re-sent the spent token: invalid_grant, and the grant was gone.
  assert.equal(asStats.tokenErrors.invalid_grant, undefined, 'no refresh token was sent twice');
  assert.equal(asStats.rotations, asStats.refreshGrants);

  // What was saved is the newest: a restart goes on without a new authorization.
  await gw.close();
  const next = await gateway(t, s);
  await waitReady(next.url, ['secure']);
  const again = await connect(t, next.url);
  assert.deepEqual((await again.callTool({ name: 'secure__echo', arguments: { text: 'after' } })).structuredContent, { text: 'after' });
  assert.equal((await s.as.stats()).codeGrants, 1);
  assert.equal((await s.as.stats()).tokenErrors.invalid_grant, undefined);
});

/** A refresh held at the authorization server: a call whose token the server refuses now. */
async function heldRefresh(t: TestContext, s: Setup, gw: TestGateway): Promise<{ call: Promise<unknown> }> {
  const client = await connect(t, gw.url);
  await client.callTool({ name: 'secure__echo', arguments: { text: '1' } });
  await s.as.hold(1);
  await s.secure.revokeTokens();
  const call = client.callTool({ name: 'secure__echo', arguments: { text: '2' } }).then(
    (r) => r,
    (e: unknown) => e,
  );
  await waitFor(async () => (await s.as.stats()).held === 1, 'the refresh to reach the authorization server');
  // Wrapped: an async function returning a promise would wait for it.
  return { call };
}

test('issue 14 item 6: a logout while a refresh is out is not undone by the refresh', async (t) => {
  const s = await setup(t, { accessTtl: 300 });
  const gw = await gateway(t, s);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  assert.equal((await followAuthorization(`${s.publicUrl}/oauth/start/secure`)).status, 200);
  await waitReady(gw.url, ['secure']);
  const { call } = await heldRefresh(t, s, gw);
  const out = await fetch(`${gw.url}/oauth/logout/secure`, { method: 'POST' });
  assert.deepEqual(await out.json(), { server: 'secure', loggedOut: true });
  await s.as.release();
  const result = await call;
  assert.ok(result instanceof McpError && result.code === -32011, `the call needs authorization: ${JSON.stringify(result)}`);
  assert.equal((await s.as.stats()).refreshGrants, 1, 'the refresh did happen');
  // Before the fix: the refresh's tokens were written back, authorized again.
  assert.equal((await status(gw)).servers.secure.auth.status, 'needs_authorization');
  await gw.close();
  const next = await gateway(t, s);
  assert.equal((await waitReady(next.url, ['secure'], 'needs_auth')).servers.secure.auth.status, 'needs_authorization');
});

test('issue 14 item 6: a new login while a refresh is out is not overwritten by the refresh', async (t) => {
  const s = await setup(t, { accessTtl: 300 });
  const gw = await gateway(t, s);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  assert.equal((await followAuthorization(`${s.publicUrl}/oauth/start/secure`)).status, 200);
  await waitReady(gw.url, ['secure']);
  const { call } = await heldRefresh(t, s, gw);
  const login = await followAuthorization(`${s.publicUrl}/oauth/start/secure?reauthorize=1`);
  assert.equal(login.status, 200, login.body);
  const issued = (await s.as.stats()).issued;
  const loginAccess = issued.at(-2)!; // the code grant issued [access, refresh]
  await s.as.release();
  // The call itself may fail: the login reconnects the server under it.
  await call;
  await waitFor(
    async () => (await s.as.stats()).refreshGrants + ((await s.as.stats()).tokenErrors.invalid_grant ?? 0) >= 1,
    'the held refresh to be answered',
  );
  const client = await connect(t, gw.url);
  // The login reconnected the server: wait for a call to go through.
  const r = await waitFor(() => client.callTool({ name: 'secure__echo', arguments: { text: '3' } }), 'a call after the login');
  assert.deepEqual(r.structuredContent, { text: '3' });
  // Before the fix: the refresh's tokens (of the old grant) replaced the login's.
  const headers = (await s.secure.stats()).authorizationHeaders;
  assert.equal(headers.at(-1), `Bearer ${loginAccess}`, 'calls use the new login');
  const after = (await s.as.stats()).issued;
  if (after.length > issued.length) assert.ok(!headers.includes(`Bearer ${after.at(-2)}`), "the refresh's token was never used");
});
