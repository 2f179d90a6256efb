// Team mode's pure parts (SPEC section 10): users' token hashes, identities from static
// credentials, profile access, the 401 challenge with oidc, the hash format check, and the
// audit log's lines (a real file, rotated).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuditLog } from '../../src/audit/audit-log.js';
import { checkTeam } from '../../src/config/team-checks.js';
import { hashToken } from '../../src/config/team.js';
import type { GatewaySpec } from '../../src/config/types.js';
import { admit } from '../../src/http/guard.js';
import { mayUse } from '../../src/identity/access.js';
import { matchToken } from '../../src/identity/tokens.js';
import { createLogger } from '../../src/log.js';

const ALICE = 'alice-token-0123456789abcdefghijklmnop';
const BOB = 'bob-token-0123456789abcdefghijklmnopqrs';

function gateway(changes: Partial<GatewaySpec> = {}): GatewaySpec {
  return {
    listen: { host: '127.0.0.1', port: 8750 },
    publicUrl: 'http://localhost:8750',
    dataDir: '/tmp/x',
    bearerTokens: ['owner-token-0123456789abcdefghijklmnop'],
    users: [
      { name: 'alice', tokenHashes: [hashToken(ALICE).slice(7)], groups: ['eng'], admin: true },
      { name: 'bob', tokenHashes: [hashToken(BOB).slice(7)], groups: [], admin: false },
    ],
    audit: { kind: 'off' },
    allowedHosts: [],
    allowedOrigins: [],
    allowUnauthenticatedNetwork: false,
    logLevel: 'info',
    sessionIdleTimeoutMs: 1,
    previousSessionKeys: [],
    sessionMaxAgeMs: 1,
    maxSessions: 1,
    maxSessionsPerProfile: 1,
    shutdownGraceMs: 1,
    metrics: { enabled: true, auth: true },
    ...changes,
  };
}

test('a user token (held as its sha256) names its user; the bearerTokens are owner; anything else nobody', () => {
  const gw = gateway();
  assert.equal(matchToken(ALICE, gw)?.name, 'alice');
  assert.deepEqual(matchToken(ALICE, gw)?.groups, ['eng']);
  assert.equal(matchToken(BOB, gw)?.name, 'bob');
  assert.equal(matchToken('owner-token-0123456789abcdefghijklmnop', gw)?.name, 'owner');
  assert.equal(matchToken('no-such-token-0123456789abcdefghijkl', gw), undefined);
  assert.equal(hashToken('x'), 'sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881');
});

test('profile access: users by name, groups by membership; no list lets every identified caller in', () => {
  const alice = { name: 'alice', groups: ['eng'], admin: true, via: 'users' as const };
  const bob = { name: 'bob', groups: [], admin: false, via: 'users' as const };
  assert.equal(mayUse({ access: { users: [], groups: ['eng'] } }, alice), true);
  assert.equal(mayUse({ access: { users: [], groups: ['eng'] } }, bob), false);
  assert.equal(mayUse({ access: { users: ['bob'], groups: [] } }, bob), true);
  assert.equal(mayUse({}, bob), true);
});

test('the guard: a user token passes as that user; a wrong one is 401 with presented set; oidc adds resource_metadata', async () => {
  const pass = await admit(
    { path: '/mcp', method: 'POST', host: 'localhost:8750', origin: null, authorization: `Bearer ${BOB}` },
    gateway(),
  );
  assert.equal(pass.kind === 'pass' && pass.identity?.name, 'bob');
  const oidc = { issuer: 'http://127.0.0.1:1', userClaim: 'sub', scopes: ['mcp'], allowInsecureHttp: false };
  const deny = await admit(
    { path: '/mcp/eng', method: 'POST', host: 'localhost:8750', origin: null, authorization: 'Bearer nope' },
    gateway({ oidc }),
  );
  assert.equal(deny.kind, 'deny');
  if (deny.kind !== 'deny') return;
  assert.equal(deny.failure.code, 'MCPGW_E_HTTP_UNAUTHORIZED');
  assert.equal(deny.presented, true);
  assert.match(deny.challenge!, /resource_metadata="http:\/\/localhost:8750\/\.well-known\/oauth-protected-resource\/mcp\/eng"/);
  assert.match(deny.challenge!, /scope="mcp"/);
  assert.doesNotMatch(deny.failure.message, /nope/);
});

test('a sha256: token of the wrong form is a config error at its path', () => {
  const issues = checkTeam({ version: 1, gateway: { auth: { users: { alice: { tokens: ['sha256:ABC'] } } } } } as never);
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.code, 'MCPGW_E_CONFIG_TOKEN_HASH');
  assert.deepEqual(issues[0]!.path, ['gateway', 'auth', 'users', 'alice', 'tokens', 0]);
});

test('the audit log: one JSON line per record with every field, rotated by size, flushed at close', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-audit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'audit.jsonl');
  const log = new AuditLog({ kind: 'file', path }, createLogger('test'), 600);
  for (let i = 0; i < 6; i++)
    log.record({ identity: 'alice', profile: 'eng', server: 's', method: 'tools/call', name: `t${i}`, outcome: 'ok' });
  await log.close();
  const files = readdirSync(dir).sort();
  assert.ok(files.includes('audit.jsonl.1'), files.join(','));
  const lines = files.flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'));
  assert.equal(lines.length, 6);
  const first = JSON.parse(lines[0]!);
  assert.deepEqual(Object.keys(first), ['time', 'identity', 'profile', 'server', 'method', 'name', 'durationMs', 'outcome', 'errorCode']);
});
