// JSON-first answers on the gateway's endpoint (SPEC section 7): a POST is answered with plain
// JSON when its responses are the first messages ready for it, and becomes an SSE stream only
// when progress, a log message or a server-to-client request comes first. Before, every answer
// was an SSE stream with a stored event (docs/performance.md).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fixtureServer, startGateway, tempDir, waitReady } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const LATEST = '2025-11-25';

interface Raw {
  readonly mcp: string;
  readonly session: string;
  post(body: unknown, version?: string): Promise<Response>;
}

/** A gateway with the basic fixture as `alpha` (given `args` too), and a raw session on /mcp at `version`. */
async function open(t: TestContext, tools: string, version = LATEST, args: string[] = []): Promise<Raw> {
  const gw = await startGateway(t, {
    version: 1,
    servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', tools, ...args]) },
  });
  await waitReady(gw.url, ['alpha']);
  const mcp = `${gw.url}/mcp`;
  const headers = (session?: string) => ({
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': version,
    ...(session ? { 'mcp-session-id': session } : {}),
  });
  const init = await fetch(mcp, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  assert.equal(init.headers.get('content-type'), 'application/json', 'initialize is answered with JSON too');
  const session = init.headers.get('mcp-session-id')!;
  assert.equal(((await init.json()) as { result: { protocolVersion: string } }).result.protocolVersion, version);
  const post = (body: unknown) => fetch(mcp, { method: 'POST', headers: headers(session), body: JSON.stringify(body) });
  assert.equal((await post({ jsonrpc: '2.0', method: 'notifications/initialized' })).status, 202);
  return { mcp, session, post };
}

/** The data of each SSE event with data, parsed; priming events (empty data) as null. */
function events(body: string): Array<Record<string, any> | null> {
  return body
    .split('\n\n')
    .filter((e) => e.trim() !== '')
    .map((e) => {
      const data = /^data: ?(.*)$/m.exec(e)?.[1] ?? '';
      return data === '' ? null : (JSON.parse(data) as Record<string, any>);
    });
}

const call = (id: number, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
});

test('a tools/call whose result comes first is answered as application/json', async (t) => {
  const raw = await open(t, 'echo');
  const res = await raw.post(call(1, 'alpha__echo', { text: 'plain' }));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.headers.get('mcp-session-id'), raw.session);
  const body = (await res.json()) as Record<string, any>;
  assert.equal(body.id, 1);
  assert.deepEqual(body.result.structuredContent, { text: 'plain' });
});

test('a call with progress becomes text/event-stream: priming event, the progress, then the result', async (t) => {
  const raw = await open(t, 'progress');
  const res = await raw.post(call(1, 'alpha__progress', { steps: 3 }, { progressToken: 'tok' }));
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const got = events(await res.text());
  assert.equal(got[0], null, 'the priming event comes first');
  assert.deepEqual(
    got.slice(1, 4).map((e) => [e?.method, e?.params.progressToken, e?.params.progress]),
    [
      ['notifications/progress', 'tok', 1],
      ['notifications/progress', 'tok', 2],
      ['notifications/progress', 'tok', 3],
    ],
  );
  assert.equal(got.length, 5);
  assert.equal(got[4]?.id, 1);
  assert.equal(got[4]?.result.structuredContent.steps, 3);
});

test('a log message during a call also makes it a stream, the log before the result', async (t) => {
  const raw = await open(t, 'log');
  const res = await raw.post(call(1, 'alpha__log', { levels: ['warning'] }));
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const got = events(await res.text()).filter((e) => e !== null);
  assert.deepEqual(
    got.map((e) => e.method ?? `result ${e.id}`),
    ['notifications/message', 'result 1'],
  );
});

test('a batch is answered with one JSON array once every request has its response', async (t) => {
  const raw = await open(t, 'echo,slow,progress', '2025-03-26');
  const res = await raw.post([
    call(1, 'alpha__slow', { ms: 300 }),
    { jsonrpc: '2.0', method: 'notifications/roots/list_changed' },
    call(2, 'alpha__echo', { text: 'fast' }),
  ]);
  assert.equal(res.headers.get('content-type'), 'application/json');
  const body = (await res.json()) as Array<Record<string, any>>;
  assert.deepEqual(
    body.map((r) => r.id),
    [1, 2],
    'in the order of the requests, not of the answers',
  );
  assert.match(JSON.stringify(body[0]!.result), /slept 300 ms/);

  // With progress for one of them, the whole POST becomes a stream carrying both responses.
  const streamed = await raw.post([call(3, 'alpha__echo', { text: 'x' }), call(4, 'alpha__progress', { steps: 1 }, { progressToken: 7 })]);
  assert.equal(streamed.headers.get('content-type'), 'text/event-stream');
  const got = events(await streamed.text());
  assert.deepEqual(
    got
      .filter((e) => e?.id !== undefined)
      .map((e) => e!.id)
      .sort(),
    [3, 4],
  );
  assert.ok(got.some((e) => e?.method === 'notifications/progress'));
});

test('the GET stream: priming event at 2025-11-25, one per session (409), resumable by its event id', async (t) => {
  const raw = await open(t, 'echo');
  const get = (extra: Record<string, string> = {}) =>
    fetch(raw.mcp, { headers: { accept: 'text/event-stream', 'mcp-session-id': raw.session, 'mcp-protocol-version': LATEST, ...extra } });
  const first = await get();
  assert.equal(first.headers.get('content-type'), 'text/event-stream');
  const reader = first.body!.getReader();
  const priming = new TextDecoder().decode((await reader.read()).value);
  const id = /^id: (\S+)\nretry: 1000\ndata: \n\n$/.exec(priming)?.[1];
  assert.ok(id, `not a priming event: ${JSON.stringify(priming)}`);
  const second = await get();
  assert.equal(second.status, 409);
  await second.text();
  // Resuming takes the stream over, even before the server has seen the old connection close.
  const resumed = await get({ 'last-event-id': id });
  assert.equal(resumed.status, 200);
  assert.equal((await reader.read()).done, true, 'the old connection was ended');
  await resumed.body!.cancel();
});

test('DELETE with a call in flight: the held POST gets a JSON-RPC error rather than no answer', async (t) => {
  const events = join(tempDir(t), 'events.jsonl');
  const raw = await open(t, 'slow', LATEST, ['--events', events]);
  const pending = raw.post(call(1, 'alpha__slow', { ms: 5000 }));
  // In flight: the upstream has started the call.
  await waitFor(() => existsSync(events) && readFileSync(events, 'utf8').includes('"started"'), 'the slow call to start upstream');
  const deleted = await fetch(raw.mcp, { method: 'DELETE', headers: { 'mcp-session-id': raw.session, 'mcp-protocol-version': LATEST } });
  assert.equal(deleted.status, 200);
  const res = await pending;
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.deepEqual(await res.json(), {
    jsonrpc: '2.0',
    id: 1,
    error: { code: -32000, message: 'Session closed', data: { code: 'MCPGW_E_SESSION_CLOSED' } },
  });
});
