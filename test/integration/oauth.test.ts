// OAuth end to end: the gateway against a real authorization server (oidc-provider: dynamic
// registration, PKCE S256, resource indicators, rotating refresh tokens, access tokens of a
// few seconds) and a protected MCP server, both child processes on loopback
// (test/fixtures/oauth/). The "browser" is followAuthorization: fetch, one redirect at a time.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { connect, startGateway, tempDir, waitReady, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import {
  followAuthorization,
  startAuthorizationServer,
  startProtectedServer,
  type AuthorizationServer,
  type ProtectedServer,
} from '../helpers/oauth.js';
import { startRelay, type Relay } from '../helpers/ports.js';

const KEY = 'an-oauth-encryption-key-for-the-tests-0123456789';

interface Setup {
  readonly as: AuthorizationServer;
  readonly secure: ProtectedServer;
  /** With `plain: true`: an unprotected server (auth none), in the config as `plain`. */
  readonly plain?: ProtectedServer;
  /**
   * The gateway's configured listen port: a relay the test holds, forwarding to whichever
   * gateway runs now (each binds port 0). The redirect URI is built from it before a gateway
   * listens, and stays valid across the restarts some tests make.
   */
  readonly relay: Relay;
  readonly dataDir: string;
  /** http://localhost:<relay port>, the default publicUrl for a loopback listen. */
  readonly publicUrl: string;
  config(): Record<string, unknown>;
}

async function setup(t: TestContext, options: { accessTtl?: number; plain?: boolean } = {}): Promise<Setup> {
  // All start at once: the protected server learns the issuer when the authorization server
  // listens (it fetches the issuer's keys only on its first token).
  const starting = startAuthorizationServer(t, { accessTtl: options.accessTtl });
  const [as, secure, plain, relay] = await Promise.all([
    starting,
    startProtectedServer(
      t,
      starting.then((a) => a.issuer),
      ['--name', 'secure', '--tools', 'echo,add'],
    ),
    options.plain ? startProtectedServer(t, undefined, ['--name', 'plain', '--tools', 'echo']) : undefined,
    startRelay(t),
  ]);
  const dataDir = join(tempDir(t), 'data');
  return {
    as,
    secure,
    plain,
    relay,
    dataDir,
    publicUrl: `http://localhost:${relay.port}`,
    config: () => ({
      version: 1,
      gateway: { listen: `127.0.0.1:${relay.port}`, dataDir },
      servers: { secure: { url: secure.url, auth: { type: 'oauth' } }, ...(plain ? { plain: { url: plain.url } } : {}) },
    }),
  };
}

function gateway(
  t: TestContext,
  s: Setup,
  options: { env?: Record<string, string | undefined>; allowErrors?: RegExp[] } = {},
): Promise<TestGateway> {
  return startGateway(t, s.config(), {
    relay: s.relay,
    env: { OAUTH_ENCRYPTION_KEY: KEY, ...options.env },
    allowErrors: options.allowErrors,
  });
}

async function status(gw: TestGateway): Promise<Record<string, any>> {
  return (await fetch(`${gw.url}/status`)).json() as Promise<Record<string, any>>;
}

/** Follows /oauth/start for `server` and waits until it is ready. */
async function authorize(gw: TestGateway, s: Setup, server = 'secure'): Promise<void> {
  const page = await followAuthorization(`${s.publicUrl}/oauth/start/${server}`);
  assert.equal(page.status, 200, page.body);
  await waitReady(gw.url, [server]);
}

async function callError(promise: Promise<unknown>): Promise<McpError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof McpError, `expected a JSON-RPC error, got ${JSON.stringify(err)}`);
  return err;
}

