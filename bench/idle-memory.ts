// Where the idle gateway's memory goes (docs/performance.md, "Issue 18: third pass").
//   node --import tsx bench/idle-memory.ts packages   one Node process importing, in the
//       daemon's load order, each package and then dist/daemon.js; after each step (two full
//       GCs): RSS, V8 heap used and committed, the young and old generations' pages
//   node --import tsx bench/idle-memory.ts idle [-- node args...]   the example config's gateway
//       (compiled build), its RSS sampled from /readyz 200 to 40 s after, so the effect of
//       V8's memory reducer shows
import { execFileSync } from 'node:child_process';
import { startGateway } from './gateway.js';
import { exampleConfig } from './lifecycle.js';
import { ROOT, rssKb, sleep, stopAll } from './proc.js';

const STEPS = ['@modelcontextprotocol/client', 'yaml', 'chokidar', 'node:http', 'prom-client', './dist/daemon.js'];

// Runs in a child of its own with --expose-gc, from the repository root, so that the
// imports resolve like the daemon's and nothing of this script is on the heap.
const PROBE = `
import v8 from 'node:v8';
const mb = (n) => (n / 1048576).toFixed(1).padStart(6);
const row = async (label, ms) => {
  gc(); await new Promise((r) => setTimeout(r, 200)); gc();
  const m = process.memoryUsage();
  const sp = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));
  console.log(label.padEnd(32) + String(ms).padStart(6) + mb(m.rss) + mb(m.heapUsed) + mb(m.heapTotal) + mb(sp.new_space) + mb(sp.old_space) + mb(sp.code_space));
};
console.log('step'.padEnd(32) + '    ms   rss  used total   new   old  code');
await row('node alone', 0);
for (const step of ${JSON.stringify(STEPS)}) {
  const t = performance.now();
  await import(step);
  await row('+ ' + step, Math.round(performance.now() - t));
}
`;

async function idle(nodeArgs: string[]): Promise<void> {
  const gw = await startGateway(exampleConfig(), { nodeArgs });
  try {
    const samples: string[] = [];
    const at = [1, 2, 3, 5, 8, 12, 16, 20, 25, 30, 40];
    for (const s of at) {
      await sleep(s * 1000 - (performance.now() - gw.proc.startedAt - gw.readyMs));
      samples.push(`${s}s ${(rssKb(gw.proc.pid) / 1024).toFixed(1)}`);
    }
    process.stdout.write(
      `${nodeArgs.join(' ') || 'default'}: ready in ${Math.round(gw.readyMs)} ms; RSS MB after ready: ${samples.join(', ')}\n`,
    );
  } finally {
    await gw.stop();
  }
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'packages') {
  process.stdout.write(
    execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', PROBE], { cwd: ROOT, encoding: 'utf8' }),
  );
} else if (mode === 'idle') {
  await idle(rest.filter((a) => a !== '--'));
  await stopAll();
} else {
  throw new Error('usage: bench/idle-memory.ts packages | idle [-- node args...]');
}
