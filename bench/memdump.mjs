// Preloaded into a gateway by bench/rss-phases.ts (node --import): on SIGUSR2 it appends one
// JSON line to $MEMDUMP_FILE with process.memoryUsage(), V8's heap spaces (size, used; KB) and
// /proc/self/smaps_rollup, so a phase's RSS can be split into live heap, heap capacity and the rest.
import { appendFileSync, readFileSync } from 'node:fs';
import v8 from 'node:v8';

const kb = (n) => Math.round(n / 1024);
process.on('SIGUSR2', () => {
  // With --expose-gc (rss-phases.ts, RSS_PHASES_GC=1): a full GC first, so heapUsed is the live heap.
  globalThis.gc?.();
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, [kb(s.space_size), kb(s.space_used_size)]]));
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8')
    .split('\n')
    .filter((l) => /^(Rss|Anonymous|Shared_Clean|Private_Clean):/.test(l))
    .map((l) => l.replace(/\s+/g, ' '))
    .join('; ');
  const line = { rss: kb(m.rss), heapTotal: kb(m.heapTotal), heapUsed: kb(m.heapUsed), external: kb(m.external), spaces, rollup };
  appendFileSync(process.env.MEMDUMP_FILE, `${JSON.stringify(line)}\n`);
});