test('authorize headlessly: needs_auth, the documented error, /oauth/start -> callback (registration without the scope), ready without a restart, list_changed', async (t) => {
  const s = await setup(t);
  const gw = await gateway(t, s);
  const before = await waitReady(gw.url, ['secure'], 'needs_auth');
  assert.equal(before.servers.secure.auth.status, 'needs_authorization');
  assert.equal(before.servers.secure.auth.authorizationUrl, `${s.publicUrl}/oauth/start/secure`);

  const client = await connect(t, gw.url);
  let listChanged = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void listChanged++);
  const err = await callError(client.callTool({ name: 'secure__echo', arguments: { text: 'x' } }));
  assert.equal(err.code, -32011);
  assert.equal((err.data as { authorizationUrl?: string }).authorizationUrl, `${s.publicUrl}/oauth/start/secure`);

  // Regression: the registration used to carry the scope of this first authorization, which
  // oidc-provider refuses (resource-server scopes are not its own): "could not start".
  const page = await followAuthorization(`${s.publicUrl}/oauth/start/secure`);
  assert.equal(page.status, 200, page.body);
  assert.match(page.body, /authorized for &#34;secure&#34;/);
  assert.ok(
    page.visited.some((u) => u.startsWith(s.as.issuer)),
    'the browser went through the authorization server',
  );

  const after = await waitReady(gw.url, ['secure']);
  assert.equal(after.servers.secure.auth.status, 'authorized');
  await waitFor(() => listChanged > 0, 'tools/list_changed on the open session');
  const tools = (await client.listTools()).tools.map((x) => x.name).sort();
  assert.deepEqual(tools, ['secure__add', 'secure__echo']);
  assert.deepEqual((await client.callTool({ name: 'secure__echo', arguments: { text: 'hi' } })).structuredContent, { text: 'hi' });

  const asStats = await s.as.stats();
  assert.equal(asStats.registrations, 1);
  assert.equal(asStats.codeGrants, 1);
  assert.equal(asStats.authorizations.length, 1);
  assert.equal(asStats.authorizations[0]!.resource, s.secure.url, 'RFC 8707 resource = the MCP server');
});

test('calls keep working across several access-token expiries, refreshed in the background about once per half lifetime', async (t) => {
  const ttl = 3;
  const s = await setup(t, { accessTtl: ttl });
  const gw = await gateway(t, s);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  await authorize(gw, s);
  const client = await connect(t, gw.url);
  const started = Date.now();
  let calls = 0;
  // Keep calling until the first token is three lifetimes old; every call must work.
  await waitFor(
    async () => {
      const r = await client.callTool({ name: 'secure__echo', arguments: { text: `call ${++calls}` } });
      assert.deepEqual(r.structuredContent, { text: `call ${calls}` });
      return Date.now() - started > 3.5 * ttl * 1000;
    },
    'three token lifetimes of calls',
    30_000,
  );
  const asStats = await s.as.stats();
  const seen = await s.secure.stats();
  t.diagnostic(
    `${calls} calls, ${asStats.refreshGrants} refreshes, ${seen.tokens.length} tokens, rejected ${JSON.stringify(seen.rejected)}`,
  );
  assert.ok(asStats.refreshGrants >= 3, `refreshed ${asStats.refreshGrants} times`);
  assert.equal(asStats.rotations, asStats.refreshGrants, 'each refresh rotated the refresh token (and the new one was used)');
  // Regression: with a flat 60 s margin every request of a short-lived token refreshed first
  // (100 calls, 103 refreshes). Now about one refresh per half lifetime, plus one per token the
  // server found expired (its exp has whole seconds, so it may end up to 1 s before ours: the
  // 401 then refreshes and the call is retried).
  const elapsed = (Date.now() - started) / 1000;
  const bound = Math.ceil(elapsed / (ttl / 2)) + seen.rejected.expired + 2;
  assert.ok(asStats.refreshGrants <= bound, `${asStats.refreshGrants} refreshes for ${calls} calls in ${elapsed.toFixed(1)}s`);
  assert.ok(seen.tokens.length >= 4, 'the server saw a new token after each refresh');
  assert.equal(asStats.codeGrants, 1, 'no new authorization was needed');
  assert.equal((await status(gw)).servers.secure.state, 'ready');
  assert.match(gw.logs.join(''), /access token refreshed/);
});

