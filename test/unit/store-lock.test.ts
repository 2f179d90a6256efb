// One writer per token store (SPEC section 5): <dataDir>/oauth-store.lock. A live holder is a
// clear error naming its pid; a dead one (or a reused pid) is stale and taken over.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { processStart } from '../../src/auth/lock.js';
import { TokenStore } from '../../src/auth/store.js';
import { McpgwError } from '../../src/errors/error.js';

const root = mkdtempSync(join(tmpdir(), 'mcpgw-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function freshDir(): string {
  const dir = join(root, `d${++n}`);
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}
const KEY = 'correct-horse-battery-staple-0123456789';
const lockOf = (dataDir: string) => join(dataDir, 'oauth-store.lock');
const holder = (dataDir: string) => JSON.parse(readFileSync(lockOf(dataDir), 'utf8'));

function writeLock(dataDir: string, record: Record<string, unknown>): void {
  writeFileSync(lockOf(dataDir), JSON.stringify({ startedAt: new Date().toISOString(), hostname: hostname(), ...record }));
}

async function lockedBy(dataDir: string, pid: number): Promise<McpgwError> {
  try {
    const store = await TokenStore.open({ dataDir, key: KEY });
    await store.close();
  } catch (err) {
    assert.ok(err instanceof McpgwError);
    assert.equal(err.code, 'MCPGW_E_STORE_LOCKED', err.message);
    assert.match(err.message, new RegExp(`mcpgw is running \\(pid ${pid}\\); use it, or stop it`));
    assert.equal(err.details?.pid, pid);
    return err;
  }
  assert.fail('open succeeded despite a live lock');
}

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('token store lock', () => {
  test('a second open fails while the first holds the lock; close releases it', async () => {
    const dataDir = freshDir();
    const first = await TokenStore.open({ dataDir, key: KEY });
    assert.equal(first.lockPath, lockOf(dataDir));
    const record = holder(dataDir);
    assert.equal(record.pid, process.pid);
    assert.ok(Date.parse(record.startedAt) > 0);
    const err = await lockedBy(dataDir, process.pid);
    assert.match(err.hint!, /act through it/);
    await first.close();
    await first.close();
    assert.equal(existsSync(lockOf(dataDir)), false);
    const second = await TokenStore.open({ dataDir, key: KEY });
    await second.close();
  });

  test('a lock held by another live process names its pid', async () => {
    const dataDir = freshDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeLock(dataDir, { pid: child.pid });
      await lockedBy(dataDir, child.pid!);
      assert.equal(holder(dataDir).pid, child.pid, 'a live lock is left alone');
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('a lock whose pid is dead is stale and taken over', async () => {
    const dataDir = freshDir();
    const pid = await deadPid();
    writeLock(dataDir, { pid });
    const store = await TokenStore.open({ dataDir, key: KEY });
    assert.equal(holder(dataDir).pid, process.pid);
    await store.close();
    assert.equal(existsSync(lockOf(dataDir)), false);
  });

  test(
    'a live pid with another start time is a reused pid: stale',
    { skip: processStart(process.pid) ? false : 'needs /proc' },
    async () => {
      const dataDir = freshDir();
      writeLock(dataDir, { pid: process.pid, procStart: '1' });
      const store = await TokenStore.open({ dataDir, key: KEY });
      assert.equal(holder(dataDir).procStart, processStart(process.pid));
      await store.close();
    },
  );

  test('a dead pid under another hostname is stale too (a recreated container gets a new hostname)', async () => {
    const dataDir = freshDir();
    writeLock(dataDir, { pid: await deadPid(), hostname: 'old-container-id' });
    const store = await TokenStore.open({ dataDir, key: KEY });
    assert.equal(holder(dataDir).hostname, hostname());
    await store.close();
  });

  test('an unreadable lock record: old is stale, fresh is waited for (its holder may be writing it)', async () => {
    const old = freshDir();
    writeFileSync(lockOf(old), '');
    utimesSync(lockOf(old), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const a = await TokenStore.open({ dataDir: old, key: KEY });
    await a.close();

    const fresh = freshDir();
    writeFileSync(lockOf(fresh), 'garbage');
    const started = Date.now();
    const b = await TokenStore.open({ dataDir: fresh, key: KEY });
    assert.ok(Date.now() - started >= 1500, 'waited for the holder to finish writing');
    await b.close();
  });

  test('a failed open releases the lock it took', async () => {
    const dataDir = freshDir();
    writeFileSync(join(dataDir, 'oauth-store.json'), 'not json');
    await assert.rejects(TokenStore.open({ dataDir, key: KEY }), { code: 'MCPGW_E_STORE_CORRUPT' });
    assert.equal(existsSync(lockOf(dataDir)), false);
  });

  test('close() leaves a lock that is no longer ours', async () => {
    const dataDir = freshDir();
    const store = await TokenStore.open({ dataDir, key: KEY });
    writeLock(dataDir, { pid: 424242 });
    await store.close();
    assert.equal(holder(dataDir).pid, 424242);
  });
});
