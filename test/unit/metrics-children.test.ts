// The operation histograms observe through prom-client children kept by label values
// (observe/children.ts, issue 17 item 4): the exposition must be the one prom-client gives for
// the same observations made with labels objects, and the histogram's own reset and remove
// must still reach the series the children write.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { HistogramChildren } from '../../src/observe/children.js';

const NAMES = ['method', 'tool', 'server'];
const OBSERVATIONS: [string[], number][] = [
  [['tools/call', 'echo', 'fx'], 0.003],
  [['tools/call', 'echo', 'fx'], 0.04],
  [['tools/call', 'add', 'fx'], 0.2],
  [['tools/list', '', 'fx'], 7],
  [['tools/call', 'echo', 'gy'], 400],
  [['tools/call', 'echo', 'fx'], 0.005],
  // A value that is a prefix of another's at the same level, and an empty one at the last.
  [['tools/call', 'ec', ''], 0.01],
];

function histogram(): { registry: Registry; h: Histogram<string> } {
  const registry = new Registry();
  const h = new Histogram({
    name: 'op_seconds',
    help: 'Operations.',
    labelNames: NAMES,
    buckets: [0.005, 0.05, 1, 10],
    registers: [registry],
  });
  return { registry, h };
}

test('observing through the children gives the exposition prom-client gives for labels objects', async () => {
  const plain = histogram();
  for (const [values, v] of OBSERVATIONS) plain.h.observe(Object.fromEntries(NAMES.map((n, i) => [n, values[i]])), v);
  const kept = histogram();
  const children = new HistogramChildren(kept.h, NAMES.length);
  for (const [values, v] of OBSERVATIONS) children.observe(values, v);
  const expected = await plain.registry.metrics();
  assert.match(expected, /op_seconds_count\{method="tools\/call",tool="echo",server="fx"\} 3/);
  assert.equal(await kept.registry.metrics(), expected);
});

test("the histogram's reset and remove reach the series its kept children write", async () => {
  const { registry, h } = histogram();
  const children = new HistogramChildren(h, NAMES.length);
  children.observe(['tools/call', 'echo', 'fx'], 0.1);
  children.observe(['tools/call', 'add', 'fx'], 0.1);
  h.remove('tools/call', 'add', 'fx');
  let text = await registry.metrics();
  assert.doesNotMatch(text, /tool="add"/);
  children.observe(['tools/call', 'add', 'fx'], 0.1);
  assert.match(await registry.metrics(), /op_seconds_count\{method="tools\/call",tool="add",server="fx"\} 1/);
  h.reset();
  assert.doesNotMatch(await registry.metrics(), /op_seconds_count/);
  children.observe(['tools/call', 'echo', 'fx'], 0.1);
  text = await registry.metrics();
  assert.match(text, /op_seconds_count\{method="tools\/call",tool="echo",server="fx"\} 1/);
  assert.doesNotMatch(text, /tool="add"/);
});

test('a tuple of the wrong length throws instead of mixing levels', () => {
  const { h } = histogram();
  const children = new HistogramChildren(h, NAMES.length);
  children.observe(['tools/call', 'echo', 'fx'], 0.1);
  assert.throws(() => children.observe(['tools/call', 'echo'], 0.1), /2 label values for 3 label names/);
  assert.throws(() => children.observe(['tools/call', 'echo', 'fx', 'x'], 0.1), /4 label values for 3 label names/);
});
