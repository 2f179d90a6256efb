// A hostile stdio server against the gateway's pipes and log (issue 14, items 7 to 9): an
// endless line on stdout or stderr, a flood of stderr lines, and a stderr line built to forge
// log lines and leak a secret past redaction. The fixture is test/fixtures/servers/noisy.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configureLog } from '../../src/log.js';
import { STDERR_RATE } from '../../src/upstream/stderr.js';
import { fixtureServer, startGateway, waitReady } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const MiB = 1024 * 1024;

interface LogLine {
  level: string;
  msg: string;
  server?: string;
  stream?: string;
  suppressed?: number;
}

const parsed = (logs: string[]): LogLine[] => logs.map((line) => JSON.parse(line) as LogLine);
const stderrOf = (logs: string[], server: string) => parsed(logs).filter((l) => l.server === server && l.stream === 'stderr');

test('a stdout line over the 32 MiB cap restarts the server with a clear lastError', async (t) => {
  const gw = await startGateway(t, {
    version: 1,
    servers: { big: { ...fixtureServer('noisy.ts', ['--stdout-line', String(40 * MiB)]), timeouts: { connect: '60s' } } },
  });
  const status = await waitFor(
    async () => {
      const s = (await (await fetch(`${gw.url}/status`)).json()) as Record<string, any>;
      return s.servers.big.lastError?.code === 'MCPGW_E_UPSTREAM_LINE_TOO_LONG' ? s : undefined;
    },
    'the server to be stopped for its endless stdout line',
    45_000,
  );
  assert.equal(status.servers.big.state, 'restarting');
  assert.match(status.servers.big.lastError.message, /over 32 MiB on stdout/);
  assert.ok(
    parsed(gw.logs).some((l) => l.level === 'warn' && /over 32 MiB on stdout/.test(l.msg)),
    'the log says why the server was stopped',
  );
});

test('an endless stderr line is logged truncated, and the lines after it intact', async (t) => {
  const gw = await startGateway(t, { version: 1, servers: { loud: fixtureServer('noisy.ts', ['--stderr-line', String(30 * MiB)]) } });
  await waitReady(gw.url, ['loud']);
  const lines = await waitFor(() => {
    const all = stderrOf(gw.logs, 'loud');
    return all.some((l) => l.msg === 'noisy: done') ? all : undefined;
  }, 'the line after the long one');
  const long = lines.find((l) => l.msg.startsWith('xxx'));
  assert.ok(long, 'the long line is logged');
  assert.ok(long.msg.length < 5000, `logged ${long.msg.length} characters of it`);
  assert.match(long.msg, /^x{4096}… \[truncated: 31453184 more bytes\]$/);
});

test('a stderr flood is rate-limited, with a summary of the lines suppressed', async (t) => {
  const flood = 100_000;
  const started = Date.now();
  const gw = await startGateway(t, { version: 1, servers: { loud: fixtureServer('noisy.ts', ['--stderr-flood', String(flood)]) } });
  await waitReady(gw.url, ['loud']);
  // Every line the fixture wrote (the flood and its `noisy: done`) is logged or counted.
  const { logged, summaries } = await waitFor(
    () => {
      const lines = stderrOf(gw.logs, 'loud');
      const logged = lines.filter((l) => l.suppressed === undefined);
      const summaries = lines.filter((l) => l.suppressed !== undefined);
      const suppressed = summaries.reduce((n, l) => n + l.suppressed!, 0);
      return logged.length + suppressed === flood + 1 ? { logged, summaries } : undefined;
    },
    'the flood to be logged or counted',
    30_000,
  );
  const seconds = (Date.now() - started) / 1000;
  assert.ok(
    logged.length <= STDERR_RATE.burst + STDERR_RATE.perSecond * (seconds + 1),
    `${logged.length} lines logged in ${seconds.toFixed(1)} s`,
  );
  assert.ok(summaries.length >= 1);
  for (const s of summaries) {
    assert.equal(s.level, 'warn');
    assert.match(s.msg, /^stderr: \d+ lines suppressed \(over \d+ lines\/s\)$/);
  }
  // The first lines of a burst (a start-up banner, the first error) are kept.
  assert.equal(logged[0]!.msg, 'flood 0');
});

const SECRET = 'se"cr\\et-Value-0123';
// Control characters that would end a pretty log line, move the cursor, erase the screen or
// reorder the text on a terminal; no newline (that would end the stderr line itself).
const HOSTILE =
  'token=@SECRET@ \x1b[2J\x1b[31mpainted\x1b[0m\r12:00:00.000 ERROR [gateway] forged\x0bvt\x7fdel\x85nel\u2028ls\u202eevil\x07bell';

test('a stderr line cannot forge log lines or leak a secret, in either log format', async (t) => {
  const gw = await startGateway(
    t,
    {
      version: 1,
      servers: {
        loud: {
          ...fixtureServer('noisy.ts', ['--stderr-every', '100']),
          env: { FIXTURE_STDERR_TEXT: HOSTILE, FIXTURE_SECRET: '$<env:H6_NOISY_SECRET>' },
        },
      },
    },
    { env: { H6_NOISY_SECRET: SECRET } },
  );
  const secretForms = [SECRET, JSON.stringify(SECRET).slice(1, -1)];
  const json = await waitFor(
    () => gw.logs.find((l) => l.includes('"stream":"stderr"') && l.includes('painted')),
    'the hostile line in the JSON log',
  );
  for (const form of secretForms) assert.ok(!json.includes(form), `the JSON log line holds the secret as ${form}`);
  assert.equal(JSON.parse(json).msg.startsWith('token=$<env:H6_NOISY_SECRET> '), true, json);

  const before = gw.logs.length;
  configureLog({ format: 'pretty' });
  const pretty = await waitFor(
    () => gw.logs.slice(before).find((l) => l.includes('stream=stderr') && l.includes('painted')),
    'the hostile line in the pretty log',
  );
  configureLog({ format: 'json' });
  assert.equal(pretty.indexOf('\n'), pretty.length - 1, 'one line');
  // Nothing a terminal acts on: no C0 or C1 control, no line or paragraph separator, no bidi override.
  assert.doesNotMatch(pretty.slice(0, -1), /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u);
  assert.match(pretty, /\\x1b\[2J\\x1b\[31mpainted\\x1b\[0m\\r12:00:00\.000 ERROR/);
  assert.match(pretty, /\\u2028ls\\u202eevil\\x07bell/);
  for (const form of secretForms) assert.ok(!pretty.includes(form), `the pretty log line holds the secret as ${form}`);
  assert.match(pretty, /token=\$<env:H6_NOISY_SECRET> /);
});
