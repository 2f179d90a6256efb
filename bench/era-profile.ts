// Gateway CPU profile by client era, with the same raw node:http client for both (issue 13
// item 4): one gateway under --cpu-prof with the stdio fixture, 4 sessions x 8 in flight,
// a legacy window then a 2026-07-28 window, each summarized per call (µs of self time).
//   npm run build && node --import tsx bench/era-profile.ts [seconds]
// ERA_CLIENT=sdk drives it with the calls bench's SDK clients instead (v1 legacy, v2 2026-07-28),
// whose pace differs per era; KEEP_PROFILE=1 keeps the .cpuprofile and prints its windows;
// ERA_ROOT=/other/checkout profiles that checkout's build (an A/B).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concurrent, openRawSession, openSession, closeAll, type Era, type Session } from './client.js';
import { startGateway, fixtureServer } from './gateway.js';
import { summarizeProfile } from './profile.js';

const seconds = Number(process.argv[2] ?? 5);
const open1 = process.env.ERA_CLIENT === 'sdk' ? openSession : openRawSession;
const dir = mkdtempSync(join(tmpdir(), 'mcpgw-era-prof-'));
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const windows: Record<string, { from: number; to: number; calls: number }> = {};
const gw = await startGateway(
  { version: 1, gateway: { logLevel: 'info' }, servers: { fx: fixtureServer() } },
  { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`], root: process.env.ERA_ROOT },
);
const open: Session[] = [];
try {
  const url = `${gw.url}/mcp`;
  for (const era of ['legacy', 'modern'] as Era[]) {
    const ss = await Promise.all([0, 1, 2, 3].map(() => open1(url, era)));
    open.push(...ss);
    await concurrent(ss, 'fx__echo', 8, 1500);
    const from = nowUs();
    const { calls } = await concurrent(ss, 'fx__echo', 8, seconds * 1000);
    windows[era] = { from, to: nowUs(), calls };
  }
} finally {
  await closeAll(open);
  await gw.stop();
}
const main = readdirSync(dir).find((f) => f.split('.')[4] === '0' && f.endsWith('.cpuprofile'))!;
const file = join(dir, main);
if (process.env.KEEP_PROFILE) console.log(`profile ${file} windows ${JSON.stringify(windows)}`);
const per: Record<string, Map<string, number>> = {};
for (const [era, w] of Object.entries(windows)) {
  const s = summarizeProfile(file, w.from, w.to, 400);
  console.log(`${era}: ${w.calls} calls, busy ${((s.busyMs * 1000) / w.calls).toFixed(1)} µs/call`);
  per[era] = new Map(s.top.map((t) => [`${t.fn} ${t.where}`, (t.selfMs * 1000) / w.calls]));
}
const keys = new Set([...per.legacy.keys(), ...per.modern.keys()]);
const rows = [...keys].map((k) => [k, per.legacy.get(k) ?? 0, per.modern.get(k) ?? 0] as const);
rows.sort((a, b) => Math.max(b[1], b[2]) - Math.max(a[1], a[2]));
console.log('legacy µs  modern µs  function');
for (const [k, l, m] of rows.slice(0, Number(process.env.TOP ?? 45)))
  console.log(l.toFixed(1).padStart(8), m.toFixed(1).padStart(9), ' ', k);
console.log('\nmodern - legacy, largest differences:');
rows.sort((a, b) => b[2] - b[1] - (a[2] - a[1]));
for (const [k, l, m] of rows.slice(0, 25)) console.log((m - l).toFixed(1).padStart(8), ' ', k);
if (!process.env.KEEP_PROFILE) rmSync(dir, { recursive: true, force: true });
