// A polling watcher's first look at an entry comes after it says it is ready: fs.watchFile
// starts with a stat on libuv's thread pool. A deploy's swap in that window was never
// reported (CI, under load: "timed out waiting for the swap to r2"). A busy thread pool makes
// the window wide enough to hit every time.
import { pbkdf2 } from 'node:crypto';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigWatcher } from '../../src/config/watch.js';
import { tempDir } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

/** Keeps every thread of the pool busy with short jobs, each one queued behind the others. */
function busyThreadPool(): () => void {
  let stopped = false;
  const job = () => {
    if (!stopped) pbkdf2('x', 'y', 20_000, 32, 'sha256', job);
  };
  for (let i = 0; i < 16; i++) job();
  return () => {
    stopped = true;
  };
}

test('a swap right after a polling watcher is ready, before its first stat, is seen', async (t) => {
  const dir = tempDir(t, 'mcpgw-watch-');
  for (const name of ['r1', 'r2']) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'gateway.yaml'), name);
  }
  const point = (name: string) => {
    symlinkSync(name, join(dir, 'current.tmp'));
    renameSync(join(dir, 'current.tmp'), join(dir, 'current'));
  };
  point('r1');
  symlinkSync('current/gateway.yaml', join(dir, 'gateway.yaml'));
  const reasons: string[] = [];
  const watcher = new ConfigWatcher((reason) => reasons.push(reason), { debounceMs: 20, polling: true });
  t.after(() => watcher.close());
  const stop = busyThreadPool();
  t.after(stop);
  await watcher.setFiles([join(dir, 'gateway.yaml')]);
  point('r2');
  stop();
  await waitFor(() => reasons.length >= 1, 'the swap to r2', 10_000);
});
