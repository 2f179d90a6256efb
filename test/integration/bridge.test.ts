// The bridge matrix of SPEC section 9 (issue 13, item 3): a 2025-era client (SDK v1) and a
// 2026-07-28 client (SDK v2, pinned), each against a 2025-era server (the SDK v1 `basic`
// fixture) and a 2026-07-28 server (the SDK v2 dual-era fixture, spoken to in its newest
// revision), each server over stdio and over HTTP: eight combinations, one feature list.
// What a server asks (sampling, elicitation, roots) reaches each client its own way: a request
// on the 2025-era session, an InputRequiredResult for the 2026-07-28 client (answered by the SDK
// client's handlers, which retry), whichever way the server asked.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { FIXTURES, startFixture } from '../../scripts/conformance.js';
import { fixtureServer, startGateway, startHttpFixture, tempDir, waitReady } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

type Args = Record<string, unknown>;

/** What each kind of server calls its features. */
interface ServerKind {
  readonly era: '2025-11-25' | '2026-07-28';
  readonly echo: { readonly name: string; readonly meta: Record<string, unknown> };
  readonly progress: [string, Args];
  readonly sample: string;
  readonly elicit: string;
  readonly roots: string;
  readonly slow: string;
  readonly toolsChanged: [string, Args];
  readonly watched: { readonly uri: string; readonly trigger: string };
  readonly prompt: {
    readonly name: string;
    readonly args: Args;
    readonly arg: string;
    readonly typed: string;
    readonly completes: string[];
  };
  readonly staticUri: string;
  readonly templateUri: string;
  readonly missingUri: string;
}

const LEGACY_SERVER: ServerKind = {
  era: '2025-11-25',
  echo: { name: 'echo', meta: { 'fixture/server': 'legacy' } },
  progress: ['progress', { steps: 3 }],
  sample: 'sample',
  elicit: 'elicit',
  roots: 'roots',
  slow: 'slow',
  toolsChanged: ['add_tool', {}],
  watched: { uri: 'fixture://legacy/counter', trigger: 'touch_resource' },
  prompt: { name: 'greet', args: { name: 'bob' }, arg: 'name', typed: 'al', completes: ['alice', 'alfred'] },
  staticUri: 'fixture://legacy/static',
  templateUri: 'fixture://legacy/items/42',
  missingUri: 'fixture://legacy/nothing-here',
};

const MODERN_SERVER: ServerKind = {
  era: '2026-07-28',
  echo: { name: 'test_structured', meta: { 'fixture/server': 'conformance-v2' } },
  progress: ['test_tool_with_progress', {}],
  sample: 'test_sampling',
  elicit: 'test_elicitation',
  roots: 'test_input_required_result_list_roots',
  slow: 'test_slow',
  toolsChanged: ['test_trigger_tool_change', {}],
  watched: { uri: 'test://watched-resource', trigger: 'test_trigger_resource_update' },
  prompt: {
    name: 'test_prompt_with_arguments',
    args: { arg1: 'a', arg2: 'b' },
    arg: 'arg1',
    typed: 'pa',
    completes: ['paris', 'park', 'party'],
  },
  staticUri: 'test://static-text',
  templateUri: 'test://template/7/data',
  missingUri: 'test://nothing-here',
};

const SAMPLED = 'the client sampled this';
const ROOT_URI = 'file:///tmp/bridge-root';

/** An elicitation answer that fills every string field the server asked for. */
function fill(params: { requestedSchema?: { properties?: Record<string, { type?: string }> } }): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(params.requestedSchema?.properties ?? {}))
    content[key] = prop.type === 'boolean' ? true : `${key}-value`;
  return content;
}

