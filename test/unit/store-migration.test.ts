// The file store's version 1 -> 2 migration (issue 16: data version 2 holds identities beside
// the owner's `servers`). test/fixtures/store/v1-oauth-store.json is a version 1 store written
// by the predecessor format (no data version inside the envelope), sealed with FIXTURE_KEY: it
// opens without loss, the original is kept byte for byte as oauth-store.v1-backup.json, and a
// store that does not decrypt (or does not parse) is never written over nor backed up.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EncryptedFileAdapter } from '../../src/auth/adapter.js';
import { STORE_FILE, TokenStore, V1_BACKUP_FILE } from '../../src/auth/store.js';
import { McpgwError } from '../../src/errors/error.js';
import { createLogger } from '../../src/log.js';
import { FileEntryStore } from '../../src/store/file.js';
import { ROOT } from '../helpers/gateway.js';

const FIXTURE = join(ROOT, 'test/fixtures/store/v1-oauth-store.json');
const FIXTURE_KEY = 'a-fixture-key-for-the-v1-store-migration-0123';
const OTHER_KEY = 'not-the-fixture-key-for-the-v1-store-0123456';

const root = mkdtempSync(join(tmpdir(), 'mcpgw-migrate-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A data dir holding a copy of the fixture (0700 / 0600, as mcpgw keeps them). */
function withV1(): { dataDir: string; file: string } {
  const dataDir = join(root, `d${++n}`);
  mkdirSync(dataDir, { mode: 0o700 });
  const file = join(dataDir, STORE_FILE);
  copyFileSync(FIXTURE, file);
  chmodSync(file, 0o600);
  return { dataDir, file };
}

/** The fixture's contents as version 1 held them (the envelope opened by hand). */
async function v1Data(): Promise<Record<string, any>> {
  const dir = withV1();
  return (await new EncryptedFileAdapter(dir.file, FIXTURE_KEY).read()) as Record<string, any>;
}

test('the fixture is a version 1 store: no data version inside the envelope', async () => {
  const data = await v1Data();
  assert.equal(data.version, undefined);
  assert.deepEqual(Object.keys(data.servers).sort(), ['github', 'linear']);
  assert.equal(data.users, undefined);
});

test('a version 1 store migrates to version 2 without loss; the original is kept as oauth-store.v1-backup.json', async () => {
  const before = await v1Data();
  const { dataDir, file } = withV1();
  const original = readFileSync(file);
  const store = await FileEntryStore.open({ dataDir, key: FIXTURE_KEY, log: createLogger('test') });
  // Every entry of the owner reads as it was, through the daemon's store (local and owner are one slot).
  for (const server of ['github', 'linear']) {
    assert.deepEqual(store.get('local', server), before.servers[server], server);
    assert.deepEqual(store.get('owner', server), before.servers[server], server);
  }
  assert.equal(store.get('owner', 'github')?.tokens?.refreshToken, 'fixture-refresh-token');
  assert.deepEqual(readFileSync(join(dataDir, V1_BACKUP_FILE)), original, 'the backup is the original, byte for byte');
  const migrated = (await new EncryptedFileAdapter(file, FIXTURE_KEY).read()) as Record<string, any>;
  assert.equal(migrated.version, 2);
  assert.deepEqual(migrated.servers, before.servers);

  // Version 2 stores identities beside the owner; a write lands and the owner's entries stay.
  await store.set('alice@example.com', 'github', { ...before.servers.github, tokens: { accessToken: 'alice-token' } });
  await store.close();
  const reopened = await TokenStore.open({ dataDir, key: FIXTURE_KEY });
  try {
    assert.deepEqual(reopened.list(), before.servers);
    assert.equal(reopened.getFor('alice@example.com', 'github')?.tokens?.accessToken, 'alice-token');
  } finally {
    await reopened.close();
  }
  assert.deepEqual(
    readdirSync(dataDir).filter((f) => f.includes('backup')),
    [V1_BACKUP_FILE],
    'a version 2 store is not backed up again',
  );
});

test('a backup already there is kept: the new one gets a name of its own', async () => {
  const { dataDir } = withV1();
  writeFileSync(join(dataDir, V1_BACKUP_FILE), 'an older backup');
  const store = await TokenStore.open({ dataDir, key: FIXTURE_KEY });
  await store.close();
  assert.equal(readFileSync(join(dataDir, V1_BACKUP_FILE), 'utf8'), 'an older backup');
  const others = readdirSync(dataDir).filter((f) => /^oauth-store\.v1-backup\.\d+\.json$/.test(f));
  assert.equal(others.length, 1);
  assert.deepEqual(readFileSync(join(dataDir, others[0]!)), readFileSync(FIXTURE));
});

test('a store that does not decrypt or does not parse is never overwritten, nor migrated', async () => {
  const damaged = (text: string) => text.replace(/"data": "(.)/, (_, c: string) => `"data": "${c === 'A' ? 'B' : 'A'}`);
  const cases: [string, string, (text: string) => string, string][] = [
    ['another key', OTHER_KEY, (text) => text, 'MCPGW_E_STORE_DECRYPT'],
    ['a damaged ciphertext', FIXTURE_KEY, damaged, 'MCPGW_E_STORE_CORRUPT'],
    ['a truncated file', FIXTURE_KEY, (text) => text.slice(0, 200), 'MCPGW_E_STORE_CORRUPT'],
  ];
  for (const [what, key, change, code] of cases) {
    const { dataDir, file } = withV1();
    writeFileSync(file, change(readFileSync(file, 'utf8')));
    const bytes = readFileSync(file);
    await assert.rejects(FileEntryStore.open({ dataDir, key, log: createLogger('test') }), (err) => {
      assert.ok(err instanceof McpgwError, what);
      assert.equal(err.code, code, `${what}: ${err.message}`);
      return true;
    });
    assert.deepEqual(readFileSync(file), bytes, `${what}: the file is untouched`);
    assert.equal(existsSync(join(dataDir, V1_BACKUP_FILE)), false, `${what}: nothing is migrated`);
    assert.deepEqual(readdirSync(dataDir).sort(), [STORE_FILE], `${what}: no other file is left (lock released, no temp)`);
  }
});
