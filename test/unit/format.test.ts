// Every TypeScript, JavaScript and JSON file is formatted by prettier (`npm run format`
// fixes it): the same check as `npm run format:check`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';

test('prettier --check finds nothing to reformat', { timeout: 120_000 }, async () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const result = await promisify(execFile)(
    process.execPath,
    ['node_modules/prettier/bin/prettier.cjs', '--check', '--log-level', 'warn', '**/*.{ts,js,json}'],
    {
      cwd: root,
    },
  ).catch((err: { stdout: string; stderr: string }) => ({ stdout: `${err.stdout}${err.stderr}`, failed: true }));
  assert.equal('failed' in result ? result.stdout.trim() : '', '');
});
