// The HTTP-upstream path of two builds under the same load: a direct fixture, and two
// gateways each with an HTTP fixture of its own, one of this checkout and one of another
// (MCPGW_AB_BASE, its dist/ built). The three take turns in 1 s slices of 4 sessions x 8 calls
// in flight, so the shared machine's load falls on all alike; CPU per call from /proc.
//   MCPGW_AB_BASE=/path/to/other/checkout node --import tsx bench/http-ab.ts --rounds 6
import { loadavg } from 'node:os';
import { ROUNDS, median, round3 } from './common.js';
import { closeAll, concurrent, openSessions, type Session } from './client.js';
import { startGateway, startHttpFixture, type HttpFixture, type RunningGateway } from './gateway.js';
import { ROOT, cpuMs, stopAll } from './proc.js';

const base = process.env.MCPGW_AB_BASE;
if (!base) throw new Error('set MCPGW_AB_BASE to the checkout to compare with (npm run build there first)');

interface Side {
  name: 'direct' | 'base' | 'head';
  url: string;
  fixture: number;
  gateway?: number;
  sessions: Session[];
  calls: number;
  ms: number;
  cpu: { gateway: number; fixture: number };
}

async function side(name: Side['name'], fixture: HttpFixture, gateway?: RunningGateway): Promise<Side> {
  const url = gateway ? `${gateway.url}/mcp` : fixture.url;
  const sessions = await openSessions(url, 4);
  return { name, url, fixture: fixture.proc.pid, gateway: gateway?.proc.pid, sessions, calls: 0, ms: 0, cpu: { gateway: 0, fixture: 0 } };
}

async function slice(s: Side): Promise<void> {
  const g0 = s.gateway ? cpuMs(s.gateway) : 0;
  const f0 = cpuMs(s.fixture);
  const r = await concurrent(s.sessions, s.gateway ? 'fx__echo' : 'echo', 8, 1000);
  s.cpu.gateway += s.gateway ? cpuMs(s.gateway) - g0 : 0;
  s.cpu.fixture += cpuMs(s.fixture) - f0;
  s.calls += r.calls;
  s.ms += r.ms;
}

const gatewayOf = (url: string, root: string) =>
  startGateway({ version: 1, gateway: { logLevel: 'info' }, servers: { fx: { url } } }, { root });

const sides: Side[] = [];
const rows: Array<Record<string, number>> = [];
const loadBefore = loadavg()[0]!;
try {
  const [fd, fb, fh] = await Promise.all([startHttpFixture(), startHttpFixture(), startHttpFixture()]);
  const [gb, gh] = await Promise.all([gatewayOf(fb.url, base), gatewayOf(fh.url, ROOT)]);
  sides.push(await side('direct', fd), await side('base', fb, gb), await side('head', fh, gh));
  for (const s of sides) await concurrent(s.sessions, s.gateway ? 'fx__echo' : 'echo', 8, 1000); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of sides) Object.assign(s, { calls: 0, ms: 0, cpu: { gateway: 0, fixture: 0 } });
    for (let k = 0; k < 3; k++) for (let i = 0; i < sides.length; i++) await slice(sides[(i + r + k) % sides.length]);
    const [d, b, h] = sides;
    const perSecond = (s: Side) => (s.calls * 1000) / s.ms;
    const row = {
      directCpuMs: round3(d.cpu.fixture / d.calls),
      baseGatewayCpuMs: round3(b.cpu.gateway / b.calls),
      headGatewayCpuMs: round3(h.cpu.gateway / h.calls),
      baseUpstreamCpuMs: round3(b.cpu.fixture / b.calls),
      headUpstreamCpuMs: round3(h.cpu.fixture / h.calls),
      directPerSecond: Math.round(perSecond(d)),
      basePerSecond: Math.round(perSecond(b)),
      headPerSecond: Math.round(perSecond(h)),
      baseCpuRatio: round3(b.cpu.gateway / b.calls / (d.cpu.fixture / d.calls)),
      headCpuRatio: round3(h.cpu.gateway / h.calls / (d.cpu.fixture / d.calls)),
      baseThroughput: round3(perSecond(b) / perSecond(d)),
      headThroughput: round3(perSecond(h) / perSecond(d)),
      load: Number(loadavg()[0]!.toFixed(1)),
    };
    rows.push(row);
    process.stderr.write(`  round ${r + 1}: ${JSON.stringify(row)}\n`);
  }
} finally {
  await Promise.all(sides.map((s) => closeAll(s.sessions)));
  await stopAll();
}
const keys = Object.keys(rows[0] ?? {});
const medians = Object.fromEntries(keys.map((k) => [k, round3(median(rows.map((r) => r[k]!)))]));
console.log(JSON.stringify({ base, head: ROOT, rounds: ROUNDS, load: { before: loadBefore, after: loadavg()[0] }, medians }, null, 1));
