// The MCP conformance suite (@modelcontextprotocol/conformance, server mode) as a library: list
// the scenarios of a protocol revision, run them one at a time against a Streamable HTTP URL
// (the CI machine has 2 cores) and return per-scenario results, compare two runs scenario by
// scenario, start a fixture. Used by scripts/conformance-server.js (the command line) and the
// conformance tests in test/integration/. See docs/conformance.md.
//
// The conformance CLI needs Node 22 (it imports fs.globSync): it runs under the node@22 dev
// dependency (node_modules/node/bin/node) whatever node imports this module.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = new URL('..', import.meta.url).pathname;
export const NODE22 = join(ROOT, 'node_modules/node/bin/node');
export const PACKAGE = join(ROOT, 'node_modules/@modelcontextprotocol/conformance');
export const CLI = join(PACKAGE, 'dist/index.js');
/** The fixtures: SDK v1, 2025-era only; SDK v2, both revisions (HTTP, or `--stdio`). */
export const FIXTURES = {
  v1: 'test/fixtures/servers/conformance-everything.ts',
  v2: 'test/fixtures/servers/conformance-v2.ts',
};
export const FIXTURE = FIXTURES.v1;

/** The files the suite needs that are missing (run npm install). */
export function missingFiles() {
  return [NODE22, CLI].filter((p) => !existsSync(p));
}

/**
 * The frozen requirement set of a revision (the package's requirements/<revision>.yaml): the
 * server scenarios it scores, and those it runs but never scores (with the reason: extension,
 * pending, added-after-release). Undefined for a revision without one.
 */
export function requirementSet(revision) {
  const file = join(PACKAGE, 'requirements', `${revision}.yaml`);
  if (!existsSync(file)) return undefined;
  const doc = parse(readFileSync(file, 'utf8'));
  const notScored = (doc.not_scored ?? []).filter((e) => e.leg === 'server').map((e) => ({ scenario: e.scenario, reason: e.reason }));
  return { revision, scored: [...(doc.server ?? [])], notScored };
}

/**
 * The server scenarios the CLI runs: every one it knows, those applicable at `specVersion`
 * (`conformance list --server --spec-version`), or exactly what `requirements` runs (its
 * scored scenarios, then the not-scored ones, the CLI's order).
 */
export function listScenarios({ specVersion, requirements } = {}) {
  if (requirements) {
    const set = requirementSet(requirements);
    if (!set) throw new Error(`the conformance suite has no requirement set ${requirements}`);
    return [...set.scored, ...set.notScored.map((e) => e.scenario)];
  }
  const args = [CLI, 'list', '--server'];
  if (specVersion) args.push('--spec-version', specVersion);
  const out = execFileSync(NODE22, args, { encoding: 'utf8' });
  return [...out.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]);
}

/**
 * Starts a fixture (`file`, default the v1 one) over HTTP with `node` (default: this
 * process's). `url` resolves once it prints `LISTENING <port>`; `stop()` kills it (idempotent).
 * With `stderr: 'pipe'` its stderr is kept and quoted when it fails to start.
 */
export function startFixture({ file = FIXTURE, args = [], node = process.execPath, stderr = 'inherit', env } = {}) {
  const child = spawn(node, ['--import', 'tsx', file, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', stderr],
    env: { ...process.env, ...env },
  });
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

/** The CLI's selection arguments for a run (`requirements` replaces `--suite`/`--spec-version`). */
function selection({ specVersion, requirements }) {
  if (requirements) return ['--requirements', requirements];
  return specVersion ? ['--suite', 'all', '--spec-version', specVersion] : ['--suite', 'all'];
}

/**
 * Runs one scenario in its own CLI process; resolves its checks (from checks.json), a
 * synthetic failure when the CLI wrote none (crash, timeout, abort), or `skipped` when the CLI
 * found the scenario not applicable at `specVersion`. With `requirements`, the scenario runs
 * at that revision whatever its applicability window (as `--requirements` does). The CLI is
 * killed after `timeoutMs` or when `signal` aborts.
 */
function runScenario(url, scenario, outDir, { specVersion, requirements, timeoutMs, signal }) {
  const args = [CLI, 'server', '--url', url, '--scenario', scenario, '-o', outDir];
  if (requirements) args.push('--spec-version', requirements, '--force');
  else if (specVersion) args.push('--spec-version', specVersion);
  return new Promise((resolve) => {
    const child = spawn(NODE22, args, { cwd: outDir, stdio: ['ignore', 'pipe', 'pipe'] });
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
      if (code === 0 && /^SKIPPED: scenario/m.test(output)) return resolve({ checks: [], skipped: true });
      const why = signal?.aborted ? 'aborted' : sig ? `killed after ${timeoutMs / 1000} s` : `exit ${code}`;
      resolve({ checks: readChecks(outDir, scenario) ?? noResults(scenario, why, output) });
    });
  });
}

