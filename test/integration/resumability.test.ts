// Resumable streams on the gateway's own endpoint (SEP-1699, MCP 2025-11-25). Before the
// gateway gave its session transports an event store, its SSE events had no ids: a client
// whose POST stream broke mid-call lost the result, and the conformance scenario
// server-sse-polling found no priming event and no retry field (docs/conformance.md).
// A POST is answered with plain JSON when its response comes first (test/integration/
// framing.test.ts); it becomes a resumable stream when progress, a log message or a
// server-to-client request comes first, or when the call stays silent past the hold time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixtureServer, startGateway, waitReady } from '../helpers/gateway.js';

const LATEST = '2025-11-25';

function headers(version: string, session?: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': version,
    ...(session ? { 'mcp-session-id': session } : {}),
    ...extra,
  };
}

/** Opens a session at `version` with raw requests; returns its id. */
async function initialize(mcp: string, version: string): Promise<string> {
  const init = await fetch(mcp, {
    method: 'POST',
    headers: headers(version),
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  assert.equal(init.status, 200);
  const session = init.headers.get('mcp-session-id')!;
  await init.text();
  const done = await fetch(mcp, {
    method: 'POST',
    headers: headers(version, session),
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  assert.equal(done.status, 202);
  return session;
}

/** Reads an SSE body until `until` holds for the text so far, or the body ends (`onEnd`), or 10 s passed; leaves the stream open. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  until: (text: string) => boolean,
  onEnd?: () => void,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void reader.cancel(new Error('timed out'));
  }, 10_000);
  try {
    while (!until(text)) {
      const { value, done } = await reader.read();
      if (done) {
        if (!timedOut) onEnd?.();
        break;
      }
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(timer);
  }
  return text;
}

/** Reads an SSE body to its end; fails when it has not ended after 10 s. */
async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  let ended = false;
  const text = await readUntil(
    reader,
    () => ended,
    () => (ended = true),
  );
  assert.ok(ended, `the stream did not end: ${JSON.stringify(text)}`);
  return text;
}

test('a silent call held past the hold time becomes a stream; broken mid-call, it is resumed with GET + Last-Event-ID', async (t) => {
  const gw = await startGateway(
    t,
    { version: 1, servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'slow,echo']) } },
    { mcp: { holdMs: 200 } },
  );
  await waitReady(gw.url, ['alpha']);
  const mcp = `${gw.url}/mcp`;
  const session = await initialize(mcp, LATEST);

  const broken = new AbortController();
  const call = await fetch(mcp, {
    method: 'POST',
    headers: headers(LATEST, session),
    signal: broken.signal,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'alpha__slow', arguments: { ms: 1500 } } }),
  });
  assert.equal(call.status, 200);
  assert.match(call.headers.get('content-type') ?? '', /text\/event-stream/);
  // The priming event comes first: an id, the retry interval, empty data.
  const priming = await readUntil(call.body!.getReader(), (text) => text.includes('\n\n'));
  const match = /^id: (\S+)\nretry: 1000\ndata: \n\n$/.exec(priming);
  assert.ok(match, `not a priming event: ${JSON.stringify(priming)}`);
  broken.abort();

  // Another session cannot use that id: event ids belong to their session.
  const stranger = await initialize(mcp, LATEST);
  const refused = await fetch(mcp, { headers: headers(LATEST, stranger, { 'last-event-id': match[1]! }) });
  assert.equal(refused.status, 400);
  await refused.text();

  const resumed = await fetch(mcp, { headers: headers(LATEST, session, { 'last-event-id': match[1]! }) });
  assert.equal(resumed.status, 200);
  assert.match(resumed.headers.get('content-type') ?? '', /text\/event-stream/);
  // The result arrives on the resumed stream, which then ends: the call is done.
  const replayed = await readAll(resumed.body!.getReader());
  assert.match(replayed, /^event: message\nid: \S+\ndata: .*"slept 1500 ms"/m);
});

test('a stream that switched for progress, broken after the first event, replays what was missed and ends', async (t) => {
  const gw = await startGateway(t, {
    version: 1,
    servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'progress']) },
  });
  await waitReady(gw.url, ['alpha']);
  const mcp = `${gw.url}/mcp`;
  const session = await initialize(mcp, LATEST);

  const broken = new AbortController();
  const call = await fetch(mcp, {
    method: 'POST',
    headers: headers(LATEST, session),
    signal: broken.signal,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'alpha__progress', arguments: { steps: 3, intervalMs: 300 }, _meta: { progressToken: 'p' } },
    }),
  });
  const first = await readUntil(call.body!.getReader(), (text) => /"progress":1/.test(text) && text.endsWith('\n\n'));
  broken.abort();
  const ids = [...first.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]!);
  assert.equal(ids.length, 2, `priming and the first progress: ${JSON.stringify(first)}`);

  const resumed = await fetch(mcp, { headers: headers(LATEST, session, { 'last-event-id': ids[1]! }) });
  assert.equal(resumed.status, 200);
  const rest = await readAll(resumed.body!.getReader());
  assert.doesNotMatch(rest, /"progress":1\b/, 'what the client had is not sent again');
  assert.match(rest, /"progress":2[\s\S]*"progress":3[\s\S]*"done 3 steps"/);
});

test('clients before 2025-11-25 get no priming event (they cannot parse empty data)', async (t) => {
  const gw = await startGateway(t, {
    version: 1,
    servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'progress']) },
  });
  await waitReady(gw.url, ['alpha']);
  const mcp = `${gw.url}/mcp`;
  const session = await initialize(mcp, '2025-06-18');
  const call = await fetch(mcp, {
    method: 'POST',
    headers: headers('2025-06-18', session),
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'alpha__progress', arguments: { steps: 2 }, _meta: { progressToken: 'p' } },
    }),
  });
  const body = await call.text();
  assert.match(body, /^event: message\nid: \S+\ndata: \{.*"notifications\/progress"/);
  assert.match(body, /^event: message\nid: \S+\ndata: \{.*"id":1/m);
  assert.doesNotMatch(body, /^data: $/m);
});