test('a restart with the same dataDir keeps the authorization; the store is encrypted, 0600 in a 0700 folder', async (t) => {
  const s = await setup(t);
  const first = await gateway(t, s);
  await waitReady(first.url, ['secure'], 'needs_auth');
  await authorize(first, s);
  await first.close();

  const store = join(s.dataDir, 'oauth-store.json');
  assert.equal(statSync(store).mode & 0o777, 0o600);
  assert.equal(statSync(s.dataDir).mode & 0o777, 0o700);
  const text = readFileSync(store, 'utf8');
  const issued = (await s.as.stats()).issued;
  assert.ok(issued.length >= 2, 'an access and a refresh token were issued');
  for (const token of issued) assert.ok(!text.includes(token), 'no token in the store file in plaintext');
  // Field names, or a JWT's header in base64 ({"alg": ...); a bare "eyJ" can occur by chance in
  // the random ciphertext, ten characters of it cannot.
  assert.doesNotMatch(text, /accessToken|refreshToken|eyJhbGciOi/);

  const second = await gateway(t, s);
  const ready = await waitReady(second.url, ['secure']);
  assert.equal(ready.servers.secure.auth.status, 'authorized');
  const client = await connect(t, second.url);
  assert.deepEqual((await client.callTool({ name: 'secure__echo', arguments: { text: 'again' } })).structuredContent, { text: 'again' });
  assert.equal((await s.as.stats()).codeGrants, 1, 'no second authorization');
});

test('a wrong key leaves the store byte-identical: that server is in error saying what to do, others unaffected', async (t) => {
  const s = await setup(t, { plain: true });
  const first = await gateway(t, s);
  await waitReady(first.url, ['secure'], 'needs_auth');
  await authorize(first, s);
  await first.close();
  const store = join(s.dataDir, 'oauth-store.json');
  const bytes = readFileSync(store);

  const wrong = await gateway(t, s, {
    env: { OAUTH_ENCRYPTION_KEY: 'another-key-of-enough-length-9876543210' },
    allowErrors: [/cannot be decrypted/],
  });
  const st = await waitReady(wrong.url, ['secure'], 'error');
  assert.equal(st.servers.secure.lastError.code, 'MCPGW_E_STORE_DECRYPT');
  // Regression: /status showed what went wrong but not the fix (the hint was dropped).
  assert.match(st.servers.secure.lastError.message, /restore the key it was written with .*or move .* away/, 'the message says what to do');
  assert.equal(st.servers.secure.auth.status, 'error');
  await waitReady(wrong.url, ['plain']);
  const client = await connect(t, wrong.url);
  assert.deepEqual((await client.callTool({ name: 'plain__echo', arguments: { text: 'p' } })).structuredContent, { text: 'p' });
  // Trying to authorize again does not write over the store either.
  const page = await followAuthorization(`${s.publicUrl}/oauth/start/secure`);
  assert.ok(page.status >= 400, `refused: ${page.status}`);
  await wrong.close();
  assert.ok(readFileSync(store).equals(bytes), 'the store is byte-identical');
});

for (const [what, env] of [
  ['missing', { OAUTH_ENCRYPTION_KEY: undefined, OAUTH_ENCRYPTION_KEY_FILE: undefined, CREDENTIALS_DIRECTORY: undefined }],
  ['short', { OAUTH_ENCRYPTION_KEY: 'too-short' }],
] as const) {
  test(`a ${what} OAUTH_ENCRYPTION_KEY puts the OAuth server in error; other servers are fine`, async (t) => {
    const s = await setup(t, { plain: true });
    const gw = await gateway(t, s, { env, allowErrors: [/encryption key/] });
    const st = await waitReady(gw.url, ['secure'], 'error');
    assert.equal(st.servers.secure.lastError.code, what === 'missing' ? 'MCPGW_E_KEY_MISSING' : 'MCPGW_E_KEY_SHORT');
    assert.match(st.servers.secure.lastError.message, /openssl rand -hex 32/, 'the message says what to do');
    assert.doesNotMatch(JSON.stringify(st), /too-short/);
    await waitReady(gw.url, ['plain']);
    const client = await connect(t, gw.url);
    assert.deepEqual((await client.callTool({ name: 'plain__echo', arguments: { text: 'p' } })).structuredContent, { text: 'p' });
  });
}

