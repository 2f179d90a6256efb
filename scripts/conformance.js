// The MCP conformance suite (@modelcontextprotocol/conformance, server mode) as a library: list
// the scenarios, run them one at a time against a Streamable HTTP URL (the CI machine has 2
// cores), start the conformance-everything fixture. Used by scripts/conformance-server.js (the
// command line) and test/integration/conformance.test.ts. See docs/conformance.md.
//
// The conformance CLI needs Node 22 (it imports fs.globSync): it runs under the node@22 dev
// dependency (node_modules/node/bin/node) whatever node imports this module.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname;
export const NODE22 = join(ROOT, 'node_modules/node/bin/node');
export const CLI = join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
export const FIXTURE = 'test/fixtures/servers/conformance-everything.ts';

/**
 * @typedef {{ id: string, status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | string, errorMessage?: string, description?: string }} Check
 * @typedef {{ scenario: string, checks: Check[], passed: boolean, failures: Check[], warnings: Check[], successes: number }} ScenarioResult
 */

/** The files the suite needs that are missing (run npm install). */
export function missingFiles() {
  return [NODE22, CLI].filter((p) => !existsSync(p));
}

/** The server scenarios this version of the suite knows (`conformance list --server`). */
export function listScenarios({ specVersion } = {}) {
  const args = [CLI, 'list', '--server'];
  if (specVersion) args.push('--spec-version', specVersion);
  const out = execFileSync(NODE22, args, { encoding: 'utf8' });
  return [...out.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]);
}

/**
 * Starts the conformance-everything fixture over HTTP with `node` (default: this process's).
 * `url` resolves once it prints LISTENING; `stop()` kills it (idempotent). With
 * `stderr: 'pipe'` its stderr is kept and quoted when it fails to start.
 */
