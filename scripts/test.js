#!/usr/bin/env node
// Runs every test with node:test through tsx. On Node 20 `--test` finds no .ts files given a
// folder or a glob, so the files are listed here. Arguments narrow the run:
//   npm test -- unit            only test/unit
//   npm test -- test/x.test.ts  only that file
// The node running this script runs the tests (npm's own node, not node_modules/.bin/node,
// which is the Node 22 that only the conformance CLI needs).
import { spawn } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const suites = ['unit', 'integration'];

function filesIn(dir) {
  const full = join(root, 'test', dir);
  if (!existsSync(full)) return [];
  return readdirSync(full, { recursive: true })
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join('test', dir, f));
}

const args = process.argv.slice(2);
let files;
if (args.length === 0) files = suites.flatMap(filesIn);
else files = args.flatMap((a) => (suites.includes(a) ? filesIn(a) : [a]));

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, MCPGW_TEST: '1' } },
);
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
