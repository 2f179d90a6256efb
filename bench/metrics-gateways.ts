// Issue 17 item 4 with the noise of single processes averaged out: gateways with metrics on
// and off (the stdio fixture, legacy SDK clients, 4 sessions x 8 in flight), driven in turns
// in 1 s slices, rotating; prints each gateway's CPU per call and the mean on / mean off.
// Two gateways with the same config differ by up to 10-19% (docs/performance.md), more than
// the effect, so the calls bench's one pair cannot settle it.
//   npm run build && ORDER=on1,off1,on2,off2,on3,off3 node --import tsx bench/metrics-gateways.ts [rounds]
// A name is <group><n>[@<root>]: every group but `off` has metrics on, and each is compared with
// `off`; <root> runs another build's bin/mcpgw.js (an A/B of two commits in one run), e.g.
//   ORDER=on1,off1,base1@/tmp/base,on2,off2,base2@/tmp/base,...
import { concurrent, openSessions, closeAll, type Session } from './client.js';
import { startGateway, fixtureServer, type RunningGateway } from './gateway.js';
import { cpuMs } from './proc.js';
const cfg = (on: boolean) => ({
  version: 1,
  gateway: { logLevel: 'info', ...(on ? {} : { metrics: { enabled: false } }) },
  servers: { fx: fixtureServer() },
});
const names = (process.env.ORDER ?? 'on1,off1,on2,off2').split(',');
const group = (n: string) => n.replace(/@.*/, '').replace(/\d+$/, '');
const gws: RunningGateway[] = [];
const sess: Session[][] = [];
try {
  // Started inside the try, so that a gateway that fails to start stops those started before it.
  for (const n of names) gws.push(await startGateway(cfg(group(n) !== 'off'), { root: n.split('@')[1] }));
  for (const g of gws) sess.push(await openSessions(`${g.url}/mcp`, 4, 'legacy'));
  for (const s of sess) await concurrent(s, 'fx__echo', 8, 2000);
  const sums = names.map(() => ({ calls: 0, cpu: 0 }));
  const rounds = Number(process.argv[2] ?? 6);
  for (let r = 0; r < rounds; r++)
    for (let i = 0; i < gws.length; i++) {
      const k = (i + r) % gws.length;
      const a = cpuMs(gws[k].proc.pid);
      const { calls } = await concurrent(sess[k], 'fx__echo', 8, 1000);
      sums[k].calls += calls;
      sums[k].cpu += cpuMs(gws[k].proc.pid) - a;
    }
  const per = names.map((n, i) => (sums[i].cpu / sums[i].calls) * 1000);
  names.forEach((n, i) => console.log(n, per[i].toFixed(1), 'us/call', (sums[i].calls / rounds).toFixed(0), '/s'));
  const mean = (g: string) => {
    const xs = per.filter((_, i) => group(names[i]) === g);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  for (const g of new Set(names.map(group))) if (g !== 'off') console.log(`${g}/off`, (mean(g) / mean('off')).toFixed(3));
} finally {
  for (const s of sess) await closeAll(s);
  for (const g of gws) await g.stop();
}