export function startFixture({ node = process.execPath, stderr = 'inherit' } = {}) {
  const child = spawn(node, ['--import', 'tsx', FIXTURE], { cwd: ROOT, stdio: ['ignore', 'pipe', stderr] });
  let errText = '';
  child.stderr?.on('data', (d) => (errText += d));
  const url = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`fixture did not print LISTENING within 60 s ${errText}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /LISTENING (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}/mcp`);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fixture exited with ${code} before listening ${errText}`));
    });
  });
  url.catch(() => undefined);
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return { child, url, stop };
}

/** The checks.json the CLI wrote for `scenario` under `outDir`, or undefined. */
function readChecks(outDir, scenario) {
  // The CLI writes <outDir>/server-<scenario>-<timestamp>/checks.json; the newest wins
  // (a --keep folder may hold earlier runs).
  const prefix = `server-${scenario}-`;
  const dir = readdirSync(outDir)
    .filter((d) => d.startsWith(prefix) && /^\d{4}-/.test(d.slice(prefix.length)))
    .sort()
    .at(-1);
  if (!dir || !existsSync(join(outDir, dir, 'checks.json'))) return undefined;
  return JSON.parse(readFileSync(join(outDir, dir, 'checks.json'), 'utf8'));
}

/** The stand-in result of a scenario the CLI gave no checks for. */
function noResults(scenario, why, output) {
  return [{ id: scenario, status: 'FAILURE', errorMessage: `no results (${why}): ${output.trim().split('\n').slice(-3).join(' | ')}` }];
}

/**
 * Runs one scenario in its own CLI process; resolves its checks (from checks.json), or a
 * synthetic failure when the CLI wrote none (crash, timeout, abort). The CLI is killed after
 * `timeoutMs` or when `signal` aborts.
 */
export function runScenario(url, scenario, outDir, { timeoutMs = 120_000, signal } = {}) {
  return new Promise((resolve) => {
    const child = spawn(NODE22, [CLI, 'server', '--url', url, '--scenario', scenario, '-o', outDir], {
      cwd: outDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(kill, timeoutMs);
    if (signal?.aborted) kill();
    signal?.addEventListener('abort', kill, { once: true });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      const why = signal?.aborted ? 'aborted' : sig ? `killed after ${timeoutMs / 1000} s` : `exit ${code}`;
      resolve(readChecks(outDir, scenario) ?? noResults(scenario, why, output));
    });
  });
}

/**
 * Runs every scenario of `expected` in one CLI process (`--suite all`), which runs them one
 * after another. Starting the CLI is most of a scenario's cost (about 0.5 s of CPU each): one
 * process instead of 32 keeps the run short on a loaded 2-core machine. The CLI announces each
 * scenario (`=== Running scenario: NAME ===`): the previous one is then done, and the timeout
 * (per scenario) starts again. A scenario without checks.json counts as failed.
 */
function runAll(url, expected, outDir, { specVersion, timeoutMs, signal, onResult }) {
  return new Promise((resolve) => {
    const args = [CLI, 'server', '--url', url, '--suite', 'all', '-o', outDir];
    if (specVersion) args.push('--spec-version', specVersion);
    const child = spawn(NODE22, args, { cwd: outDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const results = [];
    let output = '';
    let pending = '';
    let current;
    let killedWhy;
    const finish = (scenario, why) => {
      const result = judge(scenario, readChecks(outDir, scenario) ?? noResults(scenario, why, output));
      results.push(result);
      onResult?.(result);
    };
    let timer;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        killedWhy = `killed after ${timeoutMs / 1000} s`;
        child.kill('SIGKILL');
      }, timeoutMs);
    };
    const abort = () => {
      killedWhy = 'aborted';
      child.kill('SIGKILL');
    };
    arm();
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort, { once: true });
    child.stdout.on('data', (d) => {
      output += d;
      pending += d;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const m = /^=== Running scenario: (\S+) ===$/.exec(pending.slice(0, nl).trim());
        pending = pending.slice(nl + 1);
        if (!m) continue;
        if (current) finish(current, 'the CLI wrote no checks.json');
        current = m[1];
        arm();
      }
    });
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      if (current) finish(current, killedWhy ?? `exit ${code}`);
      for (const scenario of expected) {
        if (!results.some((r) => r.scenario === scenario)) finish(scenario, `not run: the CLI stopped (${killedWhy ?? `exit ${code}`})`);
      }
      resolve(results);
    });
  });
}

/** A scenario passes when none of its checks is FAILURE (the CLI's own rule). */
export function judge(scenario, checks) {
  const failures = checks.filter((c) => c.status === 'FAILURE');
  const warnings = checks.filter((c) => c.status === 'WARNING');
  const successes = checks.filter((c) => c.status === 'SUCCESS').length;
  return { scenario, checks, passed: failures.length === 0, failures, warnings, successes };
}

/** The lines the command line prints for one scenario. */
export function describeResult(r) {
  const note = r.warnings.length ? `, ${r.warnings.length} warning(s)` : '';
  const lines = [
    r.passed
      ? `PASS ${r.scenario} (${r.successes} check(s)${note})`
      : `FAIL ${r.scenario} (${r.failures.length} of ${r.successes + r.failures.length} check(s) failed${note})`,
  ];
  for (const c of r.failures) lines.push(`     - ${c.id}: ${c.errorMessage ?? c.description ?? ''}`);
  for (const c of r.warnings) lines.push(`     ~ ${c.id}: ${c.errorMessage ?? c.description ?? ''}`);
  return lines;
}

/**
 * Runs scenarios one after another against `url` and resolves their results; `onResult` sees
 * each as it comes. Without `scenarios`, every server scenario (of `specVersion`) runs in one
 * CLI process; a list runs one CLI process per scenario (the CLI takes one `--scenario`).
 * `timeoutMs` applies to each scenario. Each scenario's checks.json goes under `keep` when
 * given, else under a temp folder removed at the end.
 */
export async function runSuite(url, { scenarios, specVersion, timeoutMs = 120_000, keep, signal, onResult } = {}) {
  const work = keep ?? mkdtempSync(join(tmpdir(), 'mcpgw-conformance-'));
  try {
    if (!scenarios) return await runAll(url, listScenarios({ specVersion }), work, { specVersion, timeoutMs, signal, onResult });
    const results = [];
    for (const scenario of scenarios) {
      if (signal?.aborted) break;
      const result = judge(scenario, await runScenario(url, scenario, work, { timeoutMs, signal }));
      results.push(result);
      onResult?.(result);
    }
    return results;
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}
