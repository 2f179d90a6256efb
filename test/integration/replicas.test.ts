// Sessions on any replica (SPEC section 11, issue 16 item 3): `mcpgw run` processes with one
// config and one gateway.sessionKey behind a round-robin balancer that sends each request to the
// next replica. A 2025-era session continues wherever its requests land (its state is sealed in
// its Mcp-Session-Id); a 2026-07-28 MRTR retry lands on another replica; a key rotation keeps
// sessions going, a dropped key makes clients initialize again; a killed replica costs only the
// calls in flight on it; forged, truncated and deleted ids get their 404s.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { stringify } from 'yaml';
import { FIXTURES, startFixture } from '../../scripts/conformance.js';
import { fixtureServer, tempDir, waitReady } from '../helpers/gateway.js';
import { spawnMcpgw, type McpgwChild } from '../helpers/mcpgw.js';
import { startRoundRobin, type RoundRobin } from '../helpers/round-robin.js';
import { waitFor } from '../helpers/wait.js';

const KEY_1 = 'first-session-key-0123456789abcdefghij';
const KEY_2 = 'second-session-key-0123456789abcdefghi';
const KEY_3 = 'third-session-key-0123456789abcdefghij';

interface Replica {
  readonly url: string;
  readonly run: McpgwChild;
}

/** A folder with gateway.yaml: a 2025-era stdio server and, when given, a 2026-07-28 HTTP one; the keys from the environment. */
function writeConfig(dir: string, modernUrl?: string, rotation = false): string {
  const path = join(dir, 'gateway.yaml');
  const config = {
    version: 1,
    gateway: {
      listen: '127.0.0.1:0',
      sessionKey: '$<env:MCPGW_SESSION_KEY>',
      ...(rotation ? { previousSessionKeys: ['$<env:MCPGW_OLD_SESSION_KEY>'] } : {}),
    },
    servers: {
      basic: fixtureServer('basic.ts', ['--name', 'basic'], { prefix: false }),
      ...(modernUrl ? { modern: { url: modernUrl, prefix: false } } : {}),
    },
    profiles: { legacy: { servers: ['basic'] }, ...(modernUrl ? { modern: { servers: ['modern'] } } : {}) },
  };
  writeFileSync(path, stringify(config));
  return path;
}

async function startReplica(t: TestContext, configPath: string, dataDir: string, keys: Record<string, string>): Promise<Replica> {
  const run = spawnMcpgw(t, ['run', '-c', configPath], {
    env: { ...process.env, MCPGW_WATCH: 'off', MCPGW_DATA_DIR: dataDir, ...keys },
  });
  const url = await run.listening();
  await waitReady(url, ['basic']);
  return { url, run };
}

async function startReplicas(t: TestContext, n: number, configPath: string, keys: Record<string, string>): Promise<Replica[]> {
  const dir = tempDir(t, 'mcpgw-replica-data-');
  return Promise.all(Array.from({ length: n }, (_, i) => startReplica(t, configPath, join(dir, `r${i}`), keys)));
}

async function legacyClient(t: TestContext, url: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'replica-client', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  t.after(() => client.close());
  return { client, transport };
}

async function echo(client: Client, text: string): Promise<void> {
  const result = await client.callTool({ name: 'echo', arguments: { text } });
  assert.deepEqual(result.structuredContent, { text });
}

