// The upstream transport reads SSE answers from the node:http stream's events (http-transport.ts,
// issue 18): for answers that end, break off, or carry resumption ids, it must give what the
// SDK's own `_handleSseStream` gives over the same body: the same messages, errors, resumption
// tokens, stream-end callbacks and reconnection GETs. One real HTTP server on 127.0.0.1.
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { StreamableHTTPClientTransport, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { nodeFetch } from '../../src/upstream/http-fetch.js';
import { NodeStreamableHttpTransport, SSE_READER_IN_PLACE } from '../../src/upstream/http-transport.js';

const CALL: JSONRPCMessage = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } };
const RESULT = '{"jsonrpc":"2.0","id":1,"result":{"content":[]}}';
const NOTE = '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"d"}}';

/** How the server answers the POST: the body parts, written one by one, then an end or a cut. */
type Answer = { parts: string[]; end: 'end' | 'cut' | 'destroy' };

const CASES: [string, Answer][] = [
  ['note and result in one chunk', { parts: [`data: ${NOTE}\n\ndata: ${RESULT}\n\n`], end: 'end' }],
  ['result split across writes', { parts: ['id: e1\nda', `ta: ${RESULT.slice(0, 9)}`, `${RESULT.slice(9)}\n\n`], end: 'end' }],
  ['ends without a response', { parts: [`data: ${NOTE}\n\n`], end: 'end' }],
  ['cut before the response', { parts: [`data: ${NOTE}\n\n`], end: 'cut' }],
  ['cut after a priming id (reconnects)', { parts: ['id: p1\ndata: \n\n', `data: ${NOTE}\n\n`], end: 'cut' }],
  ['priming id, then the end (reconnects)', { parts: ['id: p2\nretry: 5\ndata: \n\n'], end: 'end' }],
  ['cut after the response', { parts: [`id: r1\ndata: ${RESULT}\n\n`], end: 'cut' }],
  ['bad JSON, then the result', { parts: ['data: {nope\n\n', `data: ${RESULT}\n\n`], end: 'end' }],
  ['the socket destroyed mid-event', { parts: ['id: q1\ndata: {"jsonrpc"'], end: 'destroy' }],
];

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every case ends in onRequestStreamEnd, after the reconnection's GET where there is one. */
async function streamEnded(seen: { streamEnds: number }): Promise<void> {
  while (seen.streamEnds === 0) await pause(5);
}

async function outcome(transport: StreamableHTTPClientTransport, gets: string[]) {
  const seen = { messages: [] as unknown[], errors: [] as string[], tokens: [] as string[], streamEnds: 0, gets };
  transport.onmessage = (m) => seen.messages.push(m);
  transport.onerror = (e) => seen.errors.push(e.message);
  await transport.start();
  transport.setProtocolVersion('2025-06-18');
  await transport.send(CALL, { onresumptiontoken: (t) => seen.tokens.push(t), onRequestStreamEnd: () => seen.streamEnds++ });
  await streamEnded(seen); // the body is read, and a reconnection attempted, after send resolves
  await transport.close();
  return seen;
}

async function write(res: ServerResponse, answer: Answer): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const part of answer.parts) {
    res.write(part);
    await pause(5);
  }
  if (answer.end === 'end') res.end();
  else if (answer.end === 'cut') res.socket?.end();
  else res.socket?.destroy();
}

test('our SSE reader gives what the SDK’s gives: messages, errors, tokens, stream ends and reconnections', async (t) => {
  assert.equal(SSE_READER_IN_PLACE, true);
  let answer: Answer = { parts: [], end: 'end' };
  const gets = new Map<string, string[]>();
  const server = createServer((req, res) => {
    if (req.method === 'GET') {
      gets.get(String(req.headers['mcp-session-id']))?.push(String(req.headers['last-event-id']));
      return void res.writeHead(405).end();
    }
    req.resume().on('end', () => void write(res, answer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  // Each transport has a session id of its own: a late GET is never counted for the other.
  const options = (sessionId: string) => {
    gets.set(sessionId, []);
    return {
      fetch: nodeFetch,
      sessionId,
      reconnectionOptions: { initialReconnectionDelay: 10, maxReconnectionDelay: 10, reconnectionDelayGrowFactor: 1, maxRetries: 1 },
    };
  };
  for (const [i, [name, a]] of CASES.entries()) {
    answer = a;
    const sdk = await outcome(new StreamableHTTPClientTransport(url, options(`sdk-${i}`)), gets.get(`sdk-${i}`)!);
    const ours = await outcome(new NodeStreamableHttpTransport(url, options(`ours-${i}`)), gets.get(`ours-${i}`)!);
    assert.deepEqual(ours, sdk, name);
  }
});
