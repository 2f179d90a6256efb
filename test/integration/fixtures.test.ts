// Proves each fixture server in test/fixtures/servers works with a real SDK Client, over
// stdio and HTTP. Every process a test starts is stopped in `after`, even when the test fails.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ProgressNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type ClientCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { waitFor, within } from '../helpers/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (file: string) => join(root, 'test/fixtures/servers', file);

/** Whether `pid` runs; a zombie counts as gone (PID 1 here may never reap orphans). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .startsWith('Z');
  } catch {
    return false; // ps exits 1 when the pid is gone
  }
}

async function kill(pid: number | null | undefined) {
  if (!pid || !alive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await waitFor(() => !alive(pid), `pid ${pid} to exit`, 5_000);
}

class Output {
  text = '';
  constructor(stream: Readable | null | undefined) {
    stream?.setEncoding('utf8');
    stream?.on('data', (d: string) => (this.text += d));
  }
  waitFor(pattern: RegExp, timeoutMs = 15_000) {
    return waitFor(() => pattern.exec(this.text), `output matching ${pattern}`, timeoutMs);
  }
}

/** Starts processes and clients for one group of tests; `close()` stops all of them. */
class Lab {
  private cleanups: (() => Promise<void>)[] = [];

  defer(fn: () => Promise<void> | void) {
    this.cleanups.push(async () => fn());
  }

  async close() {
    const errors: unknown[] = [];
    for (const fn of this.cleanups.reverse()) await fn().catch((e) => errors.push(e));
    this.cleanups = [];
    if (errors.length) throw errors[0];
  }

  /** A Client connected to a stdio fixture (`node --import tsx FILE ARGS`). */
  async stdio(
    file: string,
    args: string[] = [],
    opts: { env?: Record<string, string>; capabilities?: ClientCapabilities; timeout?: number } = {},
  ) {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', fixture(file), ...args],
      cwd: root,
      env: { ...getDefaultEnvironment(), ...opts.env },
      stderr: 'pipe',
    });
    const stderr = new Output(transport.stderr as Readable);
    const client = new Client({ name: 'fixtures-test', version: '1.0.0' }, { capabilities: opts.capabilities ?? {} });
    // Registered before connect, which spawns: a failed connect still leaves a process to stop.
    let pid: number | null = null;
    this.defer(async () => {
      pid ??= transport.pid;
      if (pid && alive(pid)) await client.close().catch(() => {});
      await kill(pid);
    });
    const connected = client.connect(transport, opts.timeout ? { timeout: opts.timeout } : undefined);
    pid = transport.pid;
    await connected;
    return { client, transport, stderr, pid: transport.pid! };
  }

  /** A child process of our own (a fixture run with `node --import tsx`). */
  spawn(file: string, args: string[] = [], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture(file), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    this.defer(() => stopChild(child, exited));
    return { child, exited, stdout: new Output(child.stdout), stderr: new Output(child.stderr) };
  }

  /** An HTTP fixture: resolves its base URL once it prints `LISTENING <port>`. */
  async http(file: string, args: string[] = []) {
    const proc = this.spawn(file, args);
    const m = await Promise.race([
      proc.stdout.waitFor(/LISTENING (\d+)/),
      proc.exited.then(({ code }) => {
        throw new Error(`${file} exited (${code}) before listening: ${proc.stderr.text}`);
      }),
    ]);
    return { ...proc, base: `http://127.0.0.1:${m![1]}` };
  }
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const stopped = await within(exited, 'the child to stop after SIGTERM', 5_000).then(
    () => true,
    () => false,
  );
  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
  }
}

const textOf = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;

/**
 * Collects progress notifications for `token` with a handler of our own. Not `onprogress`:
 * SDK 1.x drops progress that arrives in the same chunk as the response (notifications are
 * dispatched in a microtask, the response synchronously retires the handler; SDK issue #2580).
 */
function collectProgress(client: Client, token: string) {
  const seen: number[] = [];
  client.setNotificationHandler(ProgressNotificationSchema, (n) => {
    if (n.params.progressToken === token) seen.push(n.params.progress);
  });
  return seen;
}

const serverToClient: ClientCapabilities = { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } };

function answerServerRequests(client: Client) {
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    const first = req.params.messages[0]?.content;
    const prompt = first && 'text' in first ? first.text : '?';
    return { role: 'assistant', content: { type: 'text', text: `answer to ${prompt}` }, model: 'test-model' };
  });
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada' } }));
  client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///tmp/project', name: 'project' }] }));
}

