// Issue 14, items 3, 4, 10 and 11, each reproduced with real sockets and processes:
// - a client that stops reading its stream while a chatty server floods it: the daemon drops
//   that stream instead of buffering without limit, and keeps serving;
// - sessions without limit: a cap per profile and in all (503 with Retry-After), and servers
//   with isolation: session started on first use, not at initialize;
// - a bearer token revoked by a reload keeps no open stream;
// - duplicate JSON-RPC ids: refused within a batch and while in flight, everything else answered.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { test } from 'node:test';
import { connect, fixtureServer, liveProcesses, startGateway, waitReady } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function initialize(url: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...HEADERS, ...headers },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  await response.text();
  const id = response.headers.get('mcp-session-id')!;
  await fetch(url, {
    method: 'POST',
    headers: { ...HEADERS, ...headers, 'mcp-session-id': id },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  return id;
}

function post(url: string, session: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { ...HEADERS, ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify(body),
  });
}

/** A GET stream on a raw socket that reads nothing after its headers (a client that stopped reading). */
function stalledStream(
  url: string,
  session: string,
  headers: Record<string, string> = {},
): Promise<{ socket: Socket; closed: Promise<void> }> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(Number(port), hostname, () => {
      const extra = Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.write(
        `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\nMcp-Session-Id: ${session}\r\nMcp-Protocol-Version: 2025-11-25\r\n${extra}\r\n`,
      );
    });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('data', (chunk) => {
      if (!chunk.toString().startsWith('HTTP/1.1 200')) reject(new Error(`GET stream refused: ${chunk.toString().split('\r\n')[0]}`));
      socket.pause(); // and never read again
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

/**
 * A tools/call POSTed on a raw socket that reads nothing after the response's headers: a client
 * that stopped reading the stream its request's notifications arrive on.
 */
function stalledCall(url: string, headers: Record<string, string>, call: unknown): Promise<{ socket: Socket; closed: Promise<void> }> {
  const { hostname, port, pathname } = new URL(url);
  const body = JSON.stringify(call);
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(Number(port), hostname, () => {
      socket.write(
        `POST ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n` +
          `Accept: application/json, text/event-stream\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('data', (chunk) => {
      if (!chunk.toString().startsWith('HTTP/1.1 200')) reject(new Error(`call refused: ${chunk.toString().split('\r\n')[0]}`));
      socket.pause(); // and never read again
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

const FLOOD = { name: 'flood', arguments: { count: 20_000, size: 1000 } };

for (const era of ['2025-11-25', '2026-07-28'] as const) {
  test(
    `${era}: a client that stops reading its stream is dropped once a few MB are queued; the daemon keeps serving`,
    { timeout: 120_000 },
    async (t) => {
      const gw = await startGateway(t, {
        version: 1,
        servers: { chatty: fixtureServer('basic.ts', ['--name', 'chatty'], { prefix: false }) },
      });
      await waitReady(gw.url, ['chatty']);
      const url = `${gw.url}/mcp`;
      // 20 MB of log messages on the call's own stream: far past the cap (4 MB) plus the kernel's socket buffers.
      const stalled =
        era === '2025-11-25'
          ? await stalledCall(
              url,
              { 'mcp-session-id': await initialize(url), 'mcp-protocol-version': era },
              { jsonrpc: '2.0', id: 1, method: 'tools/call', params: FLOOD },
            )
          : await stalledCall(
              url,
              { 'mcp-protocol-version': era, 'mcp-method': 'tools/call', 'mcp-name': 'flood' },
              {
                jsonrpc: '2.0',
                id: 1,
                method: 'tools/call',
                params: {
                  ...FLOOD,
                  _meta: {
                    'io.modelcontextprotocol/protocolVersion': era,
                    'io.modelcontextprotocol/clientCapabilities': {},
                    'io.modelcontextprotocol/logLevel': 'info',
                  },
                },
              },
            );
      t.after(() => stalled.socket.destroy());
      // The headers came with the first notification: the call is under way.
      await waitFor(async () => (await gw.daemon.inflightCount()) === 0, 'the flood to end', 90_000);
      // Reading again gets what the daemon kept for this connection: the stream ends without the
      // call's result (at 2025-11-25 the client would resume with Last-Event-ID; at 2026-07-28
      // the drop cancelled the call), far short of the 20 MB.
      let received = 0;
      let tail = '';
      stalled.socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        tail = (tail + chunk.toString()).slice(-4096);
      });
      stalled.socket.resume();
      await stalled.closed;
      assert.ok(received < 12 * 1024 * 1024, `${Math.round(received / 1024 / 1024)} MB reached the client`);
      assert.ok(!tail.includes('sent 20000'), 'the result was not written to the dropped stream');
      const caller = await connect(t, gw.url);
      assert.equal(
        ((await caller.callTool({ name: 'echo', arguments: { text: 'still here' } })).structuredContent as { text: string }).text,
        'still here',
      );
      // The gateway runs in this process: its memory is ours.
      const rss = process.memoryUsage().rss;
      assert.ok(rss < 512 * 1024 * 1024, `RSS stays bounded (${Math.round(rss / 1024 / 1024)} MB)`);
    },
  );
}

test(
  'sessions are capped per profile (503 with Retry-After); isolation: session servers start on first use',
  { timeout: 120_000 },
  async (t) => {
    const gw = await startGateway(t, {
      version: 1,
      gateway: { maxSessionsPerProfile: 2 },
      servers: { own: fixtureServer('basic.ts', ['--name', 'own-fixture-lazy'], { isolation: 'session' }) },
    });
    const url = `${gw.url}/mcp`;
    const fixtures = () => liveProcesses().filter((p) => (readCmd(p.pid) ?? '').includes('own-fixture-lazy')).length;
    const first = await initialize(url);
    await initialize(url);
    assert.equal(fixtures(), 0, 'initialize alone starts no process');
    const third = await fetch(url, {
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    assert.equal(third.status, 503);
    assert.ok(Number(third.headers.get('retry-after')) > 0, 'Retry-After');
    assert.equal(((await third.json()) as { error: { data: { code: string } } }).error.data.code, 'MCPGW_E_HTTP_TOO_MANY_SESSIONS');
    // The first use of the profile's tools starts the session's own server, and waits for it.
    const listed = (await (await post(url, first, { jsonrpc: '2.0', id: 1, method: 'tools/list' })).json()) as {
      result: { tools: Array<{ name: string }> };
    };
    assert.ok(
      listed.result.tools.some((tool) => tool.name === 'own__echo'),
      JSON.stringify(listed.result.tools.map((tool) => tool.name)),
    );
    assert.equal(fixtures(), 1, "the session's own server started on first use");
  },
);

function readCmd(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

test(
  'a bearer token revoked by a reload closes the streams it opened; the session is refused to any other token',
  { timeout: 60_000 },
  async (t) => {
    const keep = 'a-bearer-token-that-stays-0123456789abcdef';
    const revoke = 'a-bearer-token-revoked-soon-0123456789abcd';
    const config = (tokens: string[]) => ({
      version: 1,
      gateway: { auth: { bearerTokens: tokens } },
      servers: { s: fixtureServer('basic.ts', ['--name', 's'], { prefix: false }) },
    });
    const gw = await startGateway(t, config([keep, revoke]));
    await waitFor(() => gw.daemon.status().servers.s?.state === 'ready', 'the server to be ready');
    const url = `${gw.url}/mcp`;
    const auth = { authorization: `Bearer ${revoke}` };
    const session = await initialize(url, auth);
    const other = await post(url, session, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { authorization: `Bearer ${keep}` });
    assert.equal(other.status, 404, "another token cannot use this session's id");
    const stream = await stalledStream(url, session, auth);
    t.after(() => stream.socket.destroy());
    stream.socket.resume(); // reads on, so that the server's end of the stream is seen
    gw.writeConfig(config([keep]));
    await stream.closed;
    const after = await post(url, session, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, auth);
    assert.equal(after.status, 401);
  },
);

test('duplicate request ids: refused in a batch and while in flight; everything else is answered', { timeout: 60_000 }, async (t) => {
  const gw = await startGateway(t, { version: 1, servers: { s: fixtureServer('basic.ts', ['--name', 's'], { prefix: false }) } });
  await waitReady(gw.url, ['s']);
  const url = `${gw.url}/mcp`;
  const session = await initialize(url);
  const batch = await post(url, session, [
    { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'echo', arguments: { text: 'one' } } },
    { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'echo', arguments: { text: 'two' } } },
    { jsonrpc: '2.0', id: 6, method: 'tools/list' },
  ]);
  const answers = (await batch.json()) as Array<{ id: unknown; result?: unknown; error?: { code: number } }>;
  assert.equal(answers.length, 3, 'an answer per request, in valid JSON');
  assert.deepEqual(
    answers.filter((a) => a.error).map((a) => [a.id, a.error!.code]),
    [[null, -32600]],
  );
  assert.deepEqual(
    answers
      .filter((a) => a.result)
      .map((a) => a.id)
      .sort(),
    [5, 6],
  );

  // A second request with the id of one still in flight.
  const slow = post(url, session, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'slow', arguments: { ms: 1500 } } });
  await waitFor(async () => (await gw.daemon.inflightCount()) > 0, 'the slow call to be in flight');
  const again = await post(url, session, { jsonrpc: '2.0', id: 9, method: 'tools/list' });
  const refused = (await again.json()) as { id: unknown; error?: { code: number } };
  assert.deepEqual([refused.id, refused.error?.code], [null, -32600]);
  const first = (await (await slow).json()) as { id: unknown; result?: unknown };
  assert.equal(first.id, 9, 'the first request is still answered');
  assert.ok(first.result);
});
