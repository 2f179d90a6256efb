// Every call's answer goes to its waiting request without the SDK Protocol's zod checks
// (src/upstream/responses.ts): the gateway's client must settle each call as the stock SDK
// client does, leave no handler, timer or progress entry behind, and take the direct path only
// for plain results. Both clients talk to one real HTTP server on 127.0.0.1.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/client';
import { createClient, RAW } from '../../src/upstream/client.js';
import { NodeStreamableHttpTransport } from '../../src/upstream/http-transport.js';
import { nodeFetch } from '../../src/upstream/http-fetch.js';
import { RESPONSE_PATH_IN_PLACE } from '../../src/upstream/responses.js';
import { defaultResultType } from '../../src/upstream/result-type.js';

/** What the server answers each tools/call with, by tool name (`id` is the request's). */
const ANSWERS: Record<string, (id: number) => unknown> = {
  plain: (id) => ({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'hi' }], extra: { a: [1] } } }),
  meta: (id) => ({ jsonrpc: '2.0', id, result: { content: [], _meta: { k: 'v' } } }),
  error: (id) => ({ jsonrpc: '2.0', id, error: { code: -32602, message: 'bad', data: { x: 1 } } }),
  'extra key': (id) => ({ jsonrpc: '2.0', id, result: {}, extra: 1 }),
  'string id': (id) => ({ jsonrpc: '2.0', id: String(id), result: { content: [] } }),
  'unknown id': (id) => ({ jsonrpc: '2.0', id: id + 1000, result: {} }),
};

const SINK = { serverRequest: async () => ({}), listChanged: () => {}, progress: () => {}, notification: () => {} };

interface Internals {
  _responseHandlers: Map<number, unknown>;
  _progressHandlers: Map<number, unknown>;
  _timeoutInfo: Map<number, unknown>;
  _onresponse(response: unknown): void;
}

async function outcomes(client: Client, url: URL) {
  const transport = defaultResultType(new NodeStreamableHttpTransport(url, { fetch: nodeFetch }));
  const errors: string[] = [];
  client.onerror = (e) => errors.push(e.message);
  await client.connect(transport);
  const p = client as unknown as Internals;
  const viaSdk: string[] = [];
  const onresponse = p._onresponse.bind(client);
  p._onresponse = (response) => {
    viaSdk.push(String((response as { id: unknown }).id));
    onresponse(response);
  };
  const results: Record<string, unknown> = {};
  for (const name of Object.keys(ANSWERS)) {
    results[name] = await client.request({ method: 'tools/call', params: { name } } as never, RAW, { timeout: 300 }).then(
      (r) => ({ ok: r }),
      (e: Error) => ({ error: e.message, code: (e as { code?: unknown }).code }),
    );
  }
  const left = [p._responseHandlers.size, p._progressHandlers.size, p._timeoutInfo.size];
  await client.close();
  return { results, errors, left, sdkCalls: viaSdk.length };
}

test('the direct path settles every call as the stock SDK client does, and takes only plain results', async (t) => {
  assert.equal(RESPONSE_PATH_IN_PLACE, true);
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const m = JSON.parse(body) as { id?: number; method: string; params?: { name?: string } };
      if (m.id === undefined) return void res.writeHead(202).end();
      const answer =
        m.method === 'initialize'
          ? {
              jsonrpc: '2.0',
              id: m.id,
              result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 's', version: '1' } },
            }
          : ANSWERS[m.params!.name!](m.id);
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'sess' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  const stock = await outcomes(new Client({ name: 'mcpgw', version: '1' }, { versionNegotiation: { mode: 'legacy' } }), url);
  const ours = await outcomes(createClient('1', '2025-11-25', 1000, SINK), url);
  assert.deepEqual(ours.results, stock.results);
  assert.deepEqual(ours.errors, stock.errors);
  assert.deepEqual(ours.left, [0, 0, 0], 'no handler, progress entry or timer left');
  assert.equal(stock.sdkCalls, 5, 'every answer with a known or numeric-like id reaches the SDK’s _onresponse');
  // plain is taken directly; meta, error, extra key, string id and unknown id go to the SDK.
  assert.equal(ours.sdkCalls, stock.sdkCalls - 1);
  assert.deepEqual((ours.results.plain as { ok: unknown }).ok, { content: [{ type: 'text', text: 'hi' }], extra: { a: [1] } });
});
