// Start to ready of two builds under the same load: the example config's server alone, then
// `mcpgw run` of this checkout and of another one (MCPGW_AB_BASE, its dist/ built), in turns
// within each round so that the shared machine's load falls on both alike.
//   MCPGW_AB_BASE=/path/to/other/checkout node --import tsx bench/start-ab.ts --rounds 7
import { ROUNDS, median, round1 } from './common.js';
import { serversStartMs, startGateway } from './gateway.js';
import { exampleConfig } from './lifecycle.js';
import { ROOT } from './proc.js';
import { loadavg } from 'node:os';

const base = process.env.MCPGW_AB_BASE;
if (!base) throw new Error('set MCPGW_AB_BASE to the checkout to compare with (npm run build there first)');
const example = exampleConfig();
const { args } = example.servers.everything as { args: string[] };

async function readyMs(root: string): Promise<number> {
  const gw = await startGateway(example, { root });
  await gw.stop();
  return gw.readyMs;
}

const rows: Array<{ alone: number; base: number; head: number }> = [];
const loadBefore = loadavg()[0]!;
for (let r = 0; r < ROUNDS; r++) {
  const alone = await serversStartMs(1, args);
  // The first of the two gateways alternates, as steps 2 and 4 of `start` do.
  const [first, second] = r % 2 === 0 ? [base, ROOT] : [ROOT, base];
  const a = await readyMs(first);
  const b = await readyMs(second);
  const row = { alone: round1(alone), base: round1(first === base ? a : b), head: round1(first === base ? b : a) };
  rows.push(row);
  process.stderr.write(`  round ${r + 1}: ${JSON.stringify(row)} (load ${loadavg()[0]!.toFixed(1)})\n`);
}
const m = (f: (x: (typeof rows)[number]) => number) => round1(median(rows.map(f)));
console.log(
  JSON.stringify({
    base,
    head: ROOT,
    rounds: ROUNDS,
    load: { before: loadBefore, after: loadavg()[0] },
    medians: { alone: m((x) => x.alone), base: m((x) => x.base), head: m((x) => x.head) },
    overhead: { base: m((x) => x.base - x.alone), head: m((x) => x.head - x.alone) },
    rows,
  }),
);
