// The cost of the metrics path alone (issue 17 item 4), without HTTP or an upstream: what the
// gateway does per proxied tools/call with metrics on (a SERVER and a CLIENT operation of
// observe/observer.ts, each recorded by observe/metrics.ts), against the same calls with no
// sink attached (metrics off, tracing off). The two take turns in blocks, so a busy machine
// slows both alike; the figure is the median difference per call, in µs.
//   node --import tsx bench/metrics-path.ts [calls per block, default 20000] [blocks, default 15]
import { loadavg } from 'node:os';
import { PromMetrics } from '../src/observe/metrics.js';
import { Observer } from '../src/observe/observer.js';
import { median, round3 } from './common.js';

const perBlock = Number(process.argv[2]) || 20_000;
const blocks = Number(process.argv[3]) || 15;

function observerWith(metrics: boolean): Observer {
  const observer = new Observer();
  if (metrics)
    observer.metrics = new PromMetrics({
      status: () => {
        throw new Error('not scraped here');
      },
      sessions: () => [],
      warn: () => undefined,
    });
  return observer;
}

/** One proxied tools/call as session.ts and upstream/connection.ts report it; µs per call. */
function block(observer: Observer, n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const params = { name: 'fx__echo', arguments: { text: 'x' } };
    const start = { method: 'tools/call', params, profile: 'default', protocolVersion: '2025-11-25', sessionId: 's', requestId: i };
    const op = observer.serverOperation({ ...start, traceparent: undefined });
    op.routed('fx');
    const inner = { name: 'echo', arguments: params.arguments };
    const client = observer.clientOperation({ method: 'tools/call', params: inner, server: 'fx', transport: 'stdio' });
    client.end(undefined, { isError: false });
    op.end(undefined, { isError: false });
  }
  return ((performance.now() - t0) * 1000) / n;
}

const on = observerWith(true);
const off = observerWith(false);
// Warm-up: both paths optimized before the first measured block.
for (let i = 0; i < 5; i++) block(on, perBlock) + block(off, perBlock);
const rows: { on: number; off: number }[] = [];
for (let b = 0; b < blocks; b++) {
  const first = b % 2 ? off : on;
  const a = block(first, perBlock);
  const c = block(first === on ? off : on, perBlock);
  rows.push(first === on ? { on: a, off: c } : { on: c, off: a });
}
const result = {
  loadavg: round3(loadavg()[0]),
  perBlock,
  blocks,
  onUs: round3(median(rows.map((r) => r.on))),
  offUs: round3(median(rows.map((r) => r.off))),
  metricsUsPerCall: round3(median(rows.map((r) => r.on - r.off))),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
