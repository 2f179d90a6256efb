// Lifecycle (SPEC section 5, issue 4): crash restarts with backoff, whole process trees
// stopped, timeouts, an HTTP server that forgets our session, and graceful shutdown of the
// real `mcpgw run` process.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { stringify } from 'yaml';
import {
  connect,
  FIXTURES,
  fixtureServer,
  liveProcesses,
  processesInGroup,
  ROOT,
  startGateway,
  startHttpFixture,
  tempDir,
  waitReady,
} from '../helpers/gateway.js';
import { spawnMcpgw } from '../helpers/mcpgw.js';
import { startRelay } from '../helpers/ports.js';
import { waitFor, within } from '../helpers/wait.js';

function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0];
    return state !== 'Z';
  } catch {
    return false;
  }
}

test('a crashed stdio server restarts with backoff; calls meanwhile fail cleanly', async (t) => {
  const gw = await startGateway(t, {
    version: 1,
    servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo,crash']) },
  });
  await waitReady(gw.url, ['alpha']);
  const client = await connect(t, gw.url);
  const firstPid = gw.daemon.gateway.upstream('alpha')!.status().pid!;
  await assert.rejects(client.callTool({ name: 'alpha__crash', arguments: {} }));
  const restarting = await waitReady(gw.url, ['alpha'], 'restarting');
  assert.equal(restarting.servers.alpha.lastError.code, 'MCPGW_E_UPSTREAM_EXITED');
  const during = await client.callTool({ name: 'alpha__echo', arguments: { text: 'x' } }).then(
    () => 'ok',
    (err: McpError) => err,
  );
  if (during !== 'ok') assert.equal((during as McpError).code, -32010);
  const back = await waitReady(gw.url, ['alpha']);
  assert.equal(back.servers.alpha.restarts, 1);
  assert.notEqual(gw.daemon.gateway.upstream('alpha')!.status().pid, firstPid);
  assert.deepEqual((await client.callTool({ name: 'alpha__echo', arguments: { text: 'back' } })).structuredContent, { text: 'back' });
  assert.ok(gw.logs.some((l) => /stopped unexpectedly/.test(l)) && gw.logs.some((l) => /retrying in/.test(l)));
});

test('removing a server ends its whole process tree, sh -c launcher and grandchildren included', async (t) => {
  const dir = tempDir(t);
  const pidFile = join(dir, 'grandchild.pid');
  const launcher = {
    command: 'sh',
    args: ['-c', `"${process.execPath}" --import tsx "${join(FIXTURES, 'spawns-grandchild.ts')}"; echo never`],
    cwd: ROOT,
    env: { GRANDCHILD_PID_FILE: pidFile },
  };
  const stubborn = fixtureServer('ignore-sigterm.ts');
  const gw = await startGateway(t, { version: 1, servers: { tree: launcher, stubborn } });
  await waitReady(gw.url, ['tree', 'stubborn']);
  const grandchild = Number(readFileSync(pidFile, 'utf8'));
  const treeGroup = gw.daemon.gateway.upstream('tree')!.status().pid!;
  const stubbornGroup = gw.daemon.gateway.upstream('stubborn')!.status().pid!;
  assert.ok(processesInGroup(treeGroup).length >= 3, 'sh, node and sleep share the group');
  assert.ok(alive(grandchild));

  gw.writeConfig({ version: 1, servers: {} });
  await waitFor(() => processesInGroup(treeGroup).length === 0 && !alive(grandchild), 'the tree to be gone');
  // SIGTERM is ignored there: the group gets SIGKILL after the grace period.
  await waitFor(() => processesInGroup(stubbornGroup).length === 0, 'the stubborn server to be killed', 10_000);
});

test('call timeout cancels upstream; connect timeout and crash at start are retried', async (t) => {
  const dir = tempDir(t);
  const events = join(dir, 'events.jsonl');
  const gw = await startGateway(t, {
    version: 1,
    servers: {
      alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo,slow,progress', '--events', events], {
        timeouts: { call: '1s' },
      }),
      mute: fixtureServer('never-initialize.ts', [], { timeouts: { connect: '500ms' } }),
      crashy: fixtureServer('crash-on-start.ts'),
    },
  });
  await waitReady(gw.url, ['alpha']);
  const client = await connect(t, gw.url);
  const started = Date.now();
  await assert.rejects(client.callTool({ name: 'alpha__slow', arguments: { ms: 20_000 } }), (err: McpError) => {
    assert.equal(err.code, -32001);
    assert.match(err.message, /did not answer tools\/call within 1s/);
    return true;
  });
  assert.ok(Date.now() - started < 10_000);
  await waitFor(() => existsSync(events) && readFileSync(events, 'utf8').includes('"cancelled"'), 'notifications/cancelled upstream');

  // Progress restarts the timeout: 4 steps 400 ms apart take 1.2 s, over the 1 s limit.
  const progressed = await client.callTool({ name: 'alpha__progress', arguments: { steps: 4, intervalMs: 400 } }, undefined, {
    onprogress: () => undefined,
  });
  assert.equal((progressed.structuredContent as { steps: number }).steps, 4);

  const status = await waitReady(gw.url, ['mute', 'crashy'], 'restarting');
  assert.equal(status.servers.mute.lastError.code, 'MCPGW_E_SERVER_TIMEOUT');
  assert.equal(status.servers.crashy.lastError.code, 'MCPGW_E_UPSTREAM_EXITED');
});

