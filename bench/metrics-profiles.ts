// Where metrics on costs CPU per call (issue 17 item 4), over several gateways of each kind:
// one pair of gateways differs by more than the effect (docs/performance.md), so N gateways
// with metrics on and N off (the stdio fixture, 4 sessions x 8 in flight) each run under
// `node --cpu-prof` and are driven in turns in 1 s slices, rotating, as in
// bench/metrics-gateways.ts. Only the samples inside a gateway's own slices count (so the
// idle time between them does not). Per side, the profiles are summed and divided by the
// side's calls: µs per call by area (self and on the stack) and by function, on against
// off, sorted by the difference; and CPU per call from /proc, as metrics-gateways.ts prints.
//   npm run build && node --import tsx bench/metrics-profiles.ts [rounds, default 6]
//   env: N (gateways per side, default 3), CLIENT=raw (bench/client.ts openRawSession, which loads
//   the machine less; default the SDK's legacy client, as metrics-gateways.ts. With 6 gateways a
//   gateway idles about 5 s between its slices, Node's server keep-alive timeout, and the raw
//   client's agent can reuse a connection as the server closes it: 'socket hang up'), INTERVAL (sampling µs, default 250),
//   TOP (rows per table, default 30), CALLERS (a regular expression: for the functions whose
//   self time it matches, the time by their 4 nearest callers, per side), ON_ROOT (another
//   build's root for the metrics-on gateways: its metrics path in place, against this one's)
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAll, concurrent, openRawSession, openSessions, type Session } from './client.js';
import { fixtureServer, startGateway, type RunningGateway } from './gateway.js';
import { cpuMs } from './proc.js';
import { area, stackAreas, where, type CpuProfile } from './profile.js';

const rounds = Number(process.argv[2]) || 6;
const perSide = Number(process.env.N) || 3;
const interval = Number(process.env.INTERVAL) || 250;
const topRows = Number(process.env.TOP) || 30;
const raw = process.env.CLIENT === 'raw';
const callers = process.env.CALLERS ? new RegExp(process.env.CALLERS) : undefined;
const config = (metrics: boolean) => ({
  version: 1,
  gateway: { logLevel: 'info', ...(metrics ? {} : { metrics: { enabled: false } }) },
  servers: { fx: fixtureServer() },
});
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

interface Gw {
  name: string;
  on: boolean;
  dir: string;
  gw?: RunningGateway;
  sessions: Session[];
  calls: number;
  cpu: number;
  /** Its slices, in µs of the monotonic clock V8's profiler uses too. */
  windows: [number, number][];
}

/** Sampled µs by key, over the samples inside `windows`. */
interface Tally {
  busy: number;
  gc: number;
  self: Map<string, number>;
  areas: Map<string, number>;
  stack: Map<string, number>;
  /** For CALLERS: the matching function and its nearest callers. */
  paths: Map<string, number>;
}

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

/** Adds one profile's samples inside `windows` to `into`. */
function tally(file: string, windows: [number, number][], into: Tally): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const areasOf = stackAreas(p);
  const inside = (t: number) => windows.some(([a, b]) => t >= a && t <= b);
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i];
    const weight = p.timeDeltas[i + 1] ?? 0;
    const frame = nodes.get(p.samples[i])!.callFrame;
    if (!inside(t) || frame.functionName === '(idle)') continue;
    into.busy += weight;
    if (frame.functionName === '(garbage collector)') into.gc += weight;
    add(into.self, `${frame.functionName || '(anonymous)'} ${where(frame)}`, weight);
    add(into.areas, area(frame), weight);
    for (const a of areasOf(p.samples[i])) add(into.stack, a, weight);
    if (callers?.test(frame.functionName)) add(into.paths, pathOf(p.samples[i]), weight);
  }
  function pathOf(id: number): string {
    const names: string[] = [];
    for (let n: number | undefined = id; n !== undefined && names.length < 5; n = parent.get(n)) {
      const f = nodes.get(n)!.callFrame;
      names.push(`${f.functionName || '(anonymous)'} ${where(f)}`);
    }
    return names.join(' < ');
  }
}

function mainProfile(dir: string): string {
  const main = readdirSync(dir).find((f) => f.split('.')[4] === '0' && f.endsWith('.cpuprofile'));
  if (!main) throw new Error(`no main-thread profile in ${dir}`);
  return join(dir, main);
}

