// The team-mode acceptance machinery on its own (no gateway): the authorization server fixture
// with named accounts and groups, the protected upstream's whoami tool, and real SDK clients
// signing in headlessly as a chosen user through the server's 401 and RFC 9728 metadata.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import { browserOf, followAuthorization, startAuthorizationServer, startProtectedServer } from '../helpers/oauth.js';
import { callText, signInWithSdk } from '../helpers/sdk-oauth.js';

const accounts = { alice: ['eng'], bob: ['ops'] };

test('SDK clients sign in as alice and bob; whoami names the account of each one', async (t) => {
  const as = await startAuthorizationServer(t, { accessTtl: 60, scopes: 'mcp:tools', accounts });
  const upstream = await startProtectedServer(t, as.issuer, ['--whoami']);
  const alice = await signInWithSdk(t, upstream.url, 'alice');
  const bob = await signInWithSdk(t, upstream.url, 'bob');
  assert.equal(await callText(alice.client, 'whoami'), 'alice');
  assert.equal(await callText(bob.client, 'whoami'), 'bob');

  const calls = Array.from({ length: 40 }, (_, i) => (i % 2 ? { who: 'bob', c: bob } : { who: 'alice', c: alice }));
  const answers = await Promise.all(calls.map(async ({ who, c }) => [who, await callText(c.client, 'whoami')]));
  for (const [who, answer] of answers) assert.equal(answer, who);

  // What the SDK did: discovery from the 401, dynamic registration, PKCE S256, the resource.
  const url = alice.provider.authorizations[0]!;
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(url.searchParams.get('resource'), upstream.url);
  const stats = await as.stats();
  assert.equal(stats.registrations, 2);
  assert.deepEqual(
    stats.logins.map((l) => l.accountId),
    ['alice', 'bob'],
  );
  const claims = decodeJwt(alice.provider.saved!.access_token);
  assert.deepEqual(claims.groups, ['eng']);
  assert.equal(claims.preferred_username, 'alice');
  assert.equal(claims.aud, upstream.url);
  assert.deepEqual(decodeJwt(bob.provider.saved!.access_token).groups, ['ops']);
});

test('a pre-registered client signs in without registering; an unknown account is refused', async (t) => {
  const as = await startAuthorizationServer(t, { accessTtl: 60, scopes: 'mcp:tools', accounts });
  const upstream = await startProtectedServer(t, as.issuer, ['--whoami']);
  const first = await signInWithSdk(t, upstream.url, 'alice');
  const again = await signInWithSdk(t, upstream.url, 'bob', { client: first.provider.client });
  assert.equal(await callText(again.client, 'whoami'), 'bob');
  assert.equal((await as.stats()).registrations, 1);

  await assert.rejects(signInWithSdk(t, upstream.url, 'mallory'), /access_denied.*no account mallory/);
});

test('browserOf: a flow the test did not build logs in the jar user', async (t) => {
  const as = await startAuthorizationServer(t, { accessTtl: 60, scopes: 'mcp:tools', accounts });
  const registration = await fetch(`${as.issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none' }),
  });
  const { client_id } = (await registration.json()) as { client_id: string };
  const auth = new URL('/auth', as.issuer);
  const params = { client_id, redirect_uri: 'http://127.0.0.1:9/cb', response_type: 'code', scope: 'openid', state: 's1' };
  for (const [k, v] of Object.entries(params)) auth.searchParams.set(k, v);
  auth.searchParams.set('code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  auth.searchParams.set('code_challenge_method', 'S256');
  const run = await followAuthorization(auth.href, { jar: browserOf('bob', as.issuer), stopAt: /127\.0\.0\.1:9\/cb/ });
  assert.match(run.visited.at(-1)!, /[?&]code=/);
  assert.deepEqual(
    (await as.stats()).logins.map((l) => l.accountId),
    ['bob'],
  );
});