test('a forged or replayed state at /oauth/callback gets a 4xx page and changes nothing', async (t) => {
  const s = await setup(t);
  const gw = await gateway(t, s);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  // Stop where the browser would come back, to hold the real callback URL.
  const held = await followAuthorization(`${s.publicUrl}/oauth/start/secure`, { stopAt: /\/oauth\/callback/ });
  const callback = new URL(held.visited.at(-1)!);
  assert.ok(callback.searchParams.get('code') && callback.searchParams.get('state'));
  // The browser that started it, with its cookie (issue 14: the state is bound to it).
  const browser = { cookie: [...held.jar.get(callback.origin)!].map(([k, v]) => `${k}=${v}`).join('; ') };
  const store = join(s.dataDir, 'oauth-store.json');
  const before = readFileSync(store);

  const forged = new URL(callback);
  forged.searchParams.set('state', 'forged-state-value');
  const f = await fetch(forged, { headers: browser });
  assert.equal(f.status, 400);
  assert.match(await f.text(), /unknown or already used/);
  assert.ok(readFileSync(store).equals(before), 'a forged state changes nothing');
  assert.equal((await status(gw)).servers.secure.state, 'needs_auth');

  const real = await fetch(callback, { headers: browser });
  assert.equal(real.status, 200, await real.text());
  await waitReady(gw.url, ['secure']);
  const authorized = readFileSync(store);
  const replay = await fetch(callback, { headers: browser });
  assert.ok(replay.status >= 400 && replay.status < 500, `replay refused: ${replay.status}`);
  assert.match(await replay.text(), /unknown or already used/);
  assert.ok(readFileSync(store).equals(authorized), 'a replayed state changes nothing');
  assert.equal((await s.as.stats()).codeGrants, 1, 'the replayed code never reached the token endpoint');
});

test('access_denied at the authorization server gives a 4xx page naming the server', async (t) => {
  const s = await setup(t);
  const gw = await gateway(t, s);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  await s.as.deny(true);
  const page = await followAuthorization(`${s.publicUrl}/oauth/start/secure`);
  assert.equal(page.status, 403);
  assert.match(page.body, /Authorization of secure failed/);
  assert.match(page.body, /access_denied/);
  assert.equal((await s.as.stats()).denied, 1);
  const st = await status(gw);
  assert.equal(st.servers.secure.state, 'needs_auth');
  assert.equal(st.servers.secure.auth.status, 'needs_authorization');
});

test('an authorization response naming another issuer is refused before anything in it is used: no code exchange, its error not shown (RFC 9207)', async (t) => {
  const s = await setup(t);
  const gw = await gateway(t, s);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  // Each time the browser that started it, with its cookie (the state is bound to it).
  let cookie = '';
  const held = async () => {
    const browser = await followAuthorization(`${s.publicUrl}/oauth/start/secure`, { stopAt: /\/oauth\/callback/ });
    const callback = new URL(browser.visited.at(-1)!);
    cookie = [...browser.jar.get(callback.origin)!].map(([k, v]) => `${k}=${v}`).join('; ');
    return callback;
  };

  const withCode = await held();
  withCode.searchParams.set('iss', 'https://evil.example.com');
  const refused = await fetch(withCode, { headers: { cookie } });
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /names the issuer &#34;https:\/\/evil\.example\.com&#34;, not http/);
  assert.equal((await s.as.stats()).codeGrants, 0, 'the code never reached the token endpoint');

  // An error response from another issuer: the spec forbids acting on or showing its error.
  const withError = await held();
  withError.searchParams.delete('code');
  withError.searchParams.set('error', 'access_denied');
  withError.searchParams.set('error_description', 'Call 555-0100 to unlock your account');
  withError.searchParams.set('iss', 'https://evil.example.com');
  const page = await fetch(withError, { headers: { cookie } });
  assert.equal(page.status, 400);
  const body = await page.text();
  assert.doesNotMatch(body, /555-0100|access_denied/);
  assert.match(body, /names the issuer/);
  assert.equal((await status(gw)).servers.secure.state, 'needs_auth');
});

