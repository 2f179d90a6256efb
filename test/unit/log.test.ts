// The logger against hostile strings (issue 14, item 9): nothing logged can end a pretty line,
// forge another one or drive the terminal, and a secret is redacted whatever characters it
// holds and wherever it sits (message, field, nested value, error), in both formats.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { configureLog, createLogger, redact, setLogSecrets, type LogFormat } from '../../src/log.js';

/** Every line logged with these settings; the logger is the process's, restored after the tests. */
function capture(format: LogFormat, secrets: string[] = []): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  configureLog({ level: 'debug', format, color: false, sink: { write: (line) => void lines.push(line) } });
  setLogSecrets(secrets.map((value, i) => ({ value, label: `$<env:SECRET_${i}>` })));
  return { lines, log: createLogger('test') };
}

after(() => {
  configureLog({ level: 'info', format: 'pretty', sink: { write: (line) => process.stderr.write(line) } });
  setLogSecrets([]);
});

/** C0 and C1 controls, DEL, line and paragraph separators, bidi embeddings, overrides and isolates. */
const TERMINAL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

test('pretty: a newline in the message or a field cannot forge a log line', () => {
  const { lines, log } = capture('pretty');
  const forged = 'denied\n12:00:00.000 ERROR [gateway] the token store was deleted';
  log.warn(`authorization failed: ${forged}`, { error_description: forged, server: 'a\rb' });
  assert.equal(lines.length, 1);
  const line = lines[0]!;
  assert.equal(line.indexOf('\n'), line.length - 1, 'one physical line');
  assert.doesNotMatch(line.slice(0, -1), TERMINAL);
  assert.match(line, /authorization failed: denied\\n12:00:00\.000 ERROR \[gateway\] the token store/);
  assert.match(line, / error_description="denied\\n12:00:00\.000 ERROR/);
  assert.match(line, / server="a\\rb"\n$/);
});

test('pretty: terminal escapes, C1 controls, separators and bidi overrides are shown escaped, everywhere', () => {
  const { lines, log } = capture('pretty');
  const hostile = '\x1b]0;owned\x07\x1b[2J\x9b31m\x85\u2028\u2029\u202eevil\u2066\x00\x7f\t';
  log.info(hostile, { [`key${hostile}`]: hostile, nested: { deep: [hostile] }, plain: `x${hostile}` });
  createLogger(`comp${hostile}`).info('m');
  for (const line of lines) assert.doesNotMatch(line.slice(0, -1), TERMINAL, JSON.stringify(line));
  const escaped = '\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\x85\\u2028\\u2029\\u202eevil\\u2066\\x00\\x7f\\t';
  assert.ok(lines[0]!.includes(`[test] ${escaped} `), lines[0]);
  assert.ok(lines[1]!.includes(`[comp${escaped}] m`), lines[1]);
});

test('pretty: ordinary text is unchanged; a value with spaces or quotes is quoted', () => {
  const { lines, log } = capture('pretty');
  log.info('server ready: é 😀 "quoted" C:\\path', { server: 'alpha', tools: 3, note: 'two words', list: [1, 'b'] });
  assert.match(lines[0]!, /\[test\] server ready: é 😀 "quoted" C:\\path server=alpha tools=3 note="two words" list=\[1,"b"\]\n$/);
});

test('json: every control character is escaped, one line per event, and parses back to the same text', () => {
  const { lines, log } = capture('json');
  const hostile = 'a\nb\u2028c\x9b31m\x85\u202eevil\x7f';
  log.error(hostile, { f: '\x1b[2J', nested: [hostile] });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.indexOf('\n'), lines[0]!.length - 1);
  assert.doesNotMatch(lines[0]!.slice(0, -1), TERMINAL);
  const parsed = JSON.parse(lines[0]!);
  assert.equal(parsed.msg, hostile);
  assert.equal(parsed.f, '\x1b[2J');
  assert.deepEqual(parsed.nested, [hostile]);
});

// Secrets with the characters JSON escapes ("\), that the pretty format escapes, and one that
// is a prefix of another (the longer one is redacted first).
const SECRETS = ['pa"ss\\word-1', 'tab\there-22', 'nl\nin-secret-3', 'abcd1234', 'abcd1234-longer'];

for (const format of ['json', 'pretty'] as const) {
  test(`${format}: secrets are redacted before serializing, in every place`, () => {
    const { lines, log } = capture(format, SECRETS);
    const err = new Error(`refused ${SECRETS[0]}`);
    for (const secret of SECRETS) {
      log.info(`message ${secret} end`, {
        field: secret,
        nested: { list: [`in ${secret}`], [secret]: 1 },
        error: err,
        stack: err.stack,
      });
    }
    assert.equal(lines.length, SECRETS.length);
    const forms = SECRETS.flatMap((s) => [s, JSON.stringify(s).slice(1, -1), s.replace(/[\t\n]/g, (c) => (c === '\t' ? '\\t' : '\\n'))]);
    for (const line of lines) {
      for (const form of forms) assert.ok(!line.includes(form), `${format} line holds ${JSON.stringify(form)}: ${line}`);
      assert.match(line, /\$<env:SECRET_\d>/);
    }
    assert.ok(lines[4]!.includes('$<env:SECRET_4>') && !lines[4]!.includes('$<env:SECRET_3>-longer'), 'the longer secret first');
  });
}

test('redact() replaces every occurrence and leaves other text alone', () => {
  capture('json', SECRETS);
  assert.equal(redact(`x ${SECRETS[0]} y ${SECRETS[0]}`), 'x $<env:SECRET_0> y $<env:SECRET_0>');
  assert.equal(redact('nothing here'), 'nothing here');
});

test('odd values do not break a line: cycles, bigint, Date, URL, undefined', () => {
  for (const format of ['json', 'pretty'] as const) {
    const { lines, log } = capture(format);
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    log.info('odd', { cyclic, big: 10n, at: new Date(0), url: new URL('http://127.0.0.1:1/x'), gone: undefined });
    assert.equal(lines.length, 1, format);
    assert.match(lines[0]!, /1970-01-01T00:00:00\.000Z/);
    assert.match(lines[0]!, /http:\/\/127\.0\.0\.1:1\/x/);
    assert.match(lines[0]!, /\[Circular\]/);
    assert.doesNotMatch(lines[0]!, /gone/);
  }
});