describe('basic.ts over stdio', () => {
  const lab = new Lab();
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-fixtures-'));
  const eventsFile = join(dir, 'events.jsonl');
  let c: Awaited<ReturnType<Lab['stdio']>>;
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });
  before(async () => {
    c = await lab.stdio('basic.ts', ['--name', 'alpha', '--extra-tools', '3', '--events', eventsFile], {
      env: { FIXTURE_TEST_VALUE: '42' },
      capabilities: serverToClient,
    });
    answerServerRequests(c.client);
  });

  test('identifies itself and lists its tools', async () => {
    assert.equal(c.client.getServerVersion()?.name, 'alpha');
    assert.equal(c.client.getInstructions(), 'The alpha fixture server.');
    const { tools } = await c.client.listTools();
    const names = tools.map((t) => t.name);
    for (const t of ['echo', 'add', 'slow', 'progress', 'sample', 'elicit', 'roots', 'log', 'add_tool', 'crash', 'env', 'touch_resource']) {
      assert.ok(names.includes(t), `missing tool ${t}`);
    }
    assert.deepEqual(
      names.filter((n) => n.startsWith('extra_')),
      ['extra_0000', 'extra_0001', 'extra_0002'],
    );
  });

  test('echo, add and env return content and structuredContent', async () => {
    const echo = await c.client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    assert.equal(textOf(echo), 'hi');
    assert.deepEqual(echo.structuredContent, { text: 'hi' });
    assert.deepEqual(echo._meta, { 'fixture/server': 'alpha' });
    const add = await c.client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    assert.deepEqual(add.structuredContent, { sum: 5 });
    const set = await c.client.callTool({ name: 'env', arguments: { name: 'FIXTURE_TEST_VALUE' } });
    assert.deepEqual(set.structuredContent, { name: 'FIXTURE_TEST_VALUE', value: '42' });
    const unset = await c.client.callTool({ name: 'env', arguments: { name: 'MCPGW_NOT_SET' } });
    assert.deepEqual(unset.structuredContent, { name: 'MCPGW_NOT_SET', value: null });
    await assert.rejects(c.client.callTool({ name: 'nope', arguments: {} }), {
      code: -32602,
      message: 'MCP error -32602: Unknown tool: nope',
    });
  });

  test('progress notifications reach the caller', async () => {
    const seen = collectProgress(c.client, 'p-stdio');
    await c.client.callTool({ name: 'progress', arguments: { steps: 3 }, _meta: { progressToken: 'p-stdio' } });
    await waitFor(() => seen.length === 3, 'three progress notifications');
    assert.deepEqual(seen, [1, 2, 3]);
  });

  test('sampling, elicitation and roots go to the client', async () => {
    const sample = await c.client.callTool({ name: 'sample', arguments: { prompt: 'ping' } });
    assert.equal(textOf(sample), 'answer to ping');
    const elicit = await c.client.callTool({ name: 'elicit', arguments: { message: 'who?' } });
    assert.deepEqual(elicit.structuredContent, { action: 'accept', content: { name: 'Ada' } });
    const roots = await c.client.callTool({ name: 'roots', arguments: {} });
    assert.deepEqual(roots.structuredContent, { roots: [{ uri: 'file:///tmp/project', name: 'project' }] });
  });

  test('log honours logging/setLevel', async () => {
    const levels: string[] = [];
    c.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void levels.push(n.params.level));
    await c.client.setLoggingLevel('warning');
    const r = await c.client.callTool({ name: 'log', arguments: {} });
    assert.deepEqual(r.structuredContent, { level: 'warning', sent: ['warning', 'error'] });
    await waitFor(() => levels.length === 2, 'two log notifications');
    assert.deepEqual(levels, ['warning', 'error']);
  });

  test('add_tool sends tools/list_changed', async () => {
    let changed = 0;
    c.client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    await c.client.callTool({ name: 'add_tool', arguments: { name: 'late' } });
    await waitFor(() => changed === 1, 'tools/list_changed');
    const { tools } = await c.client.listTools();
    assert.ok(tools.some((t) => t.name === 'late'));
    assert.equal(textOf(await c.client.callTool({ name: 'late', arguments: {} })), 'dynamic tool late of alpha');
  });

  test('prompts simple and greet, greet rendered with its argument, its argument completed', async () => {
    const { prompts } = await c.client.listPrompts();
    assert.deepEqual(
      prompts.map((p) => p.name),
      ['simple', 'greet'],
    );
    const greet = await c.client.getPrompt({ name: 'greet', arguments: { name: 'bob' } });
    assert.deepEqual(greet.messages[0].content, { type: 'text', text: 'Hello, bob! (from alpha)' });
    const done = await c.client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'name', value: 'al' } });
    assert.deepEqual(done.completion.values, ['alice', 'alfred']);
  });

  test('resources, templates, completion and subscriptions', async () => {
    const { resources } = await c.client.listResources();
    assert.deepEqual(
      resources.map((r) => r.uri),
      ['fixture://alpha/static', 'fixture://alpha/counter'],
    );
    const { resourceTemplates } = await c.client.listResourceTemplates();
    assert.equal(resourceTemplates[0].uriTemplate, 'fixture://alpha/items/{id}');
    const item = await c.client.readResource({ uri: 'fixture://alpha/items/42' });
    assert.deepEqual(item.contents[0], { uri: 'fixture://alpha/items/42', mimeType: 'text/plain', text: 'Item 42 of alpha.' });
    const ids = await c.client.complete({
      ref: { type: 'ref/resource', uri: 'fixture://alpha/items/{id}' },
      argument: { name: 'id', value: '4' },
    });
    assert.deepEqual(ids.completion.values, ['42']);
    // The client's McpError adds one `MCP error <code>:` prefix; the wire message is bare.
    await assert.rejects(c.client.readResource({ uri: 'fixture://alpha/nope' }), {
      code: -32002,
      message: 'MCP error -32002: Resource not found',
    });

    const updated: string[] = [];
    c.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
    await c.client.subscribeResource({ uri: 'fixture://alpha/counter' });
    const touch = await c.client.callTool({ name: 'touch_resource', arguments: {} });
    assert.deepEqual(touch.structuredContent, { uri: 'fixture://alpha/counter', version: 1, notified: 1 });
    await waitFor(() => updated.length === 1, 'resources/updated');
    const counter = await c.client.readResource({ uri: 'fixture://alpha/counter' });
    assert.equal((counter.contents[0] as { text: string }).text, 'version 1');
    await c.client.unsubscribeResource({ uri: 'fixture://alpha/counter' });
    const again = await c.client.callTool({ name: 'touch_resource', arguments: {} });
    assert.equal((again.structuredContent as { notified: number }).notified, 0);
  });

  test('slow honours cancellation and reports it', async () => {
    const abort = new AbortController();
    const call = c.client.callTool({ name: 'slow', arguments: { ms: 60_000 } }, undefined, { signal: abort.signal });
    await c.stderr.waitFor(/"event":"started","tool":"slow"/);
    abort.abort(new Error('test cancels'));
    await assert.rejects(call, /test cancels/);
    await c.stderr.waitFor(/"event":"cancelled","tool":"slow"/);
    await waitFor(() => existsSync(eventsFile) && readFileSync(eventsFile, 'utf8').includes('"cancelled"'), 'the events file');
  });
});

