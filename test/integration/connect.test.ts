// `mcpgw connect` (issue 9): an SDK client launches it as a stdio server and reaches the
// running daemon's profiles with every feature, through restarts and bearer tokens.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  McpError,
  ProgressNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { stringify } from 'yaml';
import { Daemon } from '../../src/daemon.js';
import { configureLog } from '../../src/log.js';
import { fixtureServer, ROOT, startGateway, tempDir, waitReady } from '../helpers/gateway.js';
import { startRelay } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const BIN = join(ROOT, 'bin/mcpgw.js');

async function launch(
  t: TestContext,
  args: string[],
  capabilities: Record<string, unknown> = {},
): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'connect', ...args],
    stderr: 'pipe',
    env: { ...process.env } as Record<string, string>,
  });
  let stderr = '';
  transport.stderr?.on('data', (d) => (stderr += d));
  const client = new Client({ name: 'stdio-client', version: '1.0.0' }, { capabilities });
  await client.connect(transport);
  t.after(() => client.close().catch(() => undefined));
  return { client, stderr: () => stderr };
}

test('lists and calls tools, with progress and sampling, through mcpgw connect', async (t) => {
  const gw = await startGateway(t, {
    version: 1,
    servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo,progress,sample']) },
  });
  await waitReady(gw.url, ['alpha']);
  const { client } = await launch(t, ['--url', gw.url], { sampling: {} });
  assert.equal(client.getServerVersion()?.name, 'mcpgw');
  assert.deepEqual((await client.listTools()).tools.map((x) => x.name).sort(), ['alpha__echo', 'alpha__progress', 'alpha__sample']);
  assert.deepEqual((await client.callTool({ name: 'alpha__echo', arguments: { text: 'via stdio' } })).structuredContent, {
    text: 'via stdio',
  });

  const progress: number[] = [];
  await client.callTool({ name: 'alpha__progress', arguments: { steps: 3 } }, undefined, {
    onprogress: (p) => void progress.push(p.progress),
  });
  assert.deepEqual(progress, [1, 2, 3]);
  // Also with our own token and handler (independent of the SDK's per-request handler).
  const raw: Array<string | number> = [];
  client.setNotificationHandler(ProgressNotificationSchema, (n) => void raw.push(n.params.progressToken));
  await client.request(
    { method: 'tools/call', params: { name: 'alpha__progress', arguments: { steps: 2 }, _meta: { progressToken: 'mine' } } },
    CallToolResultSchema,
  );
  await waitFor(() => raw.length === 2, 'two progress notifications');
  assert.deepEqual(raw, ['mine', 'mine']);

  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    role: 'assistant',
    model: 'stdio-model',
    content: { type: 'text', text: 'sampled over stdio' },
  }));
  const sampled = await client.callTool({ name: 'alpha__sample', arguments: { prompt: 'q' } });
  assert.equal((sampled.content as Array<{ text: string }>)[0]!.text, 'sampled over stdio');
});

test('survives a daemon restart: calls fail fast while it is down, then work again', async (t) => {
  const dir = tempDir(t);
  // The daemon's address stays the same across the restart: a relay the test holds (the
  // config's listen port, which connect reads), forwarding to wherever the daemon listens.
  const relay = await startRelay(t);
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(
    configPath,
    stringify({
      version: 1,
      gateway: { listen: `127.0.0.1:${relay.port}` },
      servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo']) },
    }),
  );
  configureLog({ level: 'warn', sink: { write: () => undefined } });
  let daemon = await Daemon.start({ configPath, version: 'test', watch: false, port: 0 });
  t.after(() => daemon.close());
  relay.forward(daemon.port);
  await waitReady(relay.url, ['alpha']);
  const { client, stderr } = await launch(t, ['-c', configPath]);
  let changed = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
  assert.deepEqual((await client.callTool({ name: 'alpha__echo', arguments: { text: 'before' } })).structuredContent, { text: 'before' });

  relay.forward(undefined);
  await daemon.close();
  const started = Date.now();
  await assert.rejects(client.callTool({ name: 'alpha__echo', arguments: { text: 'down' } }), (err: McpError) => {
    assert.equal(err.code, -32012);
    assert.match(err.message, /not reachable/);
    return true;
  });
  assert.ok(Date.now() - started < 10_000, 'the call failed fast');

  daemon = await Daemon.start({ configPath, version: 'test', watch: false, port: 0 });
  relay.forward(daemon.port);
  await waitReady(relay.url, ['alpha']);
  const after = await waitFor(
    async () => {
      try {
        return await client.callTool({ name: 'alpha__echo', arguments: { text: 'after' } });
      } catch {
        return undefined;
      }
    },
    'a call after the restart',
    20_000,
  );
  assert.deepEqual(after.structuredContent, { text: 'after' });
  assert.match(stderr(), /lost the daemon|not reachable/);
  assert.match(stderr(), /reconnected/);
  await waitFor(() => changed > 0, 'list_changed after the resume');
});

test('bearer tokens: the config token authenticates; a wrong one is a clear error and a non-zero exit', async (t) => {
  // connect finds the daemon at the config's listen address: a relay the test holds.
  const relay = await startRelay(t);
  const gw = await startGateway(
    t,
    {
      version: 1,
      gateway: { listen: `127.0.0.1:${relay.port}`, auth: { bearerTokens: ['$<env:CONNECT_TEST_TOKEN>'] } },
      servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo']) },
    },
    { env: { CONNECT_TEST_TOKEN: 'connect-token-0123456789' }, relay },
  );
  const env = { ...process.env, CONNECT_TEST_TOKEN: 'connect-token-0123456789' };
  // -c: the token comes from the config (its $<env:> template), the address from it too.
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'connect', '-c', gw.configPath],
    env: env as Record<string, string>,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'c', version: '1' });
  await client.connect(transport);
  t.after(() => client.close().catch(() => undefined));
  await waitFor(async () => (await client.listTools()).tools.length > 0, 'tools through the token');

  const child = spawn(process.execPath, [BIN, 'connect', '--url', gw.url, '--token', 'wrong-token'], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.write(
    `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } })}\n`,
  );
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.notEqual(code, 0);
  assert.match(stderr, /refused the bearer token \(HTTP 401\)/);
  // stdout carries protocol only: the error response to initialize.
  for (const line of stdout.trim().split('\n')) assert.equal(JSON.parse(line).jsonrpc, '2.0');
  assert.doesNotMatch(stderr + stdout, /connect-token-0123456789/);
});
