// The fast path of the 2026-07-28 era classification (src/http/modern-classify.ts) must give
// the SDK's own outcome for every body: it may skip the SDK only where the SDK would say
// "a modern request", and every refusal must stay the SDK's (code, message, status).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyInboundRequest, type InboundHttpRequest } from '@modelcontextprotocol/server';
import { classifyModern } from '../../src/http/modern-classify.js';

const V = 'io.modelcontextprotocol/protocolVersion';
const CAPS = 'io.modelcontextprotocol/clientCapabilities';
const INFO = 'io.modelcontextprotocol/clientInfo';
const LEVEL = 'io.modelcontextprotocol/logLevel';

function call(meta: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: {}, _meta: meta }, ...extra };
}

const GOOD = { [V]: '2026-07-28', [CAPS]: {}, [INFO]: { name: 'c', version: '1' } };
const BODIES: unknown[] = [
  call(GOOD),
  call({ ...GOOD, progressToken: 'p', [LEVEL]: 'info', other: { x: 1 } }),
  call({ ...GOOD, [CAPS]: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } } }),
  call({ [V]: '2026-07-28', [CAPS]: {} }),
  call({ ...GOOD, [CAPS]: { sampling: 'yes' } }),
  call({ ...GOOD, [CAPS]: null }),
  call({ ...GOOD, [INFO]: { name: 1 } }),
  call({ ...GOOD, [INFO]: null }),
  call({ ...GOOD, [LEVEL]: 'loud' }),
  call({ ...GOOD, [LEVEL]: 3 }),
  call({ ...GOOD, progressToken: 1.5 }),
  call({ ...GOOD, progressToken: 2 ** 53 }),
  call({ ...GOOD, progressToken: {} }),
  call({ ...GOOD, [V]: 7 }),
  call({ ...GOOD, [V]: '2025-11-25' }),
  call({ ...GOOD, [V]: '2099-01-01' }),
  call({ [V]: '2026-07-28', [INFO]: GOOD[INFO] }),
  call(GOOD, { id: null }),
  call(GOOD, { id: 1.5 }),
  call(GOOD, { extra: true }),
  call(GOOD, { jsonrpc: '1.0' }),
  call(GOOD, { method: 'initialize' }),
  call(GOOD, { method: 'server/discover', params: { _meta: GOOD } }),
  call(GOOD, { params: { _meta: null } }),
  call(GOOD, { params: [] }),
  { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, _meta: GOOD } },
  { jsonrpc: '2.0', id: 1, result: { _meta: GOOD } },
  [call(GOOD)],
  { jsonrpc: '2.0', id: 1, method: 'tools/list' },
  null,
  'text',
];
const HEADERS: Array<Partial<InboundHttpRequest>> = [
  {},
  { protocolVersionHeader: '2026-07-28', mcpMethodHeader: 'tools/call', mcpNameHeader: 'echo' },
  { protocolVersionHeader: ' 2026-07-28 ', mcpMethodHeader: ' tools/call' },
  { protocolVersionHeader: '2025-11-25' },
  { protocolVersionHeader: '2026-07-28', mcpMethodHeader: 'tools/list' },
];

function inputs(): InboundHttpRequest[] {
  return HEADERS.flatMap((h) => BODIES.map((body) => ({ httpMethod: 'POST', ...h, body: structuredClone(body) })));
}

test('classifyModern gives the SDK classifier outcome for every body and header combination, cached or not', () => {
  // Twice over: the first pass fills the cache of accepted envelopes, the second uses it.
  for (let pass = 0; pass < 2; pass++) {
    for (const input of inputs()) {
      const ours = classifyModern(input, classifyInboundRequest);
      assert.deepEqual(ours, classifyInboundRequest(input), `pass ${pass}: ${JSON.stringify(input)}`);
      if (ours.kind === 'modern') assert.equal(ours.message, input.body);
    }
  }
});

test('a valid request whose envelope was accepted before is classified without the SDK', () => {
  let calls = 0;
  const counting = (r: InboundHttpRequest) => (calls++, classifyInboundRequest(r));
  const input = () => ({ httpMethod: 'POST', protocolVersionHeader: '2026-07-28', mcpMethodHeader: 'tools/call', body: call(GOOD) });
  classifyModern(input(), counting);
  const before = calls;
  for (let i = 0; i < 5; i++) assert.equal(classifyModern(input(), counting).kind, 'modern');
  assert.equal(calls, before);
  // The same accepted envelope with a bad log level still goes to the SDK, and is refused by it.
  const bad = classifyModern({ ...input(), body: call({ ...GOOD, [LEVEL]: 'loud' }) }, counting);
  assert.equal(bad.kind, 'reject');
  assert.equal(calls, before + 1);
});