test('invalid_grant on refresh moves the server to needs_auth (never ready with zero tools); authorizing again recovers', async (t) => {
  const s = await setup(t, { accessTtl: 2 });
  const gw = await gateway(t, s);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  await authorize(gw, s);
  const client = await connect(t, gw.url);
  await client.callTool({ name: 'secure__echo', arguments: { text: 'before' } });
  const upstream = gw.daemon.gateway.upstream('secure')!;
  const emptyReady: string[] = [];
  upstream.on((e) => {
    if (e.type === 'state' && e.state === 'ready' && upstream.lists.tools.length === 0) emptyReady.push(new Date().toISOString());
  });
  await s.as.revoke();
  // Calls work until the access token is due; the refresh then gets invalid_grant.
  const err = await waitFor(
    async () => {
      try {
        await client.callTool({ name: 'secure__echo', arguments: { text: 'x' } });
        return undefined;
      } catch (e) {
        return e as McpError;
      }
    },
    'a call to fail once the grant is gone',
    15_000,
  );
  assert.equal(err.code, -32011);
  assert.equal((err.data as { authorizationUrl?: string }).authorizationUrl, `${s.publicUrl}/oauth/start/secure`);
  assert.ok((await s.as.stats()).tokenErrors.invalid_grant >= 1);
  const st = await status(gw);
  assert.equal(st.servers.secure.state, 'needs_auth');
  assert.equal(st.servers.secure.auth.status, 'needs_authorization');
  assert.equal(st.servers.secure.auth.authorizationUrl, `${s.publicUrl}/oauth/start/secure`);

  await authorize(gw, s);
  assert.deepEqual((await client.callTool({ name: 'secure__echo', arguments: { text: 'after' } })).structuredContent, { text: 'after' });
  assert.equal((await status(gw)).servers.secure.tools, 2);
  assert.deepEqual(emptyReady, [], 'never ready with zero tools');

  // The same at start: the grant is gone while the daemon is down, and the stored token is due.
  await s.as.revoke();
  await gw.close();
  const stored = Date.now();
  // Time itself is the condition: the token expires at a wall-clock instant, no event says so.
  await waitFor(() => Date.now() > stored + 2000, 'the stored access token to expire');
  const again = await gateway(t, s);
  const st2 = await waitReady(again.url, ['secure'], 'needs_auth');
  assert.equal(st2.servers.secure.auth.status, 'needs_authorization');
  assert.equal(st2.servers.secure.lastError.code, 'MCPGW_E_SERVER_NEEDS_AUTH');
  assert.match(st2.servers.secure.lastError.message, /invalid_grant/, 'the message says the refresh was refused');
});

test('step-up on 403 insufficient_scope: the call fails with the needs-auth error, re-authorizing asks for the union of scopes', async (t) => {
  const s = await setup(t);
  const gw = await gateway(t, s);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  await authorize(gw, s);
  const client = await connect(t, gw.url);
  assert.deepEqual((await client.callTool({ name: 'secure__echo', arguments: { text: 'e' } })).structuredContent, { text: 'e' });
  const err = await callError(client.callTool({ name: 'secure__add', arguments: { a: 1, b: 2 } }));
  assert.equal(err.code, -32011);
  assert.equal((err.data as { authorizationUrl?: string }).authorizationUrl, `${s.publicUrl}/oauth/start/secure`);

  await authorize(gw, s);
  const asked = (await s.as.stats()).authorizations.map((a) => a.scope);
  // oidc-provider lists offline_access in scopes_supported: the gateway asks for it too (2026-07-28 "Refresh Tokens").
  assert.deepEqual(asked, ['mcp:tools offline_access', 'mcp:tools mcp:admin offline_access']);
  assert.deepEqual((await client.callTool({ name: 'secure__add', arguments: { a: 1, b: 2 } })).structuredContent, { sum: 3 });
  assert.deepEqual((await client.callTool({ name: 'secure__echo', arguments: { text: 'e2' } })).structuredContent, { text: 'e2' });
  assert.equal((await s.as.stats()).registrations, 1, 'the registered client is reused for the step-up');
});

test('a token is only sent to its own server', async (t) => {
  const s = await setup(t, { plain: true });
  const gw = await gateway(t, s);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  await authorize(gw, s);
  await waitReady(gw.url, ['plain']);
  const client = await connect(t, gw.url);
  await client.callTool({ name: 'secure__echo', arguments: { text: 's' } });
  await client.callTool({ name: 'plain__echo', arguments: { text: 'p' } });
  assert.ok((await s.secure.stats()).accepted > 0);
  assert.deepEqual((await s.plain!.stats()).authorizationHeaders, [], 'the unprotected server never got an Authorization header');

  // The config now points `secure` at the other server: its stored token is bound to the old URL.
  const generation = (await status(gw)).config.generation as number;
  gw.writeConfig({ ...s.config(), servers: { secure: { url: s.plain!.url, auth: { type: 'oauth' } }, plain: { url: s.plain!.url } } });
  await waitFor(async () => (await status(gw)).config.generation > generation, 'the reload');
  await waitReady(gw.url, ['secure']);
  await client.callTool({ name: 'secure__echo', arguments: { text: 'moved' } });
  assert.deepEqual((await s.plain!.stats()).authorizationHeaders, [], 'the token did not follow the name to another URL');
  assert.equal((await status(gw)).servers.secure.auth.status, 'needs_authorization');
});

