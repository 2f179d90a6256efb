// The timeline of one start with the example config (issue 18 item 2): when Node has booted,
// when main.js, cli/run.js and daemon.js have loaded, when the server is spawned, says its
// first line, answers the handshake, when the gateway listens and /readyz first gives 200,
// all in ms since the spawn of `mcpgw run`, with the server alone in the same rounds.
//   npm run build && node --import tsx bench/start-timeline.ts --rounds 5
// With MCPGW_AB_BASE=<other checkout> (its dist/ built), that build's timeline is taken too,
// in turns with this one's, as bench/start-ab.ts does.
// It runs a copy of dist/ in which a few modules call a mark first thing in their bodies (an
// ES module's body runs once its whole import graph has loaded), and preloads
// bench/start-marks.mjs, which marks Node's boot, the spawn, the child's stdio and /readyz.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROUNDS, median, round1 } from './common.js';
import { handshake, startGateway, stdioServerEnv } from './gateway.js';
import { exampleConfig } from './lifecycle.js';
import { ROOT, cpuMs, now, startNode, stopAll } from './proc.js';

/** The modules whose bodies mark when they run: each is the end of its import graph. */
const MARKED = ['main.js', 'cli/run.js', 'daemon.js', 'observe/metrics.js'];

interface Mark {
  readonly at: number;
  readonly cpu?: number;
  readonly what: string;
  readonly serverCpu?: number;
}

function markedCopy(root: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-timeline-'));
  for (const part of ['dist', 'bin', 'package.json', 'schema']) cpSync(join(root, part), join(dir, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  for (const file of ['../bin/mcpgw.js', ...MARKED]) {
    const path = join(dir, 'dist', file);
    const call = `globalThis.__startMark?.(${JSON.stringify(`${file.replace('../', '')} evaluated`)});\n`;
    // After the bin's `#!` line, which must stay the first.
    const text = readFileSync(path, 'utf8').replace(/^(#!.*\n)?/, (shebang) => shebang + call);
    writeFileSync(path, text);
  }
  return dir;
}

/** The server alone, as `serversStartMs` runs it, with the times of its first line and answers. */
async function serverAlone(args: string[]): Promise<Mark[]> {
  const proc = startNode(args, { env: stdioServerEnv(), stdin: true });
  const marks: Mark[] = [];
  const mark = (what: string) => marks.push({ at: now() - proc.startedAt, what, serverCpu: cpuMs(proc.pid) });
  proc.child.stderr!.once('data', () => mark('server stderr: first line'));
  try {
    await handshake(proc, (id) => mark(`from server: #${id}`));
    return marks;
  } finally {
    await proc.stop();
  }
}

/** One start of the marked copy: its marks in ms since the spawn (the parent's clock). */
async function gatewayStart(dir: string, config: Record<string, unknown>): Promise<{ marks: Mark[]; readyMs: number }> {
  const file = join(dir, 'marks.jsonl');
  rmSync(file, { force: true });
  process.env.MCPGW_START_MARKS = file;
  const gw = await startGateway(config, { root: dir, nodeArgs: ['--import', join(ROOT, 'bench/start-marks.mjs')] });
  await gw.stop();
  const { timeOrigin, boot, marks } = JSON.parse(readFileSync(file, 'utf8')) as {
    timeOrigin: number;
    boot: Record<string, number>;
    marks: Mark[];
  };
  // The child's performance.now() counts from its own start; the parent's from before spawn().
  const offset = timeOrigin - (performance.timeOrigin + gw.proc.startedAt);
  const shifted = (m: Mark) => ({ ...m, at: m.at + offset });
  const bootMarks = Object.entries(boot).map(([what, at]) => ({ at, what: `node: ${what}` }));
  const all = [{ at: 0, what: 'process start (timeOrigin)' }, ...bootMarks, ...marks].map(shifted);
  return { marks: all, readyMs: gw.readyMs };
}

/** The first mark of each label, its median time (and CPU) over the rounds, in time order. */
function medians(rounds: Mark[][]): Array<{ what: string; at: number; cpu?: number; serverCpu?: number }> {
  const labels = [...new Set(rounds.flatMap((r) => r.map((m) => m.what)))].filter((w) => !w.endsWith(': more'));
  const of = (what: string, key: 'at' | 'cpu' | 'serverCpu') => {
    const xs = rounds.map((r) => r.find((m) => m.what === what)?.[key]).filter((x): x is number => x !== undefined);
    return xs.length > 0 ? round1(median(xs)) : undefined;
  };
  return labels
    .map((what) => ({ what, at: of(what, 'at')!, cpu: of(what, 'cpu'), serverCpu: of(what, 'serverCpu') }))
    .sort((a, b) => a.at - b.at);
}

const example = exampleConfig();
const { args } = example.servers.everything as { args: string[] };
const builds = [{ name: 'this checkout', dir: markedCopy(ROOT) }];
if (process.env.MCPGW_AB_BASE) builds.push({ name: process.env.MCPGW_AB_BASE, dir: markedCopy(process.env.MCPGW_AB_BASE) });
const alone: Mark[][] = [];
const gateway: Mark[][][] = builds.map(() => []);
const loadBefore = loadavg()[0]!;
try {
  for (let r = 0; r < ROUNDS; r++) {
    // The server alone, then each build, in an order that turns each round (as in bench/start-ab.ts).
    const order = [-1, ...builds.keys()];
    for (let k = 0; k < r % order.length; k++) order.push(order.shift()!);
    for (const b of order) {
      if (b < 0) alone.push(await serverAlone(args));
      else gateway[b]!.push((await gatewayStart(builds[b]!.dir, example)).marks);
    }
    process.stderr.write(`  round ${r + 1} (load ${loadavg()[0]!.toFixed(2)})\n`);
  }
} finally {
  await stopAll();
  for (const { dir } of builds) rmSync(dir, { recursive: true, force: true });
}
const table = (rows: ReturnType<typeof medians>) =>
  rows.map((m) => `| ${m.at} | ${m.cpu ?? ''} | ${m.serverCpu ?? ''} | ${m.what} |`).join('\n');
console.log(`rounds ${ROUNDS}, 1-minute load ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after\n`);
console.log('the server alone (ms since its spawn; its CPU ms)\n\n| ms | | server CPU | what |\n| --- | --- | --- | --- |');
console.log(table(medians(alone)));
for (const [b, { name }] of builds.entries()) {
  console.log(`\nmcpgw run, ${name} (ms since its spawn; gateway CPU ms; server CPU ms)\n`);
  console.log(`| ms | CPU | server CPU | what |\n| --- | --- | --- | --- |\n${table(medians(gateway[b]!))}`);
}
if (process.env.MCPGW_TIMELINE_JSON) writeFileSync(process.env.MCPGW_TIMELINE_JSON, JSON.stringify({ alone, gateway }));
