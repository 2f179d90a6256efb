// Gateway CPU per tools/call by client era, with the SDK clients and with the same raw
// node:http client for both eras (bench/client.ts openRawSession), on one gateway with the
// stdio fixture, 4 sessions x 8 in flight, the four kinds taking turns in 1 s slices:
//   node --import tsx bench/eras.ts [rounds]     (after npm run build: it runs dist/)
// The raw rows compare what the gateway spends per call at a pace that the client does not
// set differently per era (issue 13 item 4).
import { concurrent, openSessions, openRawSession, closeAll, type Session } from './client.js';
import { startGateway, fixtureServer } from './gateway.js';
import { cpuMs } from './proc.js';
const gw = await startGateway({ version: 1, gateway: { logLevel: 'info' }, servers: { fx: fixtureServer() } });
const url = `${gw.url}/mcp`;
const kinds: Record<string, Session[]> = {};
try {
  kinds['sdk-legacy'] = await openSessions(url, 4, 'legacy');
  kinds['sdk-modern'] = await openSessions(url, 4, 'modern');
  kinds['raw-legacy'] = await Promise.all([0, 1, 2, 3].map(() => openRawSession(url, 'legacy')));
  kinds['raw-modern'] = await Promise.all([0, 1, 2, 3].map(() => openRawSession(url, 'modern')));
  for (const ss of Object.values(kinds)) await concurrent(ss, 'fx__echo', 8, 1500);
  const sums: Record<string, { calls: number; cpu: number }> = {};
  const rounds = Number(process.argv[2] ?? 6);
  for (let r = 0; r < rounds; r++)
    for (const [k, ss] of Object.entries(kinds)) {
      const a = cpuMs(gw.proc.pid);
      const { calls } = await concurrent(ss, 'fx__echo', 8, 1000);
      const b = cpuMs(gw.proc.pid);
      const s = (sums[k] ??= { calls: 0, cpu: 0 });
      s.calls += calls;
      s.cpu += b - a;
    }
  for (const [k, s] of Object.entries(sums))
    console.log(k, s.calls, (s.cpu / s.calls).toFixed(3), 'ms/call', (s.calls / rounds).toFixed(0), 'calls/s');
  console.log(
    'modern/legacy sdk',
    (sums['sdk-modern'].cpu / sums['sdk-modern'].calls / (sums['sdk-legacy'].cpu / sums['sdk-legacy'].calls)).toFixed(2),
  );
  console.log(
    'modern/legacy raw',
    (sums['raw-modern'].cpu / sums['raw-modern'].calls / (sums['raw-legacy'].cpu / sums['raw-legacy'].calls)).toFixed(2),
  );
} finally {
  for (const ss of Object.values(kinds)) await closeAll(ss);
  await gw.stop();
}
