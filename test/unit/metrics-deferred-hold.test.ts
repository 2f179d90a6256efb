// DeferredMetrics holds events until prom-client has loaded (issue 18 item 2). A daemon whose
// servers keep starting must not hold without bound: at HOLD_MAX held events prom-client is
// loaded at once, every held event is replayed in order, and later events go straight to it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StatusJson } from '../../src/api/status-json.js';
import type { PromMetrics } from '../../src/observe/metrics.js';
import { DeferredMetrics, HOLD_MAX } from '../../src/observe/start.js';
import { parseExposition, samples } from '../helpers/prometheus.js';

const status = { version: '0.0.0', config: { generation: 1 }, servers: {}, profiles: {} } as unknown as StatusJson;

function reloads(text: string, outcome: string): number {
  return Number(samples(parseExposition(text), 'mcpgw_config_reloads_total', { outcome })[0]?.value ?? NaN);
}

test(`at ${HOLD_MAX} held events prom-client loads by itself and replays them all`, async (t) => {
  let sink: PromMetrics | undefined;
  let reject: (err: Error) => void = () => {};
  let resolve: (m: PromMetrics) => void = () => {};
  const loaded = new Promise<PromMetrics>((res, rej) => ((resolve = res), (reject = rej)));
  const deferred = new DeferredMetrics({ status: () => status, sessions: () => [], warn: () => {} }, (m) => {
    sink = m;
    resolve(m);
  });
  for (let i = 0; i < HOLD_MAX - 1; i++) deferred.configReload('applied');
  // Nothing asked for a load yet: give any stray one time to surface before the check.
  await new Promise((r) => setImmediate(r));
  assert.equal(sink, undefined, 'prom-client loaded before the limit');

  deferred.configReload('rejected');
  const timer = setTimeout(() => reject(new Error('prom-client never loaded after the limit')), 20_000);
  t.after(() => clearTimeout(timer));
  const metrics = await loaded;
  let text = await metrics.text();
  assert.equal(reloads(text, 'applied'), HOLD_MAX - 1);
  assert.equal(reloads(text, 'rejected'), 1);

  deferred.configReload('rejected');
  text = (await deferred.exposition()).text;
  assert.equal(reloads(text, 'rejected'), 2, 'an event after the load reaches prom-client directly');
});
