// SSE answers of an HTTP upstream cut inside a UTF-8 character (and one with a broken
// character) must read through our SSE reader (src/upstream/http-transport.ts) as through the
// SDK's TextDecoderStream. Written for undici's client, whose body stream still emits Buffers
// after setEncoding (docs/performance.md, "HTTP upstream through undici"); it guards any
// change of the fetch under the reader. One real HTTP server on 127.0.0.1.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { StreamableHTTPClientTransport, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { nodeFetch } from '../../src/upstream/http-fetch.js';
import { NodeStreamableHttpTransport } from '../../src/upstream/http-transport.js';

const CALL: JSONRPCMessage = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Body parts as bytes: 'é' (C3 A9) and '😀' (F0 9F 98 80) cut inside, and a lone C3 before a line end. */
const text = (s: string) => Buffer.from(s, 'utf8');
const result = (s: string) => `data: {"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"${s}"}]}}\n\n`;
const [before, after] = [result('caf\u00e9 \u{1f600}'), ''];
const cutAt = (s: string, ch: string, into: number) => text(s).indexOf(text(ch)) + into;
const PARTS: Buffer[][] = [
  [text(before).subarray(0, cutAt(before, '\u00e9', 1)), text(before).subarray(cutAt(before, '\u00e9', 1))],
  [text(before).subarray(0, cutAt(before, '\u{1f600}', 2)), text(before).subarray(cutAt(before, '\u{1f600}', 2))],
  [
    Buffer.concat([
      text('data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"a'),
      Buffer.from([0xc3]),
      text('"}}\n\n'),
    ]),
    text(result('ok') + after),
  ],
];

async function messages(transport: StreamableHTTPClientTransport): Promise<unknown[]> {
  const seen: unknown[] = [];
  let ended = false;
  transport.onmessage = (m) => seen.push(m);
  transport.onerror = (e) => seen.push(e.message);
  await transport.start();
  await transport.send(CALL, { onRequestStreamEnd: () => (ended = true) });
  while (!ended) await pause(5);
  await transport.close();
  return seen;
}

test('SSE answers cut inside a UTF-8 character read as the SDK reads them', async (t) => {
  let parts: Buffer[] = [];
  const server = createServer((req, res) => {
    if (req.method === 'GET') return void res.writeHead(405).end();
    req.resume().on('end', async () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const part of parts) {
        res.write(part);
        await pause(5);
      }
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  for (const [i, p] of PARTS.entries()) {
    parts = p;
    const sdk = await messages(new StreamableHTTPClientTransport(url, { fetch: nodeFetch }));
    const ours = await messages(new NodeStreamableHttpTransport(url, { fetch: nodeFetch }));
    assert.deepEqual(ours, sdk, `case ${i}`);
    assert.ok(sdk.length > 0);
  }
});
