// The requestState a 2026-07-28 client carries between an InputRequiredResult and its retry
// (SPEC section 9): sealed, bound to its request and identity, short-lived, good for one retry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Keyring } from '../../src/gateway/keys.js';
import { STATE_TTL_MS, StateSealer, type SealedState } from '../../src/gateway/seal.js';

const STATE: SealedState = {
  kind: 'up',
  profile: 'default',
  method: 'tools/call',
  target: 'github__create_issue',
  server: 'github',
  upstreamState: 'opaque-upstream-state',
  identity: '',
};
const EXPECT = { profile: STATE.profile, method: STATE.method, target: STATE.target, identity: STATE.identity };

test('a sealed state opens once, on the request it was issued for, and carries what was sealed', () => {
  const sealer = new StateSealer();
  const token = sealer.seal(STATE);
  assert.doesNotMatch(Buffer.from(token, 'base64url').toString('latin1'), /opaque-upstream-state|github/, 'not readable');
  const opened = sealer.open(token, EXPECT);
  assert.equal(typeof opened, 'object');
  assert.deepEqual({ ...(opened as SealedState), nonce: undefined, exp: undefined }, { ...STATE, nonce: undefined, exp: undefined });
  assert.match(String(sealer.open(token, EXPECT)), /already used/);
});

test('another request, identity, profile or method: refused', () => {
  const sealer = new StateSealer();
  for (const [field, value] of [
    ['profile', 'other'],
    ['method', 'prompts/get'],
    ['target', 'github__delete_repo'],
    ['identity', 'bob'],
  ] as const) {
    const token = sealer.seal(STATE);
    assert.equal(sealer.open(token, { ...EXPECT, [field]: value }), 'requestState was issued for another request', field);
  }
});

test('altered, truncated, foreign or oversized tokens are refused without throwing', () => {
  const sealer = new StateSealer();
  const token = sealer.seal(STATE);
  const raw = Buffer.from(token, 'base64url');
  raw[raw.length - 1] ^= 1;
  assert.match(String(sealer.open(raw.toString('base64url'), EXPECT)), /altered/);
  assert.match(String(sealer.open(token.slice(0, 20), EXPECT)), /not one the gateway issued/);
  assert.match(String(new StateSealer(() => new Keyring()).open(token, EXPECT)), /key this gateway does not have/);
  assert.match(String(sealer.open('x'.repeat(20_000), EXPECT)), /not one the gateway issued/);
  for (const junk of [undefined, 42, {}, ['a']]) assert.match(String(sealer.open(junk, EXPECT)), /not one the gateway issued/);
  // The untouched token still opens: refusing the others spent nothing.
  assert.equal(typeof sealer.open(token, EXPECT), 'object');
});

test('a state expires after STATE_TTL_MS', () => {
  const sealer = new StateSealer();
  const now = Date.now();
  const token = sealer.seal(STATE, now);
  assert.match(String(sealer.open(token, EXPECT, now + STATE_TTL_MS + 1)), /expired/);
  assert.equal(typeof sealer.open(token, EXPECT, now + STATE_TTL_MS - 1), 'object');
});
