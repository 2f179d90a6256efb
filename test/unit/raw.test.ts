import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineReader, RAW_RESULT } from '../../src/upstream/raw.js';

test('LineReader joins messages split across chunks and reports non-JSON-RPC lines', () => {
  const reader = new LineReader();
  assert.deepEqual(reader.push('{"jsonrpc":"2.0","id":1,"res'), { messages: [], garbage: [] });
  const out = reader.push('ult":{"a":"é"}}\r\nnot json\n{"hello":1}\n\n{"jsonrpc":"2.0","method":"x"}\n');
  assert.deepEqual(out.messages, [
    { jsonrpc: '2.0', id: 1, result: { a: 'é' } },
    { jsonrpc: '2.0', method: 'x' },
  ]);
  assert.deepEqual(out.garbage, ['not json', '{"hello":1}']);
});

test('RAW_RESULT passes a result through as the same object', () => {
  const result = { content: [{ type: 'text', text: 'x', unknownField: 1 }], _meta: { a: 1 } };
  const parsed = (RAW_RESULT as unknown as { safeParse(v: unknown): { success: boolean; data: unknown } }).safeParse(result);
  assert.equal(parsed.success, true);
  assert.equal(parsed.data, result);
});
