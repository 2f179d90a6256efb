// The upstream transport's own send for the messages of every call (src/upstream/http-send.ts)
// must do what the SDK's StreamableHTTPClientTransport does: the same request headers, and for
// every kind of answer the same messages and the same errors. Each case is sent once through
// the stock SDK transport and once through ours, against one real HTTP server on 127.0.0.1.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import {
  isJSONRPCResultResponse,
  parseJSONRPCMessage,
  StreamableHTTPClientTransport,
  type JSONRPCMessage,
  type TransportSendOptions,
} from '@modelcontextprotocol/client';
import { parseAnswer } from '../../src/upstream/http-answer.js';
import { isPlainResult } from '../../src/upstream/responses.js';
import { nodeFetch } from '../../src/upstream/http-fetch.js';
import { NodeStreamableHttpTransport, PLAIN_SEND_IN_PLACE } from '../../src/upstream/http-transport.js';

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

const RESULT = '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}],"extra":{"a":[1]}}}';
const SSE = { 'content-type': 'text/event-stream' };
const JSON_TYPE = { 'content-type': 'application/json' };
const CALL: JSONRPCMessage = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: { a: 1 } } };

const CASES: [string, Answer, JSONRPCMessage?, TransportSendOptions?][] = [
  ['json result', { status: 200, headers: JSON_TYPE, body: RESULT }],
  ['json with charset', { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: RESULT }],
  [
    'json batch, error and _meta',
    {
      status: 200,
      headers: JSON_TYPE,
      body: `[${RESULT},{"jsonrpc":"2.0","id":2,"error":{"code":-1,"message":"m","data":{"x":1}}},{"jsonrpc":"2.0","id":3,"result":{"_meta":{"progressToken":1}}}]`,
    },
  ],
  ['json not JSON-RPC', { status: 200, headers: JSON_TYPE, body: '{"jsonrpc":"2.0","id":1.5,"result":{}}' }],
  ['json result with extra key', { status: 200, headers: JSON_TYPE, body: '{"jsonrpc":"2.0","id":1,"result":{},"x":1}' }],
  ['sse result', { status: 200, headers: SSE, body: `event: message\nid: e1\ndata: ${RESULT}\n\n` }],
  [
    'sse with charset, upper case',
    { status: 200, headers: { 'content-type': ' Text/Event-Stream; charset=utf-8' }, body: `data: ${RESULT}\n\n` },
  ],
  ['sse bad message', { status: 200, headers: SSE, body: 'data: {"jsonrpc":"2.0","id":[],"result":{}}\n\n' }],
  ['two content types', { status: 200, headers: { 'content-type': 'text/event-stream, application/json' }, body: RESULT }],
  ['quoted comma', { status: 200, headers: { 'content-type': 'application/json; x="a,b"' }, body: RESULT }],
  ['sse prefix only', { status: 200, headers: { 'content-type': 'text/event-streams' }, body: RESULT }],
  ['text/plain', { status: 200, headers: { 'content-type': 'text/plain' }, body: 'hi' }],
  ['no content type', { status: 200, body: '' }],
  ['404', { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not here' }],
  ['401', { status: 401, headers: { 'www-authenticate': 'Bearer realm="x"' }, body: 'no' }],
  [
    '403 insufficient scope',
    { status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="a b"' }, body: 'more' },
  ],
  ['403 other', { status: 403, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, body: 'bad' }],
  ['redirect elsewhere', { status: 307, headers: { location: 'http://127.0.0.2:1/mcp' }, body: '' }],
  ['202 notification', { status: 202 }, { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } }],
  ['200 to a notification', { status: 200, headers: JSON_TYPE, body: '{}' }, { jsonrpc: '2.0', method: 'notifications/x' }],
  ['200 to a response', { status: 200, headers: JSON_TYPE, body: '' }, { jsonrpc: '2.0', id: 5, result: {} }],
  [
    'per-request headers',
    { status: 200, headers: JSON_TYPE, body: RESULT },
    CALL,
    { headers: { 'Mcp-Param-A': ' v ', Accept: 'Text/Plain', 'Mcp-Session-Id': 'no', 'content-type': 'x' } },
  ],
];

async function outcome(transport: StreamableHTTPClientTransport, message: JSONRPCMessage, options?: TransportSendOptions) {
  const messages: unknown[] = [];
  const errors: unknown[] = [];
  const describe = (e: unknown) => ({ name: (e as Error).name, message: (e as Error).message, status: (e as { status?: number }).status });
  transport.onmessage = (m) => messages.push(m);
  transport.onerror = (e) => errors.push(describe(e));
  await transport.start();
  transport.setProtocolVersion('2025-06-18');
  const thrown = await transport.send(message, options).then(
    () => undefined,
    (e: unknown) => describe(e),
  );
  await new Promise((r) => setTimeout(r, 20)); // an SSE body is read after send resolves
  await transport.close();
  return { messages, errors, thrown };
}

test('our send gives the SDK transport’s headers, messages and errors for every kind of answer', async (t) => {
  assert.equal(PLAIN_SEND_IN_PLACE, true);
  let answer: Answer = { status: 200 };
  let seen: IncomingHttpHeaders = {};
  const server = createServer((req, res) => {
    seen = req.headers;
    req.resume().on('end', () => res.writeHead(answer.status, answer.headers).end(answer.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  const strip = ({ host: _h, connection: _c, 'content-length': _l, ...rest }: IncomingHttpHeaders) => rest;
  for (const [name, a, message = CALL, options] of CASES) {
    answer = a;
    const sdk = await outcome(new StreamableHTTPClientTransport(url, { fetch: nodeFetch, sessionId: 's1' }), message, options);
    const sdkHeaders = strip(seen);
    const ours = await outcome(new NodeStreamableHttpTransport(url, { fetch: nodeFetch, sessionId: 's1' }), message, options);
    assert.deepEqual(ours, sdk, name);
    assert.deepEqual(strip(seen), sdkHeaders, `${name}: request headers`);
  }
});

test('parseAnswer takes the plain result as it is, and anything else as the SDK parses it', () => {
  const values: unknown[] = [
    JSON.parse(RESULT),
    { jsonrpc: '2.0', id: 'a', result: {} },
    { jsonrpc: '2.0', id: 2 ** 53, result: {} },
    { jsonrpc: '2.0', id: 1, result: [] },
    { jsonrpc: '2.0', id: 1, result: null },
    { jsonrpc: '2.0', id: 1, result: { _meta: { progressToken: 'p' } } },
    { jsonrpc: '2.0', id: 1, result: { _meta: { progressToken: {} } } },
    { jsonrpc: '1.0', id: 1, result: {} },
    { jsonrpc: '2.0', result: {} },
    { jsonrpc: '2.0', id: 1, error: { code: 1, message: 'm' } },
    { jsonrpc: '2.0', id: 1, method: 'ping' },
  ];
  for (const value of values) {
    let sdk: unknown;
    try {
      sdk = parseJSONRPCMessage(structuredClone(value));
    } catch {
      assert.throws(() => parseAnswer(value), JSON.stringify(value));
      continue;
    }
    assert.deepEqual(parseAnswer(structuredClone(value)), sdk, JSON.stringify(value));
    if (isPlainResult(value)) {
      assert.deepEqual(sdk, value);
      assert.equal(isJSONRPCResultResponse(value), true);
    }
  }
});
