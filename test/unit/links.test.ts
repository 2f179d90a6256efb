// Authorization links (issue 14 item 1, src/auth/links.ts): a ticket binds an identity and a
// server, expires, works once, and any change to it makes it worthless. Every refusal is the
// same MCPGW_E_OAUTH_LINK, naming no server.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { Keyring } from '../../src/gateway/keys.js';
import { AuthorizationLinks } from '../../src/auth/links.js';
import { McpgwError } from '../../src/errors/error.js';

function refused(fn: () => unknown, why: RegExp = /cannot be used/, what = ''): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof McpgwError, what);
    assert.equal(err.code, 'MCPGW_E_OAUTH_LINK');
    assert.match(err.message, why);
    assert.doesNotMatch(err.message, /github/, 'no server name');
    return true;
  });
}

describe('AuthorizationLinks', () => {
  test('a ticket grants its identity and server; check does not spend it, redeem does', () => {
    const links = new AuthorizationLinks();
    const ticket = links.mint('github', 'owner');
    assert.match(ticket, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(
      { ...links.check(ticket, 'github'), expiresAt: 0 },
      { identity: 'owner', server: 'github', reauthorize: false, expiresAt: 0 },
    );
    assert.equal(links.check(ticket, 'github').identity, 'owner', 'check twice: still good');
    assert.equal(links.redeem(ticket, 'github').identity, 'owner');
    refused(() => links.redeem(ticket, 'github'), /already used/);
    refused(() => links.check(ticket, 'github'), /already used/);
  });

  test('reauthorize is carried', () => {
    const links = new AuthorizationLinks();
    assert.equal(links.check(links.mint('github', 'alice', { reauthorize: true }), 'github').reauthorize, true);
  });

  test('another server, another key, a changed payload or MAC, junk: refused alike', () => {
    const links = new AuthorizationLinks();
    const ticket = links.mint('github', 'owner');
    const [v, body, mac] = ticket.split('.') as [string, string, string];
    const forgedBody = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), i: 'alice' })).toString(
      'base64url',
    );
    for (const [what, t, server] of [
      ['another server', ticket, 'gitlab'],
      ['another process (key)', new AuthorizationLinks(undefined, () => [randomBytes(32)]).mint('github', 'owner'), 'github'],
      ['a changed payload', `${v}.${forgedBody}.${mac}`, 'github'],
      ['a changed MAC', `${v}.${body}.${mac.slice(0, -2)}AA`, 'github'],
      ['an extra part', `${ticket}.x`, 'github'],
      ['another version', `v2.${body}.${mac}`, 'github'],
      ['junk', 'nonsense', 'github'],
      ['empty', '', 'github'],
    ] as const) {
      refused(() => links.check(t, server), /cannot be used/, what);
    }
  });

  test('an expired ticket is refused', () => {
    const links = new AuthorizationLinks(-1);
    refused(() => links.check(links.mint('github', 'owner'), 'github'), /expired/);
  });
});

test("replicas with the same gateway.sessionKey open each other's links; a rotation keeps them; another key does not", () => {
  const key = 'a-session-key-shared-by-every-replica-0123456789';
  const a = new AuthorizationLinks(undefined, () => new Keyring(key).macKeys('link'));
  const b = new AuthorizationLinks(undefined, () => new Keyring(key).macKeys('link'));
  const ticket = a.mint('github', 'alice');
  assert.equal(b.check(ticket, 'github').identity, 'alice');
  const rotated = new AuthorizationLinks(undefined, () => new Keyring('a-new-session-key-after-the-rotation-98765', [key]).macKeys('link'));
  assert.equal(rotated.redeem(ticket, 'github').identity, 'alice');
  const other = new AuthorizationLinks(undefined, () => new Keyring('another-gateway-with-another-key-0123456').macKeys('link'));
  assert.throws(() => other.check(ticket, 'github'), /cannot be used/);
  // Not the key of a session id: a subkey of its own.
  assert.notDeepEqual(new Keyring(key).macKeys('link'), new Keyring(key).macKeys('session'));
});
