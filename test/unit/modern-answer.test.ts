// The answer to one 2026-07-28 request (http/modern-answer.ts) over real HTTP on loopback:
// a client that goes away before the answer cancels the request, through `onCancel` and
// through `signal` (made only when read, issue 13 item 4), and a client that got its answer
// cancels nothing.
import assert from 'node:assert/strict';
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { ModernAnswer } from '../../src/http/modern-answer.js';

/** A loopback server whose every request gets a ModernAnswer, handed to the test. */
async function answers(t: TestContext): Promise<{ port: number; next: () => Promise<{ out: ModernAnswer; res: ServerResponse }> }> {
  const waiting: Array<(a: { out: ModernAnswer; res: ServerResponse }) => void> = [];
  const server = createServer((_req, res) => waiting.shift()?.({ out: new ModernAnswer(res, 1, 60_000, 60_000), res }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  return { port, next: () => new Promise((resolve) => waiting.push(resolve)) };
}

function post(port: number): { done: Promise<string>; destroy: () => void } {
  const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/' });
  const done = new Promise<string>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
  });
  req.end('{}');
  return { done, destroy: () => req.destroy() };
}

test('a client that goes away before the answer cancels it, through onCancel and a signal read late', async (t) => {
  const { port, next } = await answers(t);
  const exchange = next();
  const client = post(port);
  client.done.catch(() => undefined);
  const { out, res } = await exchange;
  const reasons: unknown[] = [];
  out.onCancel((reason) => reasons.push(reason));
  const undone = out.onCancel(() => reasons.push('undone'));
  undone();
  const closed = new Promise((resolve) => res.once('close', resolve));
  client.destroy();
  await closed;
  assert.equal(reasons.length, 1, 'the listener left in place is called once; the one undone is not');
  assert.equal((reasons[0] as { code?: string }).code, 'MCPGW_E_SESSION_CLOSED');
  assert.equal(out.aborted, true);
  assert.equal(out.signal.aborted, true, 'a signal made after the cancellation is already aborted');
  assert.equal(out.signal.reason, reasons[0]);
  let late: unknown;
  out.onCancel((reason) => (late = reason));
  assert.equal(late, reasons[0], 'a listener added after the cancellation is called at once');
});

test('a signal read before the cancellation aborts with it', async (t) => {
  const { port, next } = await answers(t);
  const exchange = next();
  const client = post(port);
  client.done.catch(() => undefined);
  const { out, res } = await exchange;
  const signal = out.signal;
  assert.equal(signal.aborted, false);
  const closed = new Promise((resolve) => res.once('close', resolve));
  client.destroy();
  await closed;
  assert.equal(signal.aborted, true);
});

test('an answered request is never cancelled, even when the connection closes afterwards', async (t) => {
  const { port, next } = await answers(t);
  const exchange = next();
  const client = post(port);
  const { out, res } = await exchange;
  let cancelled = false;
  out.onCancel(() => (cancelled = true));
  out.finish({ result: { ok: true } }, 200);
  assert.deepEqual(JSON.parse(await client.done), { jsonrpc: '2.0', id: 1, result: { ok: true } });
  if (!res.closed) await new Promise((resolve) => res.once('close', resolve));
  assert.equal(cancelled, false);
  assert.equal(out.aborted, false);
  assert.equal(out.signal.aborted, false);
});
