// Gateway CPU per tools/call of two builds under the same load (issue 18 item 1): this
// checkout's and another one's (MCPGW_AB_BASE, its dist/ built), each a gateway with the stdio
// fixture, driven by the calls bench's SDK clients (legacy: v1, modern: v2 at 2026-07-28), and
// the fixture's own HTTP endpoint served directly, the denominator of the bench's CPU ratio.
// 4 sessions x 8 in flight; the kinds take turns in 1 s slices, in a rotated order each round.
//   MCPGW_AB_BASE=/path/to/other/checkout node --import tsx bench/calls-ab.ts [rounds]
import { loadavg } from 'node:os';
import { concurrent, openSessions, closeAll, type Era, type Session } from './client.js';
import { median } from './common.js';
import { fixtureServer, startGateway, startHttpFixture, type HttpFixture, type RunningGateway } from './gateway.js';
import { ROOT, cpuMs } from './proc.js';

const base = process.env.MCPGW_AB_BASE;
if (!base) throw new Error('set MCPGW_AB_BASE to the checkout to compare with (npm run build there first)');
const rounds = Number(process.argv[2] ?? 6);
const config = { version: 1, gateway: { logLevel: 'info' }, servers: { fx: fixtureServer() } };

interface Kind {
  name: string;
  sessions: Session[];
  tool: string;
  pid: number;
  perCall: number[];
}

const gateways: RunningGateway[] = [];
let direct: HttpFixture | undefined;
const kinds: Kind[] = [];
try {
  direct = await startHttpFixture();
  kinds.push({ name: 'direct', sessions: await openSessions(direct.url, 4), tool: 'echo', pid: direct.proc.pid, perCall: [] });
  for (const [label, root] of [
    ['A', base],
    ['B', ROOT],
  ] as const) {
    const gw = await startGateway(config, { root });
    gateways.push(gw);
    for (const era of ['legacy', 'modern'] as Era[])
      kinds.push({
        name: `${label}-${era}`,
        sessions: await openSessions(`${gw.url}/mcp`, 4, era),
        tool: 'fx__echo',
        pid: gw.proc.pid,
        perCall: [],
      });
  }
  for (const k of kinds) await concurrent(k.sessions, k.tool, 8, 1500);
  const loads = [loadavg()[0]];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < kinds.length; i++) {
      const k = kinds[(i + r) % kinds.length]!;
      const before = cpuMs(k.pid);
      const { calls } = await concurrent(k.sessions, k.tool, 8, 1000);
      k.perCall.push((cpuMs(k.pid) - before) / calls);
    }
    loads.push(loadavg()[0]);
  }
  const at = (name: string) => kinds.find((k) => k.name === name)!.perCall;
  const ratio = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]!));
  console.log(`load (1 min) per round: ${loads.map((l) => l.toFixed(1)).join(' ')}`);
  for (const k of kinds)
    console.log(`${k.name.padEnd(10)} ${median(k.perCall).toFixed(3)} ms/call  (${k.perCall.map((x) => x.toFixed(3)).join(' ')})`);
  for (const era of ['legacy', 'modern']) {
    console.log(`${era}: B/A ${ratio(at(`B-${era}`), at(`A-${era}`)).toFixed(3)}`);
    console.log(
      `${era}: A/direct ${ratio(at(`A-${era}`), at('direct')).toFixed(3)}  B/direct ${ratio(at(`B-${era}`), at('direct')).toFixed(3)}`,
    );
  }
} finally {
  for (const k of kinds) await closeAll(k.sessions);
  for (const gw of gateways) await gw.stop();
  await direct?.proc.stop();
}
