// A kept upstream connection is closed by the gateway after IDLE_CONNECTION_MS unused
// (src/upstream/http-fetch.ts), before Node's HTTP server would close it (5 s): a call sent on a
// connection the server was closing at that moment failed with "socket hang up" (the calls
// bench under load). One real server on 127.0.0.1 that would keep connections for a minute.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { IDLE_CONNECTION_MS, nodeFetch } from '../../src/upstream/http-fetch.js';

/** A server answering 'ok' that keeps idle connections for `keepAliveMs`, and the connections it saw. */
async function serve(t: TestContext, keepAliveMs: number): Promise<{ url: string; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('ok')));
  server.keepAliveTimeout = keepAliveMs;
  server.on('connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, sockets };
}

// Without the idle timeout the wait below never ends: the test's timeout fails it instead of hanging the suite.
test('an unused kept connection is closed from our side; the next call opens a new one', { timeout: 60_000 }, async (t) => {
  const { url, sockets } = await serve(t, 60_000);
  const first = await nodeFetch(url, { method: 'POST', body: 'a' });
  assert.equal(await first.text(), 'ok');
  const again = await nodeFetch(url, { method: 'POST', body: 'b' });
  assert.equal(await again.text(), 'ok');
  assert.equal(sockets.length, 1, 'a call right after another reuses its connection');
  // The server keeps it for a minute: only the gateway's idle timeout ends it now.
  await new Promise((r) => sockets[0].once('end', r));
  assert.ok(IDLE_CONNECTION_MS < 5000, 'closed before Node’s HTTP server closes idle connections');
  const later = await nodeFetch(url, { method: 'POST', body: 'c' });
  assert.equal(await later.text(), 'ok');
  assert.equal(sockets.length, 2);
});

// Node's rule for a server hint of 1 s, through our keepSocketAlive (its answer must reach the agent).
test('a connection the server keeps for 1 s or less (its Keep-Alive hint) is still not kept for the next call', async (t) => {
  const { url, sockets } = await serve(t, 1000); // announced as `Keep-Alive: timeout=1`
  for (const body of ['a', 'b']) assert.equal(await (await nodeFetch(url, { method: 'POST', body })).text(), 'ok');
  assert.equal(sockets.length, 2);
});
