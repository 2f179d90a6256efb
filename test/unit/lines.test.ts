import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineReader, LineSplitter, type LineLimits } from '../../src/upstream/lines.js';

const b = (text: string) => Buffer.from(text, 'utf8');

test('LineReader joins messages split across chunks and reports non-JSON-RPC lines', () => {
  const reader = new LineReader();
  assert.deepEqual(reader.push(b('{"jsonrpc":"2.0","id":1,"res')), { messages: [], garbage: [], tooLong: false });
  const out = reader.push(b('ult":{"a":"é"}}\r\nnot json\n{"hello":1}\n\n{"jsonrpc":"2.0","method":"x"}\n'));
  assert.deepEqual(out.messages, [
    { jsonrpc: '2.0', id: 1, result: { a: 'é' } },
    { jsonrpc: '2.0', method: 'x' },
  ]);
  assert.deepEqual(out.garbage, ['not json', '{"hello":1}']);
});

test('LineReader takes a large message in many chunks, and a character split between chunks', () => {
  const reader = new LineReader();
  const text = 'é'.repeat(3 * 1024 * 1024);
  const line = b(`${JSON.stringify({ jsonrpc: '2.0', id: 7, result: { text } })}\n`);
  const messages = [];
  // 64 KiB pieces, as a pipe gives them, cut at an odd offset so that some é are split.
  for (let at = 0; at < line.length; at += 65_537) messages.push(...reader.push(line.subarray(at, at + 65_537)).messages);
  assert.equal(messages.length, 1);
  assert.equal((messages[0] as unknown as { result: { text: string } }).result.text, text);
});

test('LineReader reports a line over its cap once, as soon as it goes over, and reads on after its newline', () => {
  const reader = new LineReader(100);
  const first = reader.push(b(`{"jsonrpc":"2.0","method":"ok"}\n${'x'.repeat(60)}`));
  assert.deepEqual(first, { messages: [{ jsonrpc: '2.0', method: 'ok' }], garbage: [], tooLong: false });
  assert.equal(reader.push(b('x'.repeat(60))).tooLong, true, 'the line went over the cap in this chunk');
  assert.deepEqual(reader.push(b('x'.repeat(1000))), { messages: [], garbage: [], tooLong: false }, 'reported once');
  assert.deepEqual(reader.push(b('x\n{"jsonrpc":"2.0","id":2,"result":{}}\n')), {
    messages: [{ jsonrpc: '2.0', id: 2, result: {} }],
    garbage: [],
    tooLong: false,
  });
  // A message of exactly the cap passes; one byte more does not.
  const exact = `{"jsonrpc":"2.0","method":"${'y'.repeat(100 - 29)}"}`;
  assert.equal(Buffer.byteLength(exact), 100);
  assert.equal(reader.push(b(`${exact}\n`)).messages.length, 1);
  assert.equal(reader.push(b(`${exact} \n`)).tooLong, true);
});

function lines(limits: LineLimits, chunks: string[], end = false): Array<[string, number]> {
  const splitter = new LineSplitter(limits);
  const out: Array<[string, number]> = [];
  for (const chunk of chunks) splitter.push(b(chunk), (text, dropped) => out.push([text, dropped]));
  if (end) splitter.end((text, dropped) => out.push([text, dropped]));
  return out;
}

test('LineSplitter cuts a long line, keeps its head and counts the rest', () => {
  const limits = { maxBytes: 10, keepBytes: 10 };
  assert.deepEqual(lines(limits, ['short\r\n0123456789', 'abc', 'defgh\nnext\n']), [
    ['short', 0],
    ['0123456789', 8],
    ['next', 0],
  ]);
  assert.deepEqual(lines(limits, ['0123456789abcdef\n']), [['0123456789', 6]], 'within one chunk');
  assert.deepEqual(lines(limits, ['0123456789'], true), [['0123456789', 0]], 'a whole last line without a newline');
  assert.deepEqual(lines(limits, ['0123456789', 'xyz'], true), [['0123456789', 3]], 'a long last line without a newline');
  assert.deepEqual(lines(limits, ['\r\n', '\n']), [
    ['', 0],
    ['', 0],
  ]);
  assert.deepEqual(lines(limits, ['abc\r', '\n']), [['abc', 0]], 'a \\r\\n split between chunks');
});

test('LineSplitter never cuts a character in two', () => {
  // "aé€😀" is 1 + 2 + 3 + 4 bytes; a cut inside a character backs off to its start.
  const text = 'aé€😀';
  const cases: Array<[number, string]> = [
    [1, 'a'],
    [2, 'a'],
    [3, 'aé'],
    [4, 'aé'],
    [5, 'aé'],
    [6, 'aé€'],
    [9, 'aé€'],
  ];
  for (const [keep, kept] of cases) {
    const out = lines({ maxBytes: keep, keepBytes: keep }, [`${text}!\n`]);
    assert.deepEqual(out, [[kept, 11 - Buffer.byteLength(kept)]], `keep ${keep}`);
  }
});

test('LineSplitter keeps less than the cap of a long line when told, across the chunks it had', () => {
  assert.deepEqual(lines({ maxBytes: 10, keepBytes: 5 }, ['abc', 'defg', 'hijk\nok\n']), [
    ['abcde', 6],
    ['ok', 0],
  ]);
});

test('LineSplitter with keepBytes 0 stores nothing of a long line', () => {
  assert.deepEqual(lines({ maxBytes: 4, keepBytes: 0 }, ['abc', 'defg', 'h\nok\n']), [
    ['', 8],
    ['ok', 0],
  ]);
});