/**
 * Runs every scenario of `expected` in one CLI process, which runs them one after another.
 * Starting the CLI is most of a scenario's cost (about 0.5 s of CPU each): one process keeps
 * the run short on a loaded 2-core machine. The CLI announces each scenario (`=== Running
 * scenario: NAME ===`): the previous one is then done, and the timeout (per scenario) starts
 * again. A scenario without checks.json counts as failed.
 */
function runAll(url, expected, outDir, { specVersion, requirements, timeoutMs, signal, onResult, mark }) {
  return new Promise((resolve) => {
    const args = [CLI, 'server', '--url', url, ...selection({ specVersion, requirements }), '-o', outDir];
    const child = spawn(NODE22, args, { cwd: outDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const results = [];
    let output = '';
    let pending = '';
    let current;
    let killedWhy;
    const finish = (scenario, why) => {
      const result = mark(judge(scenario, readChecks(outDir, scenario) ?? noResults(scenario, why, output)));
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
export function judge(scenario, checks, { skipped = false } = {}) {
  const failures = checks.filter((c) => c.status === 'FAILURE');
  const warnings = checks.filter((c) => c.status === 'WARNING');
  const successes = checks.filter((c) => c.status === 'SUCCESS').length;
  return { scenario, checks, passed: failures.length === 0, failures, warnings, successes, skipped };
}

/** The lines the command line prints for one scenario. */
export function describeResult(r) {
  const note = r.warnings.length ? `, ${r.warnings.length} warning(s)` : '';
  const tag = r.scored === false ? ` [not scored: ${r.notScoredReason}]` : '';
  const head = r.skipped
    ? `SKIP ${r.scenario} (not applicable at this revision)`
    : r.passed
      ? `PASS ${r.scenario} (${r.successes} check(s)${note})${tag}`
      : `FAIL ${r.scenario} (${r.failures.length} of ${r.successes + r.failures.length} check(s) failed${note})${tag}`;
  const lines = [head];
  for (const c of r.failures) lines.push(`     - ${c.id}: ${c.errorMessage ?? c.description ?? ''}`);
  for (const c of r.warnings) lines.push(`     ~ ${c.id}: ${c.errorMessage ?? c.description ?? ''}`);
  return lines;
}

/**
 * Runs server scenarios one after another against `url` and resolves their results; `onResult`
 * sees each as it comes. The selection is `requirements` (a revision: exactly what
 * `--requirements` runs), else `specVersion` (every scenario applicable at it), else every
 * scenario the suite knows. Without `scenarios` one CLI process runs them all; a list runs one
 * CLI process per scenario (the CLI takes one `--scenario`), at the same revision. Each result
 * says whether the revision's requirement set scores it (`scored`, `notScoredReason`) when the
 * revision has one. `timeoutMs` applies to each scenario. Each scenario's checks.json goes
 * under `keep` when given, else under a temp folder removed at the end.
 */
export async function runSuite(url, { scenarios, specVersion, requirements, timeoutMs = 120_000, keep, signal, onResult } = {}) {
  const set = requirementSet(requirements ?? specVersion ?? '');
  const mark = (r) => {
    if (!set) return r;
    if (set.scored.includes(r.scenario)) return { ...r, scored: true };
    const notScored = set.notScored.find((e) => e.scenario === r.scenario);
    return { ...r, scored: false, notScoredReason: notScored?.reason ?? `not in the ${set.revision} requirements` };
  };
  const work = keep ?? mkdtempSync(join(tmpdir(), 'mcpgw-conformance-'));
  const options = { specVersion, requirements, timeoutMs, signal, onResult, mark };
  try {
    if (!scenarios) return await runAll(url, listScenarios({ specVersion, requirements }), work, options);
    const results = [];
    for (const scenario of scenarios) {
      if (signal?.aborted) break;
      const { checks, skipped } = await runScenario(url, scenario, work, options);
      const result = mark(judge(scenario, checks, { skipped }));
      results.push(result);
      onResult?.(result);
    }
    return results;
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Compares two runs of the same selection scenario by scenario (e.g. directly at a fixture,
 * then through the gateway with that fixture upstream). For each scenario of `base`: whether
 * it passed in each run, and `lost`, the ids of the checks that succeeded in `base` but not in
 * `other` (a check id may repeat within a scenario: counted per id). A scenario missing from
 * `other` has every check lost.
 */
export function compareRuns(base, other) {
  return base.map((b) => {
    const o = other.find((r) => r.scenario === b.scenario);
    const successCounts = (r) => {
      const counts = new Map();
      for (const c of r?.checks ?? []) if (c.status === 'SUCCESS') counts.set(c.id, (counts.get(c.id) ?? 0) + 1);
      return counts;
    };
    const mine = successCounts(b);
    const theirs = successCounts(o);
    const lost = [...mine].filter(([id, n]) => (theirs.get(id) ?? 0) < n).map(([id]) => id);
    return { scenario: b.scenario, scored: b.scored, basePassed: b.passed, otherPassed: o?.passed ?? false, missing: !o, lost };
  });
}
