// The sources typecheck (tsx runs them without checking, and `npm start` builds them with
// tsc, which must not fail): the same check as `npm run typecheck`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';

test('tsc --noEmit reports no type error', { timeout: 120_000 }, async () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const result = await promisify(execFile)(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.'], {
    cwd: root,
  }).catch((err: { stdout: string }) => ({ stdout: err.stdout, failed: true }));
  assert.equal('failed' in result ? result.stdout.trim() : '', '');
});