/** What the test needs of either SDK's client. */
interface Probe {
  readonly era: '2025-11-25' | '2026-07-28';
  listTools(): Promise<string[]>;
  call(name: string, args: Args, options?: { onprogress?: () => void; signal?: AbortSignal }): Promise<Record<string, unknown>>;
  getPrompt(name: string, args: Args): Promise<Record<string, unknown>>;
  complete(prompt: string, arg: string, value: string): Promise<string[]>;
  read(uri: string): Promise<Record<string, unknown>>;
  /** Subscribes to list changes and a URI's updates; resolves once the subscription stands. */
  watch(uri: string, seen: string[]): Promise<void>;
  close(): Promise<void>;
}

async function legacyClient(url: string): Promise<Probe> {
  const client = new Client(
    { name: 'legacy-client', version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } } },
  );
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    role: 'assistant',
    model: 'm',
    content: { type: 'text', text: SAMPLED },
  }));
  client.setRequestHandler(ElicitRequestSchema, async (r) => ({ action: 'accept', content: fill(r.params as never) as never }));
  client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: ROOT_URI, name: 'bridge' }] }));
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return {
    era: '2025-11-25',
    listTools: async () => (await client.listTools()).tools.map((t) => t.name),
    call: async (name, args, options) =>
      (await client.callTool({ name, arguments: args }, undefined, {
        onprogress: options?.onprogress,
        signal: options?.signal,
        timeout: 30_000,
      })) as Record<string, unknown>,
    getPrompt: async (name, args) =>
      (await client.getPrompt({ name, arguments: args as Record<string, string> })) as Record<string, unknown>,
    complete: async (prompt, arg, value) =>
      (await client.complete({ ref: { type: 'ref/prompt', name: prompt }, argument: { name: arg, value } })).completion.values,
    read: async (uri) => (await client.readResource({ uri })) as Record<string, unknown>,
    watch: async (uri, seen) => {
      client.setNotificationHandler(ToolListChangedNotificationSchema, async () => void seen.push('tools'));
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => void seen.push(n.params.uri));
      await client.subscribeResource({ uri });
    },
    close: () => client.close(),
  };
}

async function modernClient(url: string): Promise<Probe> {
  const client = new ClientV2(
    { name: 'modern-client', version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: {}, roots: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  client.setRequestHandler('sampling/createMessage', async () => ({
    role: 'assistant',
    model: 'm',
    content: { type: 'text', text: SAMPLED },
  }));
  client.setRequestHandler('elicitation/create', async (r) => ({ action: 'accept', content: fill(r.params as never) as never }));
  client.setRequestHandler('roots/list', async () => ({ roots: [{ uri: ROOT_URI, name: 'bridge' }] }));
  await client.connect(new HttpV2(new URL(url)));
  let subscription: { close(): Promise<void> } | undefined;
  return {
    era: '2026-07-28',
    listTools: async () => (await client.listTools()).tools.map((t) => t.name),
    call: async (name, args, options) =>
      (await client.callTool(
        { name, arguments: args },
        { onprogress: options?.onprogress, signal: options?.signal, timeout: 30_000 },
      )) as Record<string, unknown>,
    getPrompt: async (name, args) =>
      (await client.getPrompt({ name, arguments: args as Record<string, string> })) as Record<string, unknown>,
    complete: async (prompt, arg, value) =>
      (await client.complete({ ref: { type: 'ref/prompt', name: prompt }, argument: { name: arg, value } })).completion.values,
    read: async (uri) => (await client.readResource({ uri }, { cacheMode: 'bypass' })) as Record<string, unknown>,
    watch: async (uri, seen) => {
      client.setNotificationHandler('notifications/tools/list_changed', async () => void seen.push('tools'));
      client.setNotificationHandler('notifications/resources/updated', async (n) => void seen.push(n.params.uri));
      subscription = await client.listen({ toolsListChanged: true, resourceSubscriptions: [uri] });
    },
    close: async () => {
      await subscription?.close().catch(() => undefined);
      await client.close();
    },
  };
}

const textOf = (r: Record<string, unknown>) => ((r.content as Array<{ text?: string }>)[0]?.text ?? '') as string;

async function errorOf(promise: Promise<unknown>): Promise<{ code: number; message: string; data?: unknown }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err && typeof (err as { code?: unknown }).code === 'number', `expected a JSON-RPC error, got ${String(err)}`);
  return err as { code: number; message: string; data?: unknown };
}

