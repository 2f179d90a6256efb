#!/usr/bin/env node
// Runs the MCP conformance suite (@modelcontextprotocol/conformance, server mode) against a
// Streamable HTTP URL, one scenario at a time (the CI machine has 2 cores), and prints one
// line per scenario and a closing `N passed, N failed`. See docs/conformance.md.
//
//   node scripts/conformance-server.js --url http://127.0.0.1:8750/mcp
//   node scripts/conformance-server.js --fixture      # starts test/fixtures/servers/conformance-everything.ts
//   options: --scenario NAME (repeatable), --spec-version V, --timeout SECONDS (per scenario, default 120),
//            --keep DIR (keep each scenario's checks.json under DIR)
//
// The conformance CLI needs Node 22 (it imports fs.globSync): it runs under the node@22 dev
// dependency (node_modules/node/bin/node) whatever node runs this script.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const node22 = join(root, 'node_modules/node/bin/node');
const cli = join(root, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    fixture: { type: 'boolean' },
    scenario: { type: 'string', multiple: true },
    'spec-version': { type: 'string' },
    timeout: { type: 'string', default: '120' },
    keep: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opts.help || (!opts.url && !opts.fixture)) {
  console.log('usage: node scripts/conformance-server.js (--url URL | --fixture) [--scenario NAME]... [--spec-version V] [--timeout S] [--keep DIR]');
  process.exit(opts.help ? 0 : 2);
}
for (const p of [node22, cli]) {
  if (!existsSync(p)) {
    console.error(`missing ${p}: run npm install`);
    process.exit(2);
  }
}

/** The server scenarios this version of the suite knows (`conformance list --server`). */
function listScenarios() {
  const args = [cli, 'list', '--server'];
  if (opts['spec-version']) args.push('--spec-version', opts['spec-version']);
  const out = execFileSync(node22, args, { encoding: 'utf8' });
  return [...out.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]);
}

/** Starts the conformance-everything fixture over HTTP; resolves its URL once it listens. */
function startFixture() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/servers/conformance-everything.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('fixture did not print LISTENING within 30 s')), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /LISTENING (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}/mcp`);
      }
    });
    child.once('exit', (code) => reject(new Error(`fixture exited with ${code} before listening`)));
  });
  return { child, url };
}

/** Runs one scenario; resolves its checks (from checks.json) or a synthetic failure. */
function runScenario(url, scenario, outDir) {
  return new Promise((resolve) => {
    const child = spawn(node22, [cli, 'server', '--url', url, '--scenario', scenario, '-o', outDir], {
      cwd: outDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), Number(opts.timeout) * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // The CLI writes <outDir>/server-<scenario>-<timestamp>/checks.json.
      const dir = readdirSync(outDir).find((d) => d.startsWith(`server-${scenario}-`));
      if (dir) {
        resolve(JSON.parse(readFileSync(join(outDir, dir, 'checks.json'), 'utf8')));
        return;
      }
      const why = signal ? `killed after ${opts.timeout} s` : `exit ${code}`;
      resolve([{ id: scenario, status: 'FAILURE', errorMessage: `no results (${why}): ${output.trim().split('\n').slice(-3).join(' | ')}` }]);
    });
  });
}

let fixture;
let passed = 0;
let failed = 0;
const work = opts.keep ?? mkdtempSync(join(tmpdir(), 'mcpgw-conformance-'));
try {
  if (!opts.url) fixture = startFixture();
  const url = opts.url ?? (await fixture.url);
  const scenarios = opts.scenario ?? listScenarios();
  console.log(`conformance server suite against ${url} (${scenarios.length} scenarios)`);
  for (const scenario of scenarios) {
    const checks = await runScenario(url, scenario, work);
    const failures = checks.filter((c) => c.status === 'FAILURE');
    const warnings = checks.filter((c) => c.status === 'WARNING');
    const ok = checks.filter((c) => c.status === 'SUCCESS').length;
    const note = warnings.length ? `, ${warnings.length} warning(s)` : '';
    if (failures.length === 0) {
      passed++;
      console.log(`PASS ${scenario} (${ok} check(s)${note})`);
    } else {
      failed++;
      console.log(`FAIL ${scenario} (${failures.length} of ${ok + failures.length} check(s) failed${note})`);
      for (const c of failures) console.log(`     - ${c.id}: ${c.errorMessage ?? c.description ?? ''}`);
    }
    for (const c of warnings) console.log(`     ~ ${c.id}: ${c.errorMessage ?? c.description ?? ''}`);
  }
} finally {
  if (fixture) fixture.child.kill('SIGTERM');
  if (!opts.keep) rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