test('three concurrent calls refused with insufficient_scope make one step-up, not three (which would use up the limit)', async (t) => {
  const s = await setup(t);
  const gw = await gateway(t, s);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  await authorize(gw, s);
  const client = await connect(t, gw.url);
  // One token, refused three times at once (an agent fanning out): one step-up, not three,
  // or the limit of 3 is reached before a single re-authorization was tried.
  const errors = await Promise.all([1, 2, 3].map((a) => callError(client.callTool({ name: 'secure__add', arguments: { a, b: 1 } }))));
  for (const err of errors) assert.equal(err.code, -32011);
  await authorize(gw, s);
  assert.deepEqual((await client.callTool({ name: 'secure__add', arguments: { a: 2, b: 2 } })).structuredContent, { sum: 4 });
});

test('a 401 mid-session with a still unexpired token refreshes it and retries the call once', async (t) => {
  const s = await setup(t, { accessTtl: 300 });
  const gw = await gateway(t, s);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  await authorize(gw, s);
  const client = await connect(t, gw.url);
  assert.deepEqual((await client.callTool({ name: 'secure__echo', arguments: { text: '1' } })).structuredContent, { text: '1' });
  assert.equal((await s.as.stats()).refreshGrants, 0);
  await s.secure.revokeTokens();
  assert.deepEqual((await client.callTool({ name: 'secure__echo', arguments: { text: '2' } })).structuredContent, { text: '2' });
  assert.equal((await s.as.stats()).refreshGrants, 1);
  assert.ok((await s.secure.stats()).rejected.revoked >= 1);
  assert.equal((await status(gw)).servers.secure.state, 'ready');
});

test('an authorization server outage while refreshing at start is retried, not a permanent error', async (t) => {
  const ttl = 2;
  const s = await setup(t, { accessTtl: ttl });
  const first = await gateway(t, s);
  await waitReady(first.url, ['secure'], 'needs_auth');
  await authorize(first, s);
  const authorizedAt = Date.now();
  await first.close();
  await s.as.outage(true);
  // The stored access token must be due when the gateway starts again. Time itself is the
  // condition: the token expires at a wall-clock instant, no event says so.
  await waitFor(() => Date.now() > authorizedAt + ttl * 1000, 'the access token to expire');
  const gw = await gateway(t, s);
  const st = await waitFor(async () => {
    const v = await status(gw);
    return v.servers.secure.state !== 'starting' ? v : undefined;
  }, 'the first connection attempt');
  assert.equal(st.servers.secure.state, 'restarting', `state ${st.servers.secure.state}: ${JSON.stringify(st.servers.secure.lastError)}`);
  assert.equal(st.servers.secure.lastError.code, 'MCPGW_E_OAUTH_TOKEN');
  assert.match(st.servers.secure.lastError.message, /HTTP 503/, 'the message says what the token endpoint answered');
  await s.as.outage(false);
  await waitReady(gw.url, ['secure']);
  assert.equal((await s.as.stats()).codeGrants, 1, 'recovered without a new authorization');
});

test('a 401 while the authorization server is down fails the call but keeps the authorization', async (t) => {
  const s = await setup(t, { accessTtl: 300 });
  const gw = await gateway(t, s);
  await waitReady(gw.url, ['secure'], 'needs_auth');
  await authorize(gw, s);
  const client = await connect(t, gw.url);
  await client.callTool({ name: 'secure__echo', arguments: { text: '1' } });
  await s.as.outage(true);
  await s.secure.revokeTokens();
  const err = await callError(client.callTool({ name: 'secure__echo', arguments: { text: '2' } }));
  assert.notEqual(err.code, -32011, 'not "needs authorization": the grant is fine, the AS is down');
  assert.match(err.message, /token refresh failed/);
  assert.equal((await status(gw)).servers.secure.state, 'ready');
  await s.as.outage(false);
  assert.deepEqual((await client.callTool({ name: 'secure__echo', arguments: { text: '3' } })).structuredContent, { text: '3' });
  assert.equal((await s.as.stats()).codeGrants, 1, 'no new authorization was needed');
});
