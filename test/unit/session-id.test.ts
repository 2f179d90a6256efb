// Sealed session ids (SPEC section 11): a 2025-era session's state in its Mcp-Session-Id, opened
// by any replica with the same gateway.sessionKey, during a rotation with a previous key too;
// forged, truncated, foreign-key, expired, deleted and misused ids each refused with their code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Keyring } from '../../src/gateway/keys.js';
import { credentialDigest, isRefusal, SessionIds, type SessionState } from '../../src/gateway/session-id.js';

const KEY = 'k'.repeat(31) + '1';
const NEXT = 'n'.repeat(31) + '2';
const AUTH = 'Bearer secret-token';
const FIELDS = {
  profile: 'default',
  protocolVersion: '2025-11-25',
  capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } },
  clientInfo: { name: 'client', version: '1.0.0' },
  identity: 'bearerTokens:owner',
  credential: credentialDigest(AUTH),
};
/** Who opens the ids in these tests: the session's profile, its credential, its identity. */
const CALLER = { profile: 'default', authorization: AUTH, identity: 'bearerTokens:owner' };
const DAY = 24 * 3_600_000;

function ids(keys: Keyring): SessionIds {
  return new SessionIds(
    () => keys,
    () => DAY,
  );
}

function codeOf(opened: SessionState | { code: string }): string {
  return isRefusal(opened as never) ? (opened as { code: string }).code : 'opened';
}

test('another replica with the same key opens the id and gets the state back; the id says nothing readable', () => {
  const { id, expiresAt } = ids(new Keyring(KEY)).issue(FIELDS, 1000);
  assert.match(id, /^[A-Za-z0-9_-]+$/, 'header-safe');
  assert.ok(id.length < 400, `compact (${id.length} characters)`);
  assert.doesNotMatch(Buffer.from(id, 'base64url').toString('latin1'), /client|owner|sampling|default/);
  const opened = ids(new Keyring(KEY)).open(id, CALLER, 2000);
  assert.deepEqual(opened, { ...FIELDS, issuedAt: 1000, expiresAt });
  assert.equal(expiresAt, 1000 + DAY);
});

test('a rotation: the old key in previousSessionKeys opens; a key nobody has any more is MCPGW_E_HTTP_SESSION_KEY', () => {
  const { id } = ids(new Keyring(KEY)).issue(FIELDS);
  assert.equal(codeOf(ids(new Keyring(NEXT, [KEY])).open(id, CALLER)), 'opened');
  assert.equal(codeOf(ids(new Keyring(NEXT)).open(id, CALLER)), 'MCPGW_E_HTTP_SESSION_KEY');
  // A process without sessionKey has a key of its own.
  assert.equal(codeOf(ids(new Keyring()).open(id, CALLER)), 'MCPGW_E_HTTP_SESSION_KEY');
});

test('forged, truncated or altered ids are MCPGW_E_HTTP_SESSION_INVALID, without throwing', () => {
  const sessions = ids(new Keyring(KEY));
  const { id } = sessions.issue(FIELDS);
  const raw = Buffer.from(id, 'base64url');
  raw[raw.length - 1]! ^= 1;
  for (const bad of [
    raw.toString('base64url'),
    id.slice(0, 30),
    id.slice(0, -3),
    '6f1c2a8e-0000-4000-8000-000000000000',
    'x'.repeat(20_000),
    'a b',
  ])
    assert.equal(codeOf(sessions.open(bad, CALLER)), 'MCPGW_E_HTTP_SESSION_INVALID', bad.slice(0, 40));
});

