// Resumable streams on the gateway's own endpoint (SEP-1699, MCP 2025-11-25). Before the
// gateway gave its session transports an event store, its SSE events had no ids: a client
// whose POST stream broke mid-call lost the result, and the conformance scenario
// server-sse-polling found no priming event and no retry field (docs/conformance.md).
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
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
  assert.equal(init.status, 200);
  const session = init.headers.get('mcp-session-id')!;
  await init.text();
  const done = await fetch(mcp, { method: 'POST', headers: headers(version, session), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  assert.equal(done.status, 202);
  return session;
}

/** Reads an SSE body until `until` holds for the text so far (or fails after 10 s); leaves the stream open. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: (text: string) => boolean): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  const timer = setTimeout(() => void reader.cancel(new Error('timed out')), 10_000);
  try {
    while (!until(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(timer);
  }
  return text;
}

test('a POST stream broken mid-call is resumed with GET + Last-Event-ID, and the result arrives', async (t) => {
  const gw = await startGateway(t, { version: 1, servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'slow,echo']) } });
  await waitReady(gw.url, ['alpha']);
  const mcp = `${gw.url}/mcp`;
  const session = await initialize(mcp, LATEST);

  const broken = new AbortController();
  const call = await fetch(mcp, {
    method: 'POST',
    headers: headers(LATEST, session),
    signal: broken.signal,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'alpha__slow', arguments: { ms: 700 } } }),
  });
  assert.equal(call.status, 200);
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
  const reader = resumed.body!.getReader();
  const replayed = await readUntil(reader, (text) => text.includes('"id":1'));
  await reader.cancel();
  assert.match(replayed, /^event: message\nid: \S+\ndata: .*"slept 700 ms"/m);
});

test('clients before 2025-11-25 get no priming event (they cannot parse empty data)', async (t) => {
  const gw = await startGateway(t, { version: 1, servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo']) } });
  await waitReady(gw.url, ['alpha']);
  const mcp = `${gw.url}/mcp`;
  const session = await initialize(mcp, '2025-06-18');
  const call = await fetch(mcp, {
    method: 'POST',
    headers: headers('2025-06-18', session),
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'alpha__echo', arguments: { text: 'hi' } } }),
  });
  const body = await call.text();
  assert.match(body, /^event: message\nid: \S+\ndata: \{.*"id":1/);
  assert.doesNotMatch(body, /^data: $/m);
});
