// `npm run bench`: the performance figures of SPEC section 7 / issue 7, in one run on
// 127.0.0.1. Prints a table (measure, value, target, met?) and writes
// bench/results/<ISO date>.json. docs/performance.md explains each measure.
//   npm run bench [-- --rounds N] [-- --only calls,start,rss,reload,profile]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { callsBench, profileBench } from './calls.js';
import { PARTS, ROUNDS, S, round1, want } from './common.js';
import { reloadBench, rssBench, startBench } from './lifecycle.js';
import { markdownTable, profileText, rows, type Results } from './report.js';
import { CLK_TCK, ROOT, now, stopAll } from './proc.js';

async function main(): Promise<void> {
  const started = new Date();
  const stamp = started
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
  const parts: Record<(typeof PARTS)[number], () => Promise<unknown>> = {
    calls: callsBench,
    start: startBench,
    rss: rssBench,
    reload: reloadBench,
    profile: () => profileBench(stamp),
  };
  const results: Results = {};
  /** The 1-minute load average as each part started: above 2 (cores), processes were waiting for a CPU. */
  const loadavgBefore: Record<string, number> = {};
  for (const name of PARTS) {
    if (!want(name)) continue;
    loadavgBefore[name] = round1(loadavg()[0]);
    process.stderr.write(`${name} (load average ${loadavgBefore[name]})...\n`);
    const t0 = now();
    (results as Record<string, unknown>)[name] = await parts[name]();
    process.stderr.write(`${name}: ${((now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const table = rows(results);
  const out = join('bench/results', `${stamp}.json`);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  /** The gateway runs from the working tree: `dirty` lists uncommitted changes under src/ and bin/. */
  const source = { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--', 'src', 'bin').split('\n').filter(Boolean) };
  const machine = { node: process.version, cpus: cpus().length, clkTck: CLK_TCK, loadavgBefore, loadavgAtEnd: round1(loadavg()[0]) };
  const json = {
    date: started.toISOString(),
    source,
    machine,
    rounds: ROUNDS,
    settings: S,
    table: table.map(([measure, value, target, met]) => ({ measure, value, target, met })),
    ...results,
  };
  writeFileSync(join(ROOT, out), `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`\n${markdownTable(table)}\n`);
  if (results.profile) process.stdout.write(`\n${profileText(results.profile)}\n`);
  process.stdout.write(`\nwrote ${out}\n`);
}

// Bounded in time; every process started is stopped, on success, failure or Ctrl-C.
const watchdog = setTimeout(() => {
  process.stderr.write(`bench: over ${S.totalMaxMs / 60_000} minutes, stopping\n`);
  void stopAll().finally(() => process.exit(1));
}, S.totalMaxMs);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().finally(() => process.exit(130)));
let code = 0;
try {
  await main();
} catch (err) {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  code = 1;
} finally {
  clearTimeout(watchdog);
  await stopAll();
}
process.exit(code);
