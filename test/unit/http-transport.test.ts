// The upstream HTTP client pieces on node:http (issue 18): the SSE reader must give exactly the
// events the SDK's parser (eventsource-parser) gives, however the body is cut into chunks;
// the fetch reuses its connection and reads JSON and SSE bodies; the transport's SSE override
// is in place (it relies on SDK methods that are private by convention).
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createParser } from 'eventsource-parser';
import { nodeFetch, NodeBody } from '../../src/upstream/http-fetch.js';
import { SSE_READER_IN_PLACE } from '../../src/upstream/http-transport.js';
import { SseParser, type SseEvent } from '../../src/upstream/sse-read.js';

function sdkEvents(text: string): { events: SseEvent[]; retries: number[] } {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const parser = createParser({
    onEvent: (e) => events.push({ event: e.event, data: e.data, id: e.id }),
    onRetry: (ms) => retries.push(ms),
  });
  parser.feed(text);
  return { events, retries };
}

function ourEvents(chunks: string[]): { events: SseEvent[]; retries: number[] } {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const parser = new SseParser(
    (e) => events.push({ event: e.event, data: e.data, id: e.id }),
    (ms) => retries.push(ms),
  );
  for (const chunk of chunks) parser.feed(chunk);
  return { events, retries };
}

const BODIES = [
  'id: 1\ndata: \n\n',
  'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n',
  'data: a\ndata: b\n\ndata:c\n\n',
  ': comment\nretry: 1500\ndata: x\r\n\r\nid: 7\r\nevent: other\rdata: y\r\rdata: z\n\n',
  '\ufeffdata: bom\n\n',
  'id: a\0b\ndata: nul in id\n\ndata: no id\n\n',
  'retry: x1\nevent:\ndata: empty event name\n\n',
  'data: unfinished at the end',
  'data: é—multi-byte 😀\n\nfield without colon\ndata\n\n',
];

test('the SSE reader gives the events and retries of eventsource-parser, for every split of each body', async () => {
  for (const body of BODIES) {
    // The SDK's TextDecoderStream drops a leading BOM before its parser sees the text.
    const expected = sdkEvents(body.replace(/^\ufeff/, ''));
    for (let cut = 0; cut <= body.length; cut++) {
      for (const second of [cut, Math.min(body.length, cut + 1), Math.min(body.length, cut + 3)]) {
        const chunks = [body.slice(0, cut), body.slice(cut, second), body.slice(second)].filter((c) => c !== '');
        assert.deepEqual(ourEvents(chunks), expected, `${JSON.stringify(body)} cut at ${cut}/${second}`);
      }
    }
  }
});

test('the fetch reads JSON and SSE answers over one kept-alive connection, and aborts', async (t) => {
  const sockets = new Set<unknown>();
  const server = createServer((req: IncomingMessage, res) => {
    sockets.add(req.socket);
    if (req.url === '/hang') return void res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': open\n\n');
    if (req.url === '/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-two': 'a' });
      res.write('data: one\n');
      return void res.end('\ndata: two\n\n');
    }
    let body = '';
    req.setEncoding('utf8').on('data', (c) => (body += c));
    req.on('end', () =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ got: body, method: req.method, h: req.headers['x-a'] })),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (let i = 0; i < 3; i++) {
    const res = await nodeFetch(`${base}/json`, { method: 'POST', headers: new Headers({ 'x-a': 'b' }), body: `n${i}` });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), { got: `n${i}`, method: 'POST', h: 'b' });
  }
  const sse = await nodeFetch(`${base}/sse`, { headers: { 'X-A': 'c' } });
  assert.ok(sse.body instanceof NodeBody);
  const text = await new Response(sse.body as unknown as ReadableStream).text();
  assert.equal(text, 'data: one\n\ndata: two\n\n');
  assert.equal(sockets.size, 1, 'one connection for every request');
  const controller = new AbortController();
  const hang = await nodeFetch(`${base}/hang`, { signal: controller.signal });
  const reading = hang.text();
  controller.abort();
  await assert.rejects(reading);
  await assert.rejects(nodeFetch(`${base}/json`, { signal: controller.signal }), /abort/i);
});

test('the transport reads SSE answers itself (the SDK methods it overrides still exist)', () => {
  assert.equal(SSE_READER_IN_PLACE, true);
});
