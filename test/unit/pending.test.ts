// The authorizations waiting for their callback (issue 14 item 5, src/auth/pending.ts): at
// most N per server, the oldest of that server dropped first, others untouched; expired ones
// swept; a state is taken once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PendingAuthorizations, type Pending } from '../../src/auth/pending.js';

function pending(server: string, state: string, expiresAt = Date.now() + 60_000): Pending {
  return {
    server,
    state,
    verifier: 'v',
    discovered: {} as Pending['discovered'],
    entry: {} as Pending['entry'],
    expiresAt,
    identity: 'local',
    browser: 'b',
    reauthorize: false,
  };
}

test('at most perServer per server: the oldest of that server goes, other servers keep theirs', () => {
  const p = new PendingAuthorizations(3);
  p.add(pending('other', 'o1'));
  for (let i = 0; i < 2000; i++) p.add(pending('github', `g${i}`));
  assert.equal(p.count('github'), 3);
  assert.equal(p.count('other'), 1);
  assert.equal(p.count(), 4);
  assert.equal(p.take('g1996'), undefined, 'dropped');
  assert.equal(p.take('g1997')?.state, 'g1997');
  assert.equal(p.take('o1')?.server, 'other');
});

test('a state is taken once; expired entries are swept on the next add', () => {
  const p = new PendingAuthorizations(20);
  p.add(pending('github', 'old', Date.now() - 1));
  p.add(pending('github', 'new'));
  assert.equal(p.count(), 1, 'the expired one was swept');
  assert.equal(p.take('new')?.state, 'new');
  assert.equal(p.take('new'), undefined);
});
