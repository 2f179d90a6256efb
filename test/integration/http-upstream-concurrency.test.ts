// Many calls in flight on one HTTP upstream connection: the SDK transport hands every request
// the one AbortSignal of the connection, and each request in flight listens on it until its
// answer ends. Past ten at once Node warned of a listener leak (MaxListenersExceededWarning) on
// the daemon's stderr, though every listener is removed when its answer ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, startGateway, startHttpFixture, waitReady } from '../helpers/gateway.js';

test('50 calls in flight on one HTTP upstream: all answered, no listener-leak warning', async (t) => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => void warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  const fixture = await startHttpFixture(t, ['--name', 'remote', '--tools', 'echo']);
  const gw = await startGateway(t, { version: 1, servers: { remote: { url: fixture.url } } });
  await waitReady(gw.url, ['remote']);
  const client = await connect(t, gw.url);
  const texts = Array.from({ length: 50 }, (_, i) => `call ${i}`);
  const results = await Promise.all(texts.map((text) => client.callTool({ name: 'remote__echo', arguments: { text } })));
  assert.deepEqual(
    results.map((r) => (r.structuredContent as { text: string }).text),
    texts,
  );
  // A warning is emitted on the next tick after the listener that crossed the limit.
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')),
    [],
  );
});