async function open(g: Gw): Promise<void> {
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${g.dir}`, `--cpu-prof-interval=${interval}`];
  g.gw = await startGateway(config(g.on), { nodeArgs, root: g.on ? process.env.ON_ROOT : undefined });
  const url = `${g.gw.url}/mcp`;
  g.sessions = raw ? await Promise.all([0, 1, 2, 3].map(() => openRawSession(url, 'legacy'))) : await openSessions(url, 4, 'legacy');
}

/** `rounds` turns of 1 s per gateway, each round starting one gateway later. */
async function drive(gws: Gw[]): Promise<void> {
  for (const g of gws) await concurrent(g.sessions, 'fx__echo', 8, 2000);
  for (let r = 0; r < rounds; r++)
    for (let i = 0; i < gws.length; i++) {
      const g = gws[(i + r) % gws.length];
      const a = cpuMs(g.gw!.proc.pid);
      const t0 = nowUs();
      g.calls += (await concurrent(g.sessions, 'fx__echo', 8, 1000)).calls;
      g.windows.push([t0, nowUs()]);
      g.cpu += cpuMs(g.gw!.proc.pid) - a;
    }
}

/** One table of µs per call, on against off, the largest differences first. */
function table(title: string, on: Map<string, number>, off: Map<string, number>, onCalls: number, offCalls: number): void {
  const rows = [...new Set([...on.keys(), ...off.keys()])].map((k) => {
    const a = (on.get(k) ?? 0) / onCalls;
    const b = (off.get(k) ?? 0) / offCalls;
    return { k, a, b, d: a - b };
  });
  rows.sort((x, y) => Math.abs(y.d) - Math.abs(x.d));
  const f = (x: number) => x.toFixed(2).padStart(8);
  process.stdout.write(`\n${title} (µs per call: on, off, on - off)\n`);
  for (const r of rows.slice(0, topRows)) process.stdout.write(`${f(r.a)} ${f(r.b)} ${f(r.d)}  ${r.k}\n`);
}

function report(gws: Gw[], load: [number, number]): void {
  const sides = [true, false].map((on) => {
    const mine = gws.filter((g) => g.on === on);
    const t: Tally = { busy: 0, gc: 0, self: new Map(), areas: new Map(), stack: new Map(), paths: new Map() };
    for (const g of mine) tally(mainProfile(g.dir), g.windows, t);
    const calls = mine.reduce((s, g) => s + g.calls, 0);
    const perGw = mine.map((g) => (g.cpu * 1000) / g.calls);
    return { on, t, calls, proc: perGw.reduce((a, b) => a + b, 0) / perGw.length };
  });
  const out = (s: string) => process.stdout.write(s);
  out(`load ${load[0].toFixed(2)} -> ${load[1].toFixed(2)}, ${perSide}+${perSide} gateways, ${rounds} rounds of 1 s slices, `);
  out(`${raw ? 'raw' : 'SDK'} legacy clients, sampling every ${interval} µs\n`);
  for (const g of gws) out(`${g.name}: /proc ${((g.cpu * 1000) / g.calls).toFixed(1)} µs/call, ${(g.calls / rounds).toFixed(0)} calls/s\n`);
  const [on, off] = sides;
  out(`/proc mean on ${on.proc.toFixed(1)}, off ${off.proc.toFixed(1)}, on/off ${(on.proc / off.proc).toFixed(3)}\n`);
  const busy = (s: (typeof sides)[number]) => s.t.busy / s.calls;
  out(`profile busy per call: on ${busy(on).toFixed(1)}, off ${busy(off).toFixed(1)}, on/off ${(busy(on) / busy(off)).toFixed(3)}\n`);
  out(`GC per call: on ${(on.t.gc / on.calls).toFixed(2)}, off ${(off.t.gc / off.calls).toFixed(2)}\n`);
  table('self time by area', on.t.areas, off.t.areas, on.calls, off.calls);
  table('time with the area on the stack', on.t.stack, off.t.stack, on.calls, off.calls);
  table('self time by function', on.t.self, off.t.self, on.calls, off.calls);
  if (callers) table(`${callers} by caller`, on.t.paths, off.t.paths, on.calls, off.calls);
}

const gws: Gw[] = [];
for (let i = 1; i <= perSide; i++)
  for (const on of [true, false]) {
    const name = `${on ? 'on' : 'off'}${i}`;
    gws.push({ name, on, dir: mkdtempSync(join(tmpdir(), `mcpgw-mprofs-${name}-`)), sessions: [], calls: 0, cpu: 0, windows: [] });
  }
let load: [number, number] = [0, 0];
try {
  try {
    for (const g of gws) await open(g);
    load = [loadavg()[0], 0];
    await drive(gws);
    load[1] = loadavg()[0];
  } finally {
    for (const g of gws) {
      await closeAll(g.sessions);
      await g.gw?.stop(); // SIGTERM: a clean exit writes the profile
    }
  }
  report(gws, load);
} finally {
  for (const g of gws) rmSync(g.dir, { recursive: true, force: true });
}