/** How many events of a kind (started, cancelled) the fixtures have reported. */
function eventCount(file: string, event: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"event":"${event}"`)).length;
}

/** The feature list, for one client against one server. */
async function exercise(t: TestContext, probe: Probe, kind: ServerKind, events: string): Promise<void> {
  const label = `${probe.era} client, ${kind.era} server`;
  const tools = await probe.listTools();
  for (const name of [kind.echo.name, kind.sample, kind.elicit, kind.roots, kind.slow])
    assert.ok(tools.includes(name), `${label}: ${name} listed`);

  // Results pass through unchanged: structuredContent and the server's own _meta.
  const echo = await probe.call(kind.echo.name, { text: 'hi' });
  assert.deepEqual(echo.structuredContent, { text: 'hi' }, `${label}: structuredContent`);
  for (const [k, v] of Object.entries(kind.echo.meta)) assert.equal((echo._meta as Args)?.[k], v, `${label}: result _meta`);

  // Progress, with the caller's token.
  let progressed = 0;
  await probe.call(kind.progress[0], kind.progress[1], { onprogress: () => void progressed++ });
  assert.ok(progressed >= 1, `${label}: progress notifications reach the client (${progressed})`);

  // What the server asks: sampling, elicitation, roots.
  assert.match(textOf(await probe.call(kind.sample, { prompt: 'q' })), new RegExp(SAMPLED), `${label}: sampling`);
  assert.match(textOf(await probe.call(kind.elicit, { message: 'who?' })), /accept/, `${label}: elicitation`);
  assert.match(textOf(await probe.call(kind.roots, {})), new RegExp(ROOT_URI.replaceAll('/', '\\/')), `${label}: roots`);

  // Prompts, completion, resources, templates.
  const prompt = await probe.getPrompt(kind.prompt.name, kind.prompt.args);
  assert.ok(Array.isArray(prompt.messages) && (prompt.messages as unknown[]).length > 0, `${label}: prompts/get`);
  assert.deepEqual(
    await probe.complete(kind.prompt.name, kind.prompt.arg, kind.prompt.typed),
    kind.prompt.completes,
    `${label}: completion`,
  );
  assert.ok(((await probe.read(kind.staticUri)).contents as unknown[]).length > 0, `${label}: resources/read`);
  assert.ok(((await probe.read(kind.templateUri)).contents as unknown[]).length > 0, `${label}: a templated resource`);

  // Errors pass through; "resource not found" takes the client's revision's code.
  const unknown = await errorOf(probe.call('no_such_tool', {}));
  assert.equal(unknown.code, -32602, `${label}: unknown tool`);
  const missing = await errorOf(probe.read(kind.missingUri));
  assert.equal(missing.code, probe.era === '2026-07-28' ? -32602 : -32002, `${label}: resource not found`);

  // Cancellation reaches the server.
  const [started, cancelled] = [eventCount(events, 'started'), eventCount(events, 'cancelled')];
  const abort = new AbortController();
  const slow = probe.call(kind.slow, { ms: 30_000 }, { signal: abort.signal });
  slow.catch(() => undefined);
  await waitFor(() => eventCount(events, 'started') > started, `${label}: the slow call to start`);
  abort.abort();
  await waitFor(() => eventCount(events, 'cancelled') > cancelled, `${label}: the server to see the cancellation`);

  // List changes and resource updates.
  const seen: string[] = [];
  await probe.watch(kind.watched.uri, seen);
  await probe.call(kind.toolsChanged[0], {
    ...kind.toolsChanged[1],
    ...(kind.toolsChanged[0] === 'add_tool' ? { name: `added_${Date.now()}` } : {}),
  });
  await waitFor(() => seen.includes('tools'), `${label}: tools/list_changed`);
  await probe.call(kind.watched.trigger, {});
  await waitFor(() => seen.includes(kind.watched.uri), `${label}: resources/updated`);
  t.diagnostic(`${label}: every feature`);
}

test(
  'bridge matrix: 2025-era and 2026-07-28 clients against 2025-era and 2026-07-28 servers, over stdio and HTTP',
  { timeout: 300_000 },
  async (t) => {
    const dir = tempDir(t, 'mcpgw-bridge-');
    const events = join(dir, 'events.jsonl');
    const legacyHttp = await startHttpFixture(t, ['--name', 'legacy', '--events', events]);
    const modernHttp = startFixture({ file: FIXTURES.v2, stderr: 'pipe', env: { FIXTURE_EVENTS: events } });
    t.after(() => modernHttp.stop());
    const gw = await startGateway(t, {
      version: 1,
      servers: {
        legacyStdio: fixtureServer('basic.ts', ['--name', 'legacy', '--events', events], { prefix: false }),
        legacyHttp: { url: legacyHttp.url, prefix: false },
        modernStdio: fixtureServer('conformance-v2.ts', ['--stdio'], { prefix: false, env: { FIXTURE_EVENTS: events } }),
        modernHttp: { url: await modernHttp.url, prefix: false },
      },
      profiles: Object.fromEntries(['legacyStdio', 'legacyHttp', 'modernStdio', 'modernHttp'].map((s) => [s, { servers: [s] }])),
    });
    const status = await waitReady(gw.url, ['legacyStdio', 'legacyHttp', 'modernStdio', 'modernHttp']);
    assert.equal(status.servers.legacyStdio.protocol, '2025-11-25');
    assert.equal(status.servers.legacyHttp.protocol, '2025-11-25');
    assert.equal(status.servers.modernStdio.protocol, '2026-07-28');
    assert.equal(status.servers.modernHttp.protocol, '2026-07-28');

    for (const [profile, kind] of [
      ['legacyStdio', LEGACY_SERVER],
      ['legacyHttp', LEGACY_SERVER],
      ['modernStdio', MODERN_SERVER],
      ['modernHttp', MODERN_SERVER],
    ] as const) {
      for (const open of [legacyClient, modernClient]) {
        const probe = await open(`${gw.url}/mcp/${profile}`);
        try {
          await exercise(t, probe, kind, events);
        } finally {
          await probe.close();
        }
      }
    }
  },
);

/** One raw 2026-07-28 request: the headers and `_meta` envelope the revision asks for. */
async function modernRequest(
  url: string,
  method: string,
  params: Args,
  extra: { headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Args }> {
  const name = method === 'resources/read' ? params.uri : params.name;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(typeof name === 'string' ? { 'mcp-name': name } : {}),
      ...extra.headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': { sampling: {}, elicitation: {} },
          ...(params._meta as Args | undefined),
        },
      },
    }),
  });
  const text = await response.text();
  const json = text.startsWith('event:')
    ? JSON.parse(
        text
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .at(-1)!
          .slice(6),
      )
    : JSON.parse(text);
  return { status: response.status, body: json as Args };
}

test(
  '2026-07-28 clients: sealed requestState (tampered, replayed, or for another request: refused), caching hints, traceparent passed on',
  { timeout: 120_000 },
  async (t) => {
    const gw = await startGateway(t, {
      version: 1,
      servers: {
        legacy: fixtureServer('basic.ts', ['--name', 'legacy'], { prefix: false }),
        modern: fixtureServer('conformance-v2.ts', ['--stdio'], { prefix: false }),
      },
      profiles: { legacy: { servers: ['legacy'] }, modern: { servers: ['modern'] }, both: { servers: ['legacy', 'modern'] } },
    });
    await waitReady(gw.url, ['legacy', 'modern']);

    for (const [profile, tool] of [
      ['legacy', 'sample'],
      ['modern', 'test_sampling'],
    ] as const) {
      const url = `${gw.url}/mcp/${profile}`;
      const first = await modernRequest(url, 'tools/call', { name: tool, arguments: { prompt: 'q' } });
      const result = first.body.result as Args;
      assert.equal(result.resultType, 'input_required', `${profile}: the server's question is an InputRequiredResult`);
      const [key, request] = Object.entries(result.inputRequests as Record<string, { method: string }>)[0]!;
      assert.equal(request.method, 'sampling/createMessage');
      const state = result.requestState as string;
      assert.ok(typeof state === 'string' && state.length > 20, `${profile}: a sealed requestState`);
      const answer = { [key]: { role: 'assistant', model: 'm', content: { type: 'text', text: SAMPLED } } };

      // Tampered: one character changed.
      const flipped = state.slice(0, 10) + (state[10] === 'A' ? 'B' : 'A') + state.slice(11);
      const tampered = await modernRequest(url, 'tools/call', {
        name: tool,
        arguments: { prompt: 'q' },
        inputResponses: answer,
        requestState: flipped,
      });
      assert.equal((tampered.body.error as Args)?.code, -32602, `${profile}: a tampered requestState is refused`);
      // Issued for another request: the same state on another tool.
      const other = await modernRequest(url, 'tools/call', {
        name: profile === 'legacy' ? 'echo' : 'test_simple_text',
        arguments: { text: 'x' },
        inputResponses: answer,
        requestState: state,
      });
      assert.equal((other.body.error as Args)?.code, -32602, `${profile}: a requestState on another request is refused`);
      // The right retry completes the original call; the same state again is a replay.
      const done = await modernRequest(url, 'tools/call', {
        name: tool,
        arguments: { prompt: 'q' },
        inputResponses: answer,
        requestState: state,
      });
      assert.match(JSON.stringify(done.body.result), new RegExp(SAMPLED), `${profile}: the retry completes the call`);
      assert.equal((done.body.result as Args).resultType, 'complete');
      const replay = await modernRequest(url, 'tools/call', {
        name: tool,
        arguments: { prompt: 'q' },
        inputResponses: answer,
        requestState: state,
      });
      assert.equal((replay.body.error as Args)?.code, -32602, `${profile}: a replayed requestState is refused`);
    }

    // Caching hints merged conservatively: the modern member's lists are public for 60 s; a
    // resource the server marks private stays private and is passed on, never cached.
    const modernList = (await modernRequest(`${gw.url}/mcp/modern`, 'tools/list', {})).body.result as Args;
    assert.deepEqual([modernList.ttlMs, modernList.cacheScope, modernList.resultType], [60_000, 'public', 'complete']);
    assert.equal(((modernList._meta as Args)['io.modelcontextprotocol/serverInfo'] as Args).name, 'mcpgw');
    const watched = (await modernRequest(`${gw.url}/mcp/modern`, 'resources/read', { uri: 'test://watched-resource' })).body.result as Args;
    assert.deepEqual([watched.ttlMs, watched.cacheScope], [0, 'private']);
    const bothList = (await modernRequest(`${gw.url}/mcp/both`, 'tools/list', {})).body.result as Args;
    assert.ok(typeof bothList.ttlMs === 'number' && (bothList.ttlMs as number) <= 60_000, 'the shortest ttl of the members');

    // traceparent from the client (header or _meta) reaches the server in _meta.
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01';
    for (const how of ['header', '_meta'] as const) {
      const echoed = await modernRequest(
        `${gw.url}/mcp/modern`,
        'tools/call',
        { name: 'test_echo_meta', arguments: {}, ...(how === '_meta' ? { _meta: { traceparent } } : {}) },
        how === 'header' ? { headers: { traceparent } } : {},
      );
      const meta = ((echoed.body.result as Args).structuredContent as { meta: Args }).meta;
      assert.equal(meta.traceparent, traceparent, `traceparent from the ${how} reaches the server`);
    }
    t.diagnostic('sealed state, hints and traceparent hold for both kinds of server');
  },
);
