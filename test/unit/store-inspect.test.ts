// inspectStore, doctor's view of the token store (SPEC section 6): modes, decryptability, the
// lock holder and entry summaries, without a secret in the result and without writing anything.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { inspectStore, TokenStore } from '../../src/auth/store.js';

const root = mkdtempSync(join(tmpdir(), 'mcpgw-inspect-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${++n}`);
const KEY = 'correct-horse-battery-staple-0123456789';
const ACCESS = 'gho_ACCESS_token_0123456789abcdef';
const REFRESH = 'ghr_REFRESH_token_fedcba9876543210';

async function populated(): Promise<string> {
  const dataDir = freshDir();
  const store = await TokenStore.open({ dataDir, key: KEY });
  await store.update('gh', () => ({
    serverUrl: 'https://api.example.com/mcp',
    issuer: 'https://auth.example.com',
    resource: 'https://api.example.com/mcp',
    client: {
      clientId: 'cid-123',
      clientSecret: 'csecret-456',
      redirectUri: 'http://localhost:8750/oauth/callback',
      method: 'cimd',
      registeredAt: 1,
    },
    tokens: { accessToken: ACCESS, refreshToken: REFRESH, expiresAt: 1_900_000_000_000 },
    scopes: ['repo'],
    updatedAt: 7,
  }));
  await store.update('bare', () => ({
    serverUrl: 'https://b.example/mcp',
    issuer: 'https://b.example',
    resource: 'https://b.example/mcp',
    updatedAt: 8,
  }));
  await store.close();
  return dataDir;
}

describe('inspectStore', () => {
  test('a healthy store: private modes, decryptable, summaries without secrets', async () => {
    const dataDir = await populated();
    const h = await inspectStore(dataDir, KEY);
    assert.deepEqual(h.dir, { exists: true, mode: 0o700, private: true, writable: true });
    assert.equal(h.file.exists, true);
    assert.equal(h.file.mode, 0o600);
    assert.equal(h.file.private, true);
    assert.equal(h.decryptable, true);
    assert.equal(h.problem, undefined);
    assert.deepEqual(h.lock, { exists: false });
    assert.deepEqual(h.findings, []);
    assert.deepEqual(h.entries, [
      {
        server: 'gh',
        serverUrl: 'https://api.example.com/mcp',
        issuer: 'https://auth.example.com',
        hasAccessToken: true,
        expiresAt: 1_900_000_000_000,
        hasRefreshToken: true,
        clientMethod: 'cimd',
        scopes: ['repo'],
        updatedAt: 7,
      },
      {
        server: 'bare',
        serverUrl: 'https://b.example/mcp',
        issuer: 'https://b.example',
        hasAccessToken: false,
        expiresAt: undefined,
        hasRefreshToken: false,
        clientMethod: undefined,
        scopes: undefined,
        updatedAt: 8,
      },
    ]);
    const text = JSON.stringify(h);
    for (const secret of [ACCESS, REFRESH, 'cid-123', 'csecret-456', KEY])
      assert.ok(!text.includes(secret), `${secret} in the health report`);
  });

  test('never writes and never takes the lock, even next to a live holder', async () => {
    const dataDir = await populated();
    const store = await TokenStore.open({ dataDir, key: KEY });
    const file = join(dataDir, 'oauth-store.json');
    const before = { bytes: readFileSync(file), mtime: statSync(file).mtimeMs, names: readdirSync(dataDir).sort() };
    const h = await inspectStore(dataDir, KEY);
    assert.equal(h.lock.pid, process.pid);
    assert.equal(h.lock.alive, true);
    assert.deepEqual(readFileSync(file), before.bytes);
    assert.equal(statSync(file).mtimeMs, before.mtime);
    assert.deepEqual(readdirSync(dataDir).sort(), before.names);
    await store.close();

    const missing = freshDir();
    const none = await inspectStore(missing, KEY);
    assert.deepEqual(none.dir, { exists: false });
    assert.deepEqual(none.file, { exists: false });
    assert.deepEqual(none.entries, []);
    assert.equal(existsSync(missing), false, 'nothing created');
  });

  test('a stale lock is reported as not alive', async () => {
    const dataDir = freshDir();
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(
      join(dataDir, 'oauth-store.lock'),
      JSON.stringify({ pid: 999_999_999, startedAt: '2024-01-01T00:00:00.000Z', hostname: hostname() }),
    );
    const h = await inspectStore(dataDir);
    assert.deepEqual(h.lock, { exists: true, pid: 999_999_999, hostname: hostname(), startedAt: '2024-01-01T00:00:00.000Z', alive: false });
  });

  test('modes open to others are MCPGW_W_STORE_PERMISSIONS warnings with the chmod to run', async () => {
    const dataDir = await populated();
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'oauth-store.json'), 0o644);
    const h = await inspectStore(dataDir, KEY);
    assert.equal(h.dir.private, false);
    assert.equal(h.file.private, false);
    assert.deepEqual(
      h.findings.map((f) => [f.code, f.severity]),
      [
        ['MCPGW_W_STORE_PERMISSIONS', 'warning'],
        ['MCPGW_W_STORE_PERMISSIONS', 'warning'],
      ],
    );
    assert.match(h.findings[0]!.message, /mode 0755/);
    assert.match(h.findings[0]!.hint!, /chmod 700 /);
    assert.match(h.findings[1]!.message, /mode 0644/);
    assert.match(h.findings[1]!.hint!, /chmod 600 /);
  });

  test('a wrong key: not decryptable, with the recovery as an error finding', async () => {
    const dataDir = await populated();
    const h = await inspectStore(dataDir, 'w'.repeat(40));
    assert.equal(h.decryptable, false);
    assert.equal(h.problem?.code, 'MCPGW_E_STORE_DECRYPT');
    assert.equal(h.entries, undefined);
    assert.deepEqual(
      h.findings.map((f) => [f.code, f.severity]),
      [['MCPGW_E_STORE_DECRYPT', 'error']],
    );
    assert.match(h.findings[0]!.hint!, /move .* away and log in again/);
  });

  test('without a key, the envelope is still checked (version, damage)', async () => {
    const dataDir = await populated();
    const ok = await inspectStore(dataDir);
    assert.equal(ok.decryptable, undefined);
    assert.equal(ok.entries, undefined);
    assert.deepEqual(ok.findings, []);
    const file = join(dataDir, 'oauth-store.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"version": 1', '"version": 2'));
    const newer = await inspectStore(dataDir);
    assert.equal(newer.problem?.code, 'MCPGW_E_STORE_VERSION');
    assert.equal(newer.decryptable, undefined);
  });
});
