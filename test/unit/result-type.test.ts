// An absent resultType reads as "complete" (2026-07-28 basic/index, "ResultType"), before the
// SDK v2 client sees the message (upstream/result-type.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { defaultResultType, withDefaultResultType } from '../../src/upstream/result-type.js';

test('withDefaultResultType adds resultType complete to results without one, and changes nothing else', () => {
  const cases: Array<[string, unknown, unknown]> = [
    [
      'a result without one',
      { jsonrpc: '2.0', id: 1, result: { content: [] } },
      { jsonrpc: '2.0', id: 1, result: { content: [], resultType: 'complete' } },
    ],
    ['an empty result', { jsonrpc: '2.0', id: 'a', result: {} }, { jsonrpc: '2.0', id: 'a', result: { resultType: 'complete' } }],
  ];
  for (const [name, message, expected] of cases) assert.deepEqual(withDefaultResultType(message as JSONRPCMessage), expected, name);
  const unchanged: Array<[string, unknown]> = [
    ['input_required', { jsonrpc: '2.0', id: 1, result: { resultType: 'input_required', requestState: 's' } }],
    ['complete already', { jsonrpc: '2.0', id: 1, result: { resultType: 'complete' } }],
    ['an unknown type (the SDK refuses it, as it must)', { jsonrpc: '2.0', id: 1, result: { resultType: 'later' } }],
    ['an error', { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'no' } }],
    ['a request', { jsonrpc: '2.0', id: 1, method: 'elicitation/create', params: {} }],
    ['a notification', { jsonrpc: '2.0', method: 'notifications/progress', params: { result: {} } }],
  ];
  for (const [name, message] of unchanged) assert.equal(withDefaultResultType(message as JSONRPCMessage), message, name);
});

test('defaultResultType wraps whatever receiver is assigned, also one chained on the previous (as Protocol.connect does)', () => {
  const transport = { start: async () => {}, send: async () => {}, close: async () => {} } as unknown as Transport;
  defaultResultType(transport);
  assert.equal(transport.onmessage, undefined);
  const seen: unknown[] = [];
  transport.onmessage = (m) => void seen.push(['first', m]);
  const previous = transport.onmessage;
  transport.onmessage = (m, extra) => {
    previous?.(m, extra);
    seen.push(['second', m]);
  };
  transport.onmessage?.({ jsonrpc: '2.0', id: 3, result: {} } as JSONRPCMessage);
  const expected = { jsonrpc: '2.0', id: 3, result: { resultType: 'complete' } };
  assert.deepEqual(seen, [
    ['first', expected],
    ['second', expected],
  ]);
  transport.onmessage = undefined;
  assert.equal(transport.onmessage, undefined);
});