/** A raw POST in a session (tools/list), straight to one replica: its status and the error's data.code. */
async function inSession(url: string, sessionId: string): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${url}/mcp/legacy`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-11-25',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} }),
  });
  const body = (await response.json()) as { error?: { data?: { code?: string } } };
  return { status: response.status, ...(body.error?.data?.code ? { code: body.error.data.code } : {}) };
}

/** The status of a GET resuming the session's stream after `lastEventId` (the stream is closed at once). */
async function resumeStatus(url: string, sessionId: string, lastEventId: string): Promise<number> {
  const abort = new AbortController();
  const response = await fetch(`${url}/mcp/legacy`, {
    headers: {
      accept: 'text/event-stream',
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-11-25',
      'last-event-id': lastEventId,
    },
    signal: abort.signal,
  });
  abort.abort();
  return response.status;
}

function perBackend(lb: RoundRobin, rpc: string): number[] {
  const counts: number[] = [];
  for (const e of lb.log) if (e.rpc.includes(rpc)) counts[e.backend] = (counts[e.backend] ?? 0) + 1;
  return counts;
}

function balance(t: TestContext, replicas: Replica[]): Promise<RoundRobin> {
  return startRoundRobin(
    t,
    replicas.map((r) => r.url),
  );
}

async function stop(replicas: Replica[]): Promise<void> {
  for (const r of replicas) r.run.child.kill('SIGTERM');
  await Promise.all(replicas.map((r) => r.run.exited));
}

test(
  'a 2025-era session on three replicas, every request to the next one: initialize once, tools/list and 50 calls',
  { timeout: 120_000 },
  async (t) => {
    const dir = tempDir(t, 'mcpgw-replicas-');
    const replicas = await startReplicas(t, 3, writeConfig(dir), { MCPGW_SESSION_KEY: KEY_1 });
    const lb = await balance(t, replicas);
    const { client, transport } = await legacyClient(t, `${lb.url}/mcp/legacy`);
    assert.ok((await client.listTools()).tools.some((tool) => tool.name === 'echo'));
    for (let i = 0; i < 50; i++) await echo(client, `call ${i}`);

    assert.equal(lb.initializes(), 1, 'no re-initialize');
    const calls = perBackend(lb, 'tools/call');
    assert.equal(calls.length, 3);
    for (const n of calls) assert.ok(n >= 10, `every replica served calls: ${calls.join(', ')}`);
    assert.deepEqual(
      lb.log.filter((e) => e.httpMethod === 'POST' && e.status !== 200 && e.status !== 202),
      [],
      'no POST failed',
    );
    // The id is sealed state, not a name one process keeps: header-safe and compact.
    assert.match(transport.sessionId!, /^[A-Za-z0-9_-]{100,600}$/);
  },
);

test('forged, truncated and deleted session ids; another replica has not heard of a DELETE', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t, 'mcpgw-replicas-');
  const [a, b] = await startReplicas(t, 2, writeConfig(dir), { MCPGW_SESSION_KEY: KEY_1 });
  const { transport } = await legacyClient(t, `${a!.url}/mcp/legacy`);
  const id = transport.sessionId!;
  assert.equal((await inSession(b!.url, id)).status, 200, 'the other replica takes the session up');

  const flipped = id.slice(0, 40) + (id[40] === 'A' ? 'B' : 'A') + id.slice(41);
  for (const bad of [flipped, id.slice(0, 60), id.slice(0, -2), '0a1b2c3d-0000-4000-8000-000000000000'])
    assert.deepEqual(await inSession(b!.url, bad), { status: 404, code: 'MCPGW_E_HTTP_SESSION_INVALID' }, bad.slice(0, 50));

  // A GET stream resumed on a replica that took the session up: that replica never had the
  // events, so the stream starts again rather than being refused; its home replica still refuses.
  assert.equal(await resumeStatus(b!.url, id, '_GET_stream#3'), 200);
  assert.equal(await resumeStatus(a!.url, id, '_GET_stream#999'), 400);

  await transport.terminateSession();
  assert.deepEqual(await inSession(a!.url, id), { status: 404, code: 'MCPGW_E_HTTP_SESSION_NOT_FOUND' }, 'deleted here');
  // Documented limit: without shared state the id still opens elsewhere, until gateway.sessionMaxAge.
  assert.equal((await inSession(b!.url, id)).status, 200, 'another replica');
});

test(
  'key rotation: the old key in previousSessionKeys keeps sessions going; a dropped key gets 404 and the client initializes again',
  { timeout: 180_000 },
  async (t) => {
    const dir = tempDir(t, 'mcpgw-replicas-');
    let replicas = await startReplicas(t, 2, writeConfig(dir), { MCPGW_SESSION_KEY: KEY_1 });
    const lb = await balance(t, replicas);
    const first = await legacyClient(t, `${lb.url}/mcp/legacy`);
    for (let i = 0; i < 4; i++) await echo(first.client, `before ${i}`);

    await stop(replicas);
    replicas = await startReplicas(t, 2, writeConfig(dir, undefined, true), { MCPGW_SESSION_KEY: KEY_2, MCPGW_OLD_SESSION_KEY: KEY_1 });
    lb.setBackends(replicas.map((r) => r.url));
    for (let i = 0; i < 4; i++) await echo(first.client, `rotated ${i}`);
    assert.equal(lb.initializes(), 1, 'the session sealed with the old key continued on restarted replicas');

    await stop(replicas);
    replicas = await startReplicas(t, 2, writeConfig(dir), { MCPGW_SESSION_KEY: KEY_3 });
    lb.setBackends(replicas.map((r) => r.url));
    const refused = await first.client.callTool({ name: 'echo', arguments: { text: 'x' } }).then(
      () => undefined,
      (err: { code?: number }) => err,
    );
    assert.equal(refused?.code, 404, 'an id sealed with a key no replica has: 404');
    assert.deepEqual(await inSession(replicas[0]!.url, first.transport.sessionId!), { status: 404, code: 'MCPGW_E_HTTP_SESSION_KEY' });
    const second = await legacyClient(t, `${lb.url}/mcp/legacy`);
    for (let i = 0; i < 4; i++) await echo(second.client, `again ${i}`);
    assert.equal(lb.initializes(), 2);
  },
);

test('killing one of three replicas mid-run costs only the calls in flight on it', { timeout: 180_000 }, async (t) => {
  const dir = tempDir(t, 'mcpgw-replicas-');
  const replicas = await startReplicas(t, 3, writeConfig(dir), { MCPGW_SESSION_KEY: KEY_1 });
  const lb = await balance(t, replicas);
  const clients = await Promise.all([0, 1, 2].map(() => legacyClient(t, `${lb.url}/mcp/legacy`)));
  let killed = false;
  let failed = 0;
  const afterKill = [0, 0, 0];
  const loops = clients.map(async ({ client }, n) => {
    for (let i = 0; afterKill[n]! < 20; i++) {
      try {
        await client.callTool({ name: 'slow', arguments: { ms: 50 } });
      } catch {
        failed++;
      }
      if (killed) afterKill[n]!++;
    }
  });
  // Wait until each client made some calls, then kill replica 1 while calls are on it.
  await waitFor(() => perBackend(lb, 'tools/call').reduce((a, b) => a + b, 0) >= 15, 'calls on every replica');
  const inflightAt = (seq: number) =>
    lb.log.filter((e) => e.backend === 1 && e.rpc.includes('tools/call') && e.seq <= seq && (e.endSeq === undefined || e.endSeq > seq));
  const killSeq = lb.seq;
  replicas[1]!.run.child.kill('SIGKILL');
  killed = true;
  await replicas[1]!.run.exited;
  const exitSeq = lb.seq;
  await Promise.all(loops);

  const lost = lb.log.filter((e) => e.rpc.includes('tools/call') && e.status === 502);
  const atRisk = new Set([...inflightAt(killSeq), ...lb.log.filter((e) => e.backend === 1 && e.seq > killSeq && e.seq <= exitSeq)]);
  t.diagnostic(`calls lost: ${failed}; in flight on the killed replica: ${atRisk.size}`);
  assert.equal(failed, lost.length, 'every failed call is one the balancer lost on a backend');
  for (const e of lost) assert.ok(atRisk.has(e), `call #${e.seq} failed, but was not in flight on the killed replica`);
  assert.equal(lb.initializes(), 3, 'no client initialized again');
});

