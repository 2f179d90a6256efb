// The encrypted OAuth token store (SPEC section 5): round trip, nothing in plaintext, private
// modes whatever the umask, a file it cannot decrypt left byte-identical, atomic writes (a
// process killed mid-write), serialized updates, and reload() for a second reader.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TokenStore, type ServerEntry } from '../../src/auth/store.js';
import { McpgwError } from '../../src/errors/error.js';

const root = mkdtempSync(join(tmpdir(), 'mcpgw-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${++n}`, 'nested', '.mcpgw');

const KEY = 'correct-horse-battery-staple-0123456789';
const OTHER_KEY = 'another-key-entirely-9876543210-abcdef';
const ACCESS = 'gho_ACCESS_token_0123456789abcdef';
const REFRESH = 'ghr_REFRESH_token_fedcba9876543210';
const SECRET = 'client-SECRET-value-42';

function entry(overrides: Partial<ServerEntry> = {}): ServerEntry {
  return {
    serverUrl: 'https://api.example.com/mcp',
    issuer: 'https://auth.example.com',
    resource: 'https://api.example.com/mcp',
    asMetadata: { issuer: 'https://auth.example.com', token_endpoint: 'https://auth.example.com/token' },
    client: {
      clientId: 'mcpgw-client',
      clientSecret: SECRET,
      redirectUri: 'http://localhost:8750/oauth/callback',
      method: 'dynamic',
      registeredAt: 1,
    },
    tokens: { accessToken: ACCESS, refreshToken: REFRESH, expiresAt: 1_900_000_000_000, scope: 'repo', tokenType: 'Bearer' },
    scopes: ['repo'],
    updatedAt: 1,
    ...overrides,
  };
}

async function storeWith(dataDir: string, e = entry()): Promise<void> {
  const store = await TokenStore.open({ dataDir, key: KEY });
  await store.update('gh', () => e);
  await store.close();
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<McpgwError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof McpgwError, `not an McpgwError: ${err}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`did not reject with ${code}`);
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('TokenStore', () => {
  test('round trip across close and reopen', async () => {
    const dataDir = freshDir();
    const store = await TokenStore.open({ dataDir, key: KEY });
    assert.equal(store.path, join(dataDir, 'oauth-store.json'));
    assert.equal(store.get('gh'), undefined);
    await store.update('gh', (e) => (assert.equal(e, undefined), entry()));
    await store.update('other', () => entry({ tokens: undefined, updatedAt: 5 }));
    const { tokens: _, ...other } = entry({ updatedAt: 5 });
    assert.deepEqual(store.get('gh'), entry());
    assert.deepEqual(store.get('other'), other, 'memory holds what the file holds: no undefined keys');
    await store.close();

    const again = await TokenStore.open({ dataDir, key: KEY });
    assert.deepEqual(again.list(), { gh: entry(), other });
    await again.update('other', () => undefined);
    assert.deepEqual(Object.keys(again.list()), ['gh']);
    await again.close();
  });

  test('get and list return copies: changing them changes nothing stored', async () => {
    const store = await TokenStore.open({ dataDir: freshDir(), key: KEY });
    await store.update('gh', () => entry());
    store.get('gh')!.tokens!.accessToken = 'changed';
    store.list().gh!.scopes!.push('admin');
    await store.update('gh', (e) => (assert.deepEqual(e, entry()), (e!.updatedAt = 2), e));
    assert.deepEqual(store.get('gh'), entry({ updatedAt: 2 }));
    assert.equal(store.get('constructor'), undefined, 'no prototype property reads as a server');
    await store.close();
  });

  test('the file holds no token, secret or URL in plaintext', async () => {
    const dataDir = freshDir();
    await storeWith(dataDir);
    const bytes = readFileSync(join(dataDir, 'oauth-store.json'));
    for (const s of [ACCESS, REFRESH, SECRET, 'mcpgw-client', 'api.example.com', KEY])
      assert.equal(bytes.indexOf(s), -1, `${s} is in the file`);
    assert.equal(JSON.parse(bytes.toString()).format, 'mcpgw-oauth-store');
  });

  for (const umask of [0o022, 0o000]) {
    test(`the file is 0600 and a new data dir 0700, with umask ${umask.toString(8).padStart(3, '0')}`, async () => {
      const previous = process.umask(umask);
      try {
        const dataDir = freshDir();
        await storeWith(dataDir);
        assert.equal(mode(dataDir), 0o700);
        assert.equal(mode(join(dataDir, 'oauth-store.json')), 0o600);
        chmodSync(join(dataDir, 'oauth-store.json'), 0o644);
        await storeWith(dataDir, entry({ updatedAt: 2 }));
        assert.equal(mode(join(dataDir, 'oauth-store.json')), 0o600, 'a write replaces a widened file with a private one');
      } finally {
        process.umask(previous);
      }
    });
  }

  test('a wrong key: open fails, says what to do, and the file stays byte-identical', async () => {
    const dataDir = freshDir();
    await storeWith(dataDir);
    const file = join(dataDir, 'oauth-store.json');
    const before = readFileSync(file);
    const mtime = statSync(file).mtimeMs;
    const err = await rejectsWith(TokenStore.open({ dataDir, key: OTHER_KEY }), 'MCPGW_E_STORE_DECRYPT');
    assert.match(err.message, /cannot be decrypted with this encryption key/);
    assert.match(err.hint!, /restore the key it was written with/);
    assert.match(err.hint!, /move .*oauth-store\.json away and log in again/);
    assert.ok(!`${err.message}${err.hint}`.includes(OTHER_KEY));
    assert.deepEqual(readFileSync(file), before);
    assert.equal(statSync(file).mtimeMs, mtime);
    assert.deepEqual(readdirSync(dataDir), ['oauth-store.json'], 'lock released, no temp file');
    const right = await TokenStore.open({ dataDir, key: KEY });
    assert.deepEqual(right.get('gh'), entry());
    await right.close();
  });

  test('tampered ciphertext: MCPGW_E_STORE_CORRUPT, file untouched', async () => {
    const dataDir = freshDir();
    await storeWith(dataDir);
    const file = join(dataDir, 'oauth-store.json');
    const envelope = JSON.parse(readFileSync(file, 'utf8'));
    const data = Buffer.from(envelope.data, 'base64');
    data[10]! ^= 0x40;
    envelope.data = data.toString('base64');
    writeFileSync(file, JSON.stringify(envelope));
    const before = readFileSync(file);
    const err = await rejectsWith(TokenStore.open({ dataDir, key: KEY }), 'MCPGW_E_STORE_CORRUPT');
    assert.match(err.message, /modified or damaged/);
    assert.deepEqual(readFileSync(file), before);
  });

  test('an unknown version: MCPGW_E_STORE_VERSION, file untouched', async () => {
    const dataDir = freshDir();
    await storeWith(dataDir);
    const file = join(dataDir, 'oauth-store.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"version": 1', '"version": 7'));
    const before = readFileSync(file);
    const err = await rejectsWith(TokenStore.open({ dataDir, key: KEY }), 'MCPGW_E_STORE_VERSION');
    assert.match(err.message, /version 7/);
    assert.deepEqual(readFileSync(file), before);
  });

  test('concurrent updates all land, in call order', async () => {
    const dataDir = freshDir();
    const store = await TokenStore.open({ dataDir, key: KEY });
    const count = 25;
    await Promise.all([
      ...Array.from({ length: count }, (_, i) => store.update(`s${i}`, () => entry({ updatedAt: i }))),
      ...Array.from({ length: count }, () => store.update('counter', (e) => entry({ updatedAt: (e?.updatedAt ?? 0) + 1 }))),
      store
        .update('boom', () => {
          throw new Error('fn failed');
        })
        .then(
          () => assert.fail('resolved'),
          (err) => assert.match(err.message, /fn failed/),
        ),
    ]);
    assert.equal(store.get('counter')!.updatedAt, count);
    await store.close();
    const again = await TokenStore.open({ dataDir, key: KEY, lock: false });
    assert.equal(Object.keys(again.list()).length, count + 1);
    assert.equal(again.get('counter')!.updatedAt, count);
    assert.equal(again.get('s17')!.updatedAt, 17);
    assert.deepEqual(readdirSync(dataDir), ['oauth-store.json'], 'no temp files left');
  });

  test('a write that fails before the rename leaves file and memory as they were', async () => {
    const dataDir = freshDir();
    await storeWith(dataDir);
    const file = join(dataDir, 'oauth-store.json');
    const before = readFileSync(file);
    let temp = '';
    const store = await TokenStore.open({
      dataDir,
      key: KEY,
      hooks: {
        beforeRename: (t) => {
          temp = t;
          throw Object.assign(new Error('disk gone'), { code: 'EIO' });
        },
      },
    });
    await rejectsWith(
      store.update('gh', () => entry({ updatedAt: 9 })),
      'MCPGW_E_STORE_IO',
    );
    assert.equal(temp.startsWith(join(dataDir, '.oauth-store.json.')), true, 'temp file next to the target');
    assert.deepEqual(readFileSync(file), before);
    assert.equal(store.get('gh')!.updatedAt, 1);
    assert.deepEqual(readdirSync(dataDir).sort(), ['oauth-store.json', 'oauth-store.lock']);
    await store.close();
  });

  test('a process killed between write and rename leaves the old file; the next open cleans up', async () => {
    const dataDir = freshDir();
    await storeWith(dataDir);
    const file = join(dataDir, 'oauth-store.json');
    const before = readFileSync(file);
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/store/crash-write.ts', dataDir], {
      cwd: join(import.meta.dirname, '../..'),
      env: { ...process.env, STORE_KEY: KEY },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    assert.equal(signal, 'SIGKILL', `child exited with ${code}: ${stderr}`);

    assert.deepEqual(readFileSync(file), before);
    const temps = readdirSync(dataDir).filter((f) => f.endsWith('.tmp'));
    assert.equal(temps.length, 1, 'the crashed write left its temp file');
    assert.equal(mode(join(dataDir, temps[0]!)), 0o600, 'even a leftover temp file is private');
    assert.ok(readdirSync(dataDir).includes('oauth-store.lock'), 'and its lock');

    const store = await TokenStore.open({ dataDir, key: KEY });
    assert.deepEqual(store.get('gh'), entry());
    assert.deepEqual(readdirSync(dataDir).sort(), ['oauth-store.json', 'oauth-store.lock']);
    await store.close();
  });

  test('reload() follows another writer; a lock: false store is read-only and creates nothing', async () => {
    const missing = freshDir();
    const empty = await TokenStore.open({ dataDir: missing, key: KEY, lock: false });
    assert.deepEqual(empty.list(), {});
    assert.throws(() => statSync(missing), /ENOENT/);

    const dataDir = freshDir();
    await storeWith(dataDir);
    const reader = await TokenStore.open({ dataDir, key: KEY, lock: false });
    await rejectsWith(
      reader.update('gh', () => undefined),
      'MCPGW_E_INTERNAL',
    );
    const writer = await TokenStore.open({ dataDir, key: KEY });
    await writer.update('gh', () => entry({ updatedAt: 2 }));
    assert.equal(reader.get('gh')!.updatedAt, 1);
    await reader.reload();
    assert.equal(reader.get('gh')!.updatedAt, 2);
    await writer.close();
  });

  test('after a reload that cannot decrypt, update() refuses and the file is never written over', async () => {
    const dataDir = freshDir();
    const store = await TokenStore.open({ dataDir, key: KEY });
    await store.update('gh', () => entry());
    const file = join(dataDir, 'oauth-store.json');
    const ours = readFileSync(file);

    // Someone replaces the file with a store under another key (a restore from another machine).
    const elsewhere = freshDir();
    const foreign = await TokenStore.open({ dataDir: elsewhere, key: OTHER_KEY });
    await foreign.update('gh', () => entry({ updatedAt: 99 }));
    await foreign.close();
    writeFileSync(file, readFileSync(join(elsewhere, 'oauth-store.json')));
    const replaced = readFileSync(file);

    await rejectsWith(store.reload(), 'MCPGW_E_STORE_DECRYPT');
    assert.equal(store.get('gh')!.updatedAt, 1, 'the last good data stays readable');
    await rejectsWith(
      store.update('gh', () => entry({ updatedAt: 3 })),
      'MCPGW_E_STORE_DECRYPT',
    );
    assert.deepEqual(readFileSync(file), replaced);

    writeFileSync(file, ours);
    await store.reload();
    await store.update('gh', () => entry({ updatedAt: 3 }));
    assert.equal(store.get('gh')!.updatedAt, 3);
    await store.close();
  });

  test('close() waits for queued updates, is idempotent, and later updates are refused', async () => {
    const dataDir = freshDir();
    const store = await TokenStore.open({ dataDir, key: KEY });
    const pending = store.update('gh', () => entry());
    await Promise.all([store.close(), store.close()]);
    await pending;
    await rejectsWith(
      store.update('gh', () => undefined),
      'MCPGW_E_INTERNAL',
    );
    assert.deepEqual(readdirSync(dataDir), ['oauth-store.json']);
    const again = await TokenStore.open({ dataDir, key: KEY, lock: false });
    assert.deepEqual(again.get('gh'), entry());
  });

  test('a short key or a data dir that is a file are refused clearly', async () => {
    await rejectsWith(TokenStore.open({ dataDir: freshDir(), key: 'too-short' }), 'MCPGW_E_KEY_SHORT');
    const notDir = join(root, 'a-file');
    writeFileSync(notDir, '');
    const err = await rejectsWith(TokenStore.open({ dataDir: notDir, key: KEY }), 'MCPGW_E_STORE_IO');
    assert.match(err.message, /cannot create the data dir/);
  });
});