test('another profile or credential: not found; past sessionMaxAge: expired; deleted here: not found here only', () => {
  const keys = new Keyring(KEY);
  const sessions = ids(keys);
  const { id, expiresAt } = sessions.issue(FIELDS, 0);
  assert.equal(codeOf(sessions.open(id, { ...CALLER, profile: 'other' }, 1)), 'MCPGW_E_HTTP_SESSION_NOT_FOUND');
  assert.equal(codeOf(sessions.open(id, { ...CALLER, authorization: 'Bearer another' }, 1)), 'MCPGW_E_HTTP_SESSION_NOT_FOUND');
  assert.equal(codeOf(sessions.open(id, { ...CALLER, authorization: null }, 1)), 'MCPGW_E_HTTP_SESSION_NOT_FOUND');
  assert.equal(codeOf(sessions.open(id, CALLER, expiresAt)), 'MCPGW_E_HTTP_SESSION_EXPIRED');
  sessions.revoke(id, expiresAt);
  assert.equal(codeOf(sessions.open(id, CALLER, 1)), 'MCPGW_E_HTTP_SESSION_NOT_FOUND');
  assert.equal(codeOf(ids(keys).open(id, CALLER, 1)), 'opened', 'another replica has not heard of the DELETE');
});

test('team mode: an id sealed for alice opens for nobody else, whatever the header; an OIDC session follows the identity, not the token', () => {
  const sessions = ids(new Keyring(KEY));
  const alice = sessions.issue({ ...FIELDS, identity: 'users:alice' }).id;
  assert.equal(codeOf(sessions.open(alice, { ...CALLER, identity: 'users:alice' })), 'opened');
  assert.equal(codeOf(sessions.open(alice, { ...CALLER, identity: 'users:bob' })), 'MCPGW_E_HTTP_SESSION_NOT_FOUND');
  assert.equal(codeOf(sessions.open(alice, { ...CALLER, identity: 'oidc:alice' })), 'MCPGW_E_HTTP_SESSION_NOT_FOUND');
  const oidc = sessions.issue({ ...FIELDS, identity: 'oidc:alice', credential: '' }).id;
  assert.equal(codeOf(sessions.open(oidc, { ...CALLER, authorization: 'Bearer a-refreshed-jwt', identity: 'oidc:alice' })), 'opened');
  assert.equal(codeOf(sessions.open(oidc, { ...CALLER, identity: 'oidc:bob' })), 'MCPGW_E_HTTP_SESSION_NOT_FOUND');
  // An empty credential binds only OIDC identities: a static credential's session always has its digest.
  const unbound = sessions.issue({ ...FIELDS, identity: 'users:alice', credential: '' }).id;
  assert.equal(codeOf(sessions.open(unbound, { ...CALLER, identity: 'users:alice' })), 'MCPGW_E_HTTP_SESSION_NOT_FOUND');
});

test('subkeys per purpose: a session id is no requestState, and the other way round', () => {
  const keys = new Keyring(KEY);
  const token = keys.seal('state', '{}');
  assert.deepEqual(keys.open('session', token), { error: 'altered' });
  assert.deepEqual(keys.open('state', keys.seal('session', '{}')), { error: 'altered' });
  assert.deepEqual(keys.open('state', token), { text: '{}', previous: false });
  assert.deepEqual(new Keyring(NEXT, [KEY]).open('state', token), { text: '{}', previous: true });
});

test('a reload with the same keys keeps the keyring (a process key survives), new keys make a new one', () => {
  const own = new Keyring();
  assert.equal(Keyring.update(own), own);
  const shared = Keyring.update(own, KEY);
  assert.notEqual(shared, own);
  assert.equal(Keyring.update(shared, KEY), shared);
  assert.notEqual(Keyring.update(shared, NEXT, [KEY]), shared);
});

test('capabilities too large for a header are cut to what the gateway reads', () => {
  const big = { ...FIELDS, capabilities: { ...FIELDS.capabilities, experimental: { blob: { data: 'x'.repeat(10_000) } } } };
  const { id } = ids(new Keyring(KEY)).issue(big);
  assert.ok(id.length <= 4096, `${id.length}`);
  const opened = ids(new Keyring(KEY)).open(id, CALLER) as SessionState;
  assert.deepEqual(opened.capabilities, FIELDS.capabilities);
});
