import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineReader } from '../../src/upstream/lines.js';

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