describe('basic.ts options from the environment, and crash', () => {
  const lab = new Lab();
  after(() => lab.close());

  test('FIXTURE_NAME and FIXTURE_TOOLS; crash ends the process', async () => {
    const { client, pid } = await lab.stdio('basic.ts', [], { env: { FIXTURE_NAME: 'beta', FIXTURE_TOOLS: 'echo,crash' } });
    assert.equal(client.getServerVersion()?.name, 'beta');
    assert.deepEqual(
      (await client.listTools()).tools.map((t) => t.name),
      ['echo', 'crash'],
    );
    let closed = false;
    client.onclose = () => (closed = true);
    await assert.rejects(client.callTool({ name: 'crash', arguments: {} }));
    await waitFor(() => closed && !alive(pid), 'the crashed server to be gone');
  });
});

describe('http.ts', () => {
  const lab = new Lab();
  after(() => lab.close());

  test('Streamable HTTP: tools, progress and sampling over a session', async () => {
    const server = await lab.http('http.ts', ['--name', 'web']);
    const client = new Client({ name: 'fixtures-test', version: '1.0.0' }, { capabilities: serverToClient });
    answerServerRequests(client);
    const transport = new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`));
    lab.defer(() => client.close());
    await client.connect(transport);
    assert.ok(transport.sessionId);
    assert.equal(client.getServerVersion()?.name, 'web');
    assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'over http' } })), 'over http');
    const seen = collectProgress(client, 'p-http');
    await client.callTool({ name: 'progress', arguments: { steps: 2 }, _meta: { progressToken: 'p-http' } });
    await waitFor(() => seen.length === 2, 'two progress notifications');
    assert.deepEqual(seen, [1, 2]);
    assert.equal(textOf(await client.callTool({ name: 'sample', arguments: { prompt: 'http' } })), 'answer to http');
    await transport.terminateSession();
  });

  test('--require-header answers 401 without the header', async () => {
    const server = await lab.http('http.ts', ['--require-header', 'X-Api-Key: secret']);
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    };
    const res = await fetch(`${server.base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-api-key': 'wrong' },
      body: JSON.stringify(init),
    });
    assert.equal(res.status, 401);
    await res.body?.cancel();
    const client = new Client({ name: 'fixtures-test', version: '1.0.0' });
    lab.defer(() => client.close());
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`), { requestInit: { headers: { 'X-Api-Key': 'secret' } } }),
    );
    assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'authorized' } })), 'authorized');
  });

  test('--sse serves the legacy HTTP+SSE transport', async () => {
    const server = await lab.http('http.ts', ['--sse', '--name', 'legacy']);
    const client = new Client({ name: 'fixtures-test', version: '1.0.0' });
    lab.defer(() => client.close());
    await client.connect(new SSEClientTransport(new URL(`${server.base}/sse`)));
    assert.equal(client.getServerVersion()?.name, 'legacy');
    assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'sse' } })), 'sse');
  });
});

describe('conformance-everything.ts', () => {
  const lab = new Lab();
  after(() => lab.close());

  test('over stdio: lists the conformance tools, json_schema_2020_12_tool among them, and answers test_simple_text', async () => {
    const { client } = await lab.stdio('conformance-everything.ts', ['--stdio']);
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'json_schema_2020_12_tool'));
    const r = await client.callTool({ name: 'test_simple_text', arguments: {} });
    assert.equal(textOf(r), 'This is a simple text response for testing.');
  });

  test('over HTTP: reads a templated resource and refuses a foreign Origin with 403', async () => {
    const server = await lab.http('conformance-everything.ts');
    const client = new Client({ name: 'fixtures-test', version: '1.0.0' });
    lab.defer(() => client.close());
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`)));
    const read = await client.readResource({ uri: 'test://template/7/data' });
    assert.match((read.contents[0] as { text: string }).text, /Data for ID: 7/);
    const res = await fetch(`${server.base}/mcp`, { method: 'POST', headers: { origin: 'http://evil.example.com' }, body: '{}' });
    assert.equal(res.status, 403);
    await res.body?.cancel();
  });
});