test('an HTTP server that restarts and forgets our session is re-initialized transparently', async (t) => {
  // The gateway knows the server by one URL across the restart: a relay the test holds, so no
  // other process can take that port while the server is down.
  const relay = await startRelay(t);
  const first = await startHttpFixture(t, ['--name', 'web', '--tools', 'echo']);
  relay.forward(first.port);
  const gw = await startGateway(t, { version: 1, servers: { web: { url: `${relay.url}/mcp` } } });
  await waitReady(gw.url, ['web']);
  const client = await connect(t, gw.url);
  assert.deepEqual((await client.callTool({ name: 'web__echo', arguments: { text: '1' } })).structuredContent, { text: '1' });
  relay.forward(undefined);
  first.child.kill('SIGKILL');
  await within(new Promise((resolve) => first.child.once('exit', resolve)), 'the first HTTP server to exit');
  const second = await startHttpFixture(t, ['--name', 'web', '--tools', 'echo']);
  relay.forward(second.port);
  assert.deepEqual((await client.callTool({ name: 'web__echo', arguments: { text: '2' } })).structuredContent, { text: '2' });
  assert.ok(gw.logs.some((l) => /lost our session/.test(l)));
});

test('mcpgw run: SIGHUP reloads; SIGTERM lets an in-flight call finish, stops every process, exits 0', async (t) => {
  const dir = tempDir(t);
  const configPath = join(dir, 'gateway.yaml');
  // Port 0: the daemon binds a port of its own and logs it.
  const config = (servers: Record<string, unknown>) => stringify({ version: 1, gateway: { listen: '127.0.0.1:0' }, servers });
  writeFileSync(configPath, config({ alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo,slow']) }));
  const run = spawnMcpgw(t, ['run', '-c', configPath, '--log-format', 'json'], { env: { ...process.env, MCPGW_WATCH: 'off' } });
  const { child } = run;
  const url = await run.listening();
  const status = await waitReady(url, ['alpha']);
  assert.equal(status.config.generation, 1);
  for (const line of run.stderr().trim().split('\n')) JSON.parse(line);

  // With watching off, only SIGHUP applies the edit.
  writeFileSync(
    configPath,
    config({
      alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo,slow']),
      beta: fixtureServer('basic.ts', ['--name', 'beta', '--tools', 'echo']),
    }),
  );
  child.kill('SIGHUP');
  await waitReady(url, ['alpha', 'beta']);

  const client = await connect(t, url);
  const groups = await waitFor(() => {
    const found = listGroupsOf(child.pid!);
    return found.length === 2 ? found : undefined;
  }, 'the two upstream process groups');
  const slow = client.callTool({ name: 'alpha__slow', arguments: { ms: 1500 } });
  // And one from a 2026-07-28 client, which has no session to count it in.
  const modern = fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'alpha__slow',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'alpha__slow',
        arguments: { ms: 1500 },
        _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} },
      },
    }),
  }).then(async (r) => (await r.json()) as { result?: { content: unknown } });
  await waitFor(() => (run.stderr().match(/event\\"?:\\"?started/g) ?? []).length >= 2, 'the slow calls to start');
  child.kill('SIGTERM');
  const result = await slow;
  assert.deepEqual(result.content, [{ type: 'text', text: 'slept 1500 ms' }]);
  assert.deepEqual((await modern).result?.content, [{ type: 'text', text: 'slept 1500 ms' }]);
  assert.equal(await run.exited, 0);
  for (const group of groups) assert.deepEqual(processesInGroup(group), []);
  assert.match(run.stderr(), /SIGTERM received/);
});

test('a SIGTERM right after the first /healthz answer exits cleanly with 0', async (t) => {
  // Regression (867c3f4): the daemon answers /healthz before Daemon.start returns (it then
  // starts watching the config's folder), and a SIGTERM in that moment killed it uncleanly
  // (seen in package.test.ts under load). 5000 files in the config's folder make the
  // watcher's start take long enough for the SIGTERM to land there every time.
  const dir = tempDir(t);
  for (let i = 0; i < 5000; i++) writeFileSync(join(dir, `other-${i}.txt`), '');
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(configPath, stringify({ version: 1, gateway: { listen: '127.0.0.1:0' }, servers: {} }));
  const run = spawnMcpgw(t, ['run', '-c', configPath]);
  const url = await run.listening();
  await waitFor(async () => (await fetch(`${url}/healthz`)).ok, 'the first /healthz answer');
  run.child.kill('SIGTERM');
  assert.equal(await within(run.exited, 'mcpgw run to exit after SIGTERM', 20_000), 0, run.stderr());
  assert.doesNotMatch(run.stderr(), /\n\s+at /, 'no stack trace');
});

/** Process groups led by direct children of `pid` (the upstreams of a daemon). */
function listGroupsOf(pid: number): number[] {
  return liveProcesses()
    .filter((p) => p.ppid === pid && p.pgid === p.pid)
    .map((p) => p.pid);
}