test(
  "a 2026-07-28 MRTR retry lands on the other replica; a legacy server's waiting call says where it waits",
  { timeout: 120_000 },
  async (t) => {
    const dir = tempDir(t, 'mcpgw-replicas-');
    const modern = startFixture({ file: FIXTURES.v2, stderr: 'pipe' });
    t.after(() => modern.stop());
    const replicas = await startReplicas(t, 2, writeConfig(dir, await modern.url), { MCPGW_SESSION_KEY: KEY_1 });
    for (const r of replicas) await waitReady(r.url, ['basic', 'modern']);
    const lb = await balance(t, replicas);
    const open = async (profile: string) => {
      const client = new ClientV2(
        { name: 'modern-client', version: '1.0.0' },
        { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
      );
      client.setRequestHandler('elicitation/create', async (r) => {
        const content: Record<string, unknown> = {};
        const props = (r.params as { requestedSchema?: { properties?: Record<string, { type?: string }> } }).requestedSchema?.properties;
        for (const [key, prop] of Object.entries(props ?? {})) content[key] = prop.type === 'boolean' ? true : `${key}-value`;
        return { action: 'accept', content: content as never };
      });
      await client.connect(new HttpV2(new URL(`${lb.url}/mcp/${profile}`)));
      t.after(() => client.close());
      return client;
    };

    const client = await open('modern');
    const result = await client.callTool({ name: 'test_elicitation', arguments: { message: 'who?' } });
    assert.match(JSON.stringify(result.content), /accept/);
    const rounds = lb.log.filter((e) => e.rpc.includes('tools/call'));
    assert.equal(rounds.length, 2, 'the call and its retry');
    assert.notEqual(rounds[0]!.backend, rounds[1]!.backend, 'the retry went to the other replica');
    assert.equal(typeof (JSON.parse(rounds[1]!.body) as { params: { requestState?: unknown } }).params.requestState, 'string');

    // A 2025-era server's call waits in the replica that started it: a retry elsewhere is told so.
    const legacy = await open('legacy');
    const err = await legacy.callTool({ name: 'elicit', arguments: { message: 'who?' } }).then(
      () => undefined,
      (e: { code?: number; message?: string }) => e,
    );
    assert.equal(err?.code, -32602);
    assert.match(String(err?.message), /waiting on another gateway replica/);
  },
);