describe('misbehaving servers', () => {
  const lab = new Lab();
  after(() => lab.close());

  test('crash-on-start exits 1 with a message', async () => {
    const proc = lab.spawn('crash-on-start.ts');
    assert.deepEqual(await proc.exited, { code: 1, signal: null });
    assert.match(proc.stderr.text, /crash-on-start: fatal/);
  });

  test('never-initialize never answers initialize', async () => {
    const attempt = lab.stdio('never-initialize.ts', [], { timeout: 500 });
    await assert.rejects(attempt, /timed out/i);
  });

  test('ignore-sigterm survives SIGTERM and still answers', async () => {
    const { client, stderr, pid } = await lab.stdio('ignore-sigterm.ts');
    process.kill(pid, 'SIGTERM');
    await stderr.waitFor(/ignoring SIGTERM/);
    await client.ping();
    assert.ok(alive(pid));
    await kill(pid);
  });

  test('spawns-grandchild leaves its grandchild in its process group', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpgw-grandchild-'));
    const pidFile = join(dir, 'grandchild.pid');
    let grandchild = 0;
    lab.defer(async () => {
      await kill(grandchild);
      rmSync(dir, { recursive: true, force: true });
    });
    const { client, pid } = await lab.stdio('spawns-grandchild.ts', [], { env: { GRANDCHILD_PID_FILE: pidFile } });
    grandchild = Number(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8'), 'the pid file'));
    assert.ok(alive(grandchild));
    const pgid = (p: number) => execFileSync('ps', ['-o', 'pgid=', '-p', String(p)], { encoding: 'utf8' }).trim();
    assert.equal(pgid(grandchild), pgid(pid));
    assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'parent' } })), 'parent');
    // Closing the client ends the server only: the grandchild is left behind.
    await client.close();
    await waitFor(() => !alive(pid), 'the server to exit');
    assert.ok(alive(grandchild));
  });
});
