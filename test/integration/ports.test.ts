// The port helpers the other tests rely on to be race-free (test/helpers/ports.ts): a held
// port that refuses connections and cannot be bound, a relay that forwards to a target set
// later and resets connections without one, and the listening ports of a process.
import assert from 'node:assert/strict';
import { createServer, get as httpGet, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { listeningPorts, refusedPort, startRelay } from '../helpers/ports.js';

async function httpServer(t: TestContext, body: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => res.end(`${body} via ${req.headers.host}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { server, port: (server.address() as AddressInfo).port };
}

const causeOf = (err: unknown) => (err as { cause?: { code?: string } }).cause?.code;

/** GET on a new connection each time (a relay routes connections, and fetch keeps them alive). */
function fresh(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

test('refusedPort: a connection is refused and a listen() on it fails while the test runs', async (t) => {
  const port = await refusedPort(t);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`), (err) => causeOf(err) === 'ECONNREFUSED');
  const other = createServer();
  await assert.rejects(
    new Promise<void>((resolve, reject) => {
      other.once('error', reject);
      other.listen(port, '127.0.0.1', resolve);
    }),
    /EADDRINUSE/,
  );
});

test('startRelay: resets without a target, forwards to the target set last, Host unchanged', async (t) => {
  const relay = await startRelay(t);
  await assert.rejects(fresh(relay.url), /ECONNRESET/, 'no target yet: the connection is reset');
  const one = await httpServer(t, 'one');
  const two = await httpServer(t, 'two');
  relay.forward(one.port);
  assert.equal(await fresh(relay.url), `one via 127.0.0.1:${relay.port}`);
  relay.forward(two.port);
  assert.equal(await fresh(relay.url), `two via 127.0.0.1:${relay.port}`);
  relay.forward(undefined);
  await assert.rejects(fresh(relay.url), /ECONNRESET/);
});

test('listeningPorts: the ports this process listens on', async (t) => {
  const relay = await startRelay(t);
  const { port } = await httpServer(t, 'x');
  const ports = listeningPorts(process.pid);
  assert.ok(ports.includes(relay.port) && ports.includes(port), `${ports.join(', ')}`);
  assert.deepEqual(listeningPorts(2 ** 22 + 1), [], 'no such process: none');
});
