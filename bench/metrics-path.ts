// The cost of the metrics path alone (issue 17 item 4), without HTTP or an upstream: what the
// gateway does per proxied tools/call with metrics on (a SERVER and a CLIENT operation of
// observe/observer.ts, each recorded by observe/metrics.ts), against the same calls with no
// sink attached (metrics off, tracing off). The two take turns in blocks, so a busy machine
// slows both alike; the figure is the median difference per call, in µs.
//   node --import tsx bench/metrics-path.ts [calls per block, default 20000] [blocks, default 15] [ROOT...]
// Each ROOT (default src; `dist` after `npm run build`, which has no tsx helpers in it, or the
// dist of another commit built elsewhere) is a metrics-on variant, all taking turns with the
// metrics-off one in the same blocks, so two builds compare within one run.
import { resolve } from 'node:path';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Observer } from '../src/observe/observer.js';
import { median, round3 } from './common.js';

const perBlock = Number(process.argv[2]) || 20_000;
const blocks = Number(process.argv[3]) || 15;
const roots = process.argv.slice(4);
if (roots.length === 0) roots.push('src');

type Modules = [typeof import('../src/observe/metrics.js'), typeof import('../src/observe/observer.js')];

async function load(root: string): Promise<Modules> {
  const base = pathToFileURL(resolve(import.meta.dirname, '..', root, 'observe')).href;
  const ext = root === 'src' ? 'ts' : 'js';
  return Promise.all([import(`${base}/metrics.${ext}`), import(`${base}/observer.${ext}`)]) as Promise<Modules>;
}

function observerWith([{ PromMetrics }, { Observer }]: Modules, metrics: boolean): Observer {
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

const variants = await Promise.all(roots.map(load));
const off = observerWith(variants[0], false);
const ons = variants.map((v) => observerWith(v, true));
const all = [off, ...ons];
// Warm-up: every path optimized before the first measured block.
for (let i = 0; i < 5; i++) for (const o of all) block(o, perBlock);
const rows: number[][] = [];
for (let b = 0; b < blocks; b++) {
  // Each block starts at another variant, so none is always first after the others.
  const times = new Array<number>(all.length);
  for (let k = 0; k < all.length; k++) {
    const i = (b + k) % all.length;
    times[i] = block(all[i], perBlock);
  }
  rows.push(times);
}
const offUs = round3(median(rows.map((r) => r[0])));
const perRoot = roots.map((root, k) => ({
  root,
  onUs: round3(median(rows.map((r) => r[k + 1]))),
  metricsUsPerCall: round3(median(rows.map((r) => r[k + 1] - r[0]))),
}));
const result = { loadavg: round3(loadavg()[0]), perBlock, blocks, offUs, ...(perRoot.length === 1 ? perRoot[0] : { roots: perRoot }) };
process.stdout.write(`${JSON.stringify(result)}\n`);
