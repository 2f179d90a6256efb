// Where metrics on costs CPU per call (issue 17 item 4): two gateways with the stdio fixture,
// metrics on and off, each under `node --cpu-prof`, driven in turn in 1 s slices by raw legacy
// clients (4 sessions x 8 in flight, bench/client.ts openRawSession). Prints each gateway's
// CPU per call from /proc, and the profile's self time per call (µs) by area and by function,
// the two side by side; the profile window spans all slices, so the idle gateway's samples
// between its slices (its timers) count too.
//   node --import tsx bench/metrics-profile.ts [slices per gateway, default 8]   (after npm run build)
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAll, concurrent, openRawSession, type Session } from './client.js';
import { fixtureServer, startGateway, type RunningGateway } from './gateway.js';
import { summarizeProfile, type ProfileSummary } from './profile.js';
import { cpuMs } from './proc.js';

const slices = Number(process.argv[2]) || 8;
const config = (metrics: boolean) => ({
  version: 1,
  gateway: { logLevel: 'info', ...(metrics ? {} : { metrics: { enabled: false } }) },
  servers: { fx: fixtureServer() },
});
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

interface Side {
  name: string;
  dir: string;
  gw?: RunningGateway;
  sessions: Session[];
  calls: number;
  cpu: number;
}

const sides: Side[] = ['on', 'off'].map((name) => ({
  name,
  dir: mkdtempSync(join(tmpdir(), `mcpgw-mprof-${name}-`)),
  sessions: [],
  calls: 0,
  cpu: 0,
}));
let window: [number, number] = [0, 0];
try {
  for (const s of sides) {
    s.gw = await startGateway(config(s.name === 'on'), { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${s.dir}`] });
    s.sessions = await Promise.all([0, 1, 2, 3].map(() => openRawSession(`${s.gw!.url}/mcp`, 'legacy')));
  }
  for (const s of sides) await concurrent(s.sessions, 'fx__echo', 8, 3000);
  const load = loadavg()[0];
  window = [nowUs(), 0];
  for (let i = 0; i < slices; i++)
    for (const s of i % 2 ? [...sides].reverse() : sides) {
      const a = cpuMs(s.gw!.proc.pid);
      s.calls += (await concurrent(s.sessions, 'fx__echo', 8, 1000)).calls;
      s.cpu += cpuMs(s.gw!.proc.pid) - a;
    }
  window[1] = nowUs();
  process.stdout.write(`load ${load.toFixed(1)} -> ${loadavg()[0].toFixed(1)}, ${slices} slices of 1 s each\n`);
} finally {
  for (const s of sides) {
    await closeAll(s.sessions);
    await s.gw?.stop(); // SIGTERM: a clean exit writes the profile
  }
}

const summaries: ProfileSummary[] = sides.map((s) => {
  const main = readdirSync(s.dir).find((f) => f.split('.')[4] === '0' && f.endsWith('.cpuprofile'));
  if (!main) throw new Error(`no main-thread profile in ${s.dir}`);
  return summarizeProfile(join(s.dir, main), window[0], window[1], 60);
});
for (const s of sides) rmSync(s.dir, { recursive: true, force: true });

const us = (ms: number, s: Side) => (ms * 1000) / s.calls;
const [on, off] = sides;
process.stdout.write(
  sides
    .map(
      (s, i) =>
        `${s.name}: ${s.calls} calls, /proc ${us(s.cpu, s).toFixed(1)} µs/call, profile busy ${us(summaries[i].busyMs, s).toFixed(1)}\n`,
    )
    .join(''),
);
/** One table: per key, µs per call on and off, sorted by the difference. */
function table(title: string, rows: (p: ProfileSummary) => [string, number][]): void {
  const maps = summaries.map((p) => new Map(rows(p)));
  const keys = [...new Set([...maps[0].keys(), ...maps[1].keys()])];
  const line = (k: string) => {
    const a = us(maps[0].get(k) ?? 0, on);
    const b = us(maps[1].get(k) ?? 0, off);
    return { k, a, b, d: a - b };
  };
  const lines = keys.map(line).sort((x, y) => Math.abs(y.d) - Math.abs(x.d));
  process.stdout.write(`\n${title} (µs per call: on, off, on - off)\n`);
  for (const l of lines.slice(0, 25))
    process.stdout.write(`${l.a.toFixed(2).padStart(8)} ${l.b.toFixed(2).padStart(8)} ${l.d.toFixed(2).padStart(8)}  ${l.k}\n`);
}
table('self time by area', (p) => p.areas.map((a) => [a.area, a.selfMs]));
table('self time by function (top 60 of each)', (p) => p.top.map((t) => [`${t.fn} ${t.where}`, t.selfMs]));
