// The early start of `mcpgw run` (issue 18 item 2): the stdio servers are spawned as soon as
// the config is valid, before the daemon's modules load, and the server's first connect takes
// that very process. Each server here is a `sh` launcher that appends its pid to a file and
// writes a line to stderr at once, then execs the fixture (same pid, same process group).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import type { StdioSpec } from '../../src/config/types.js';
import { createLogger } from '../../src/log.js';
import { Connection } from '../../src/upstream/connection.js';
import { EarlyStart } from '../../src/upstream/early.js';
import { FIXTURES, processesInGroup, ROOT, tempDir } from '../helpers/gateway.js';
import { spawnMcpgw } from '../helpers/mcpgw.js';
import { waitFor, within } from '../helpers/wait.js';

/** A server that records each start (its pid, one line per spawn) and greets on stderr before it runs. */
function launcher(pidFile: string, greeting: string): Record<string, unknown> {
  const fixture = `"${process.execPath}" --import tsx "${join(FIXTURES, 'basic.ts')}" --name alpha --tools echo,crash`;
  return { command: 'sh', args: ['-c', `echo $$ >> "${pidFile}"; echo ${greeting} >&2; exec ${fixture}`], cwd: ROOT };
}

function writeConfig(t: TestContext, listen: string, extra: Record<string, unknown> = {}) {
  const dir = tempDir(t);
  const pidFile = join(dir, 'alpha.pids');
  const configPath = join(dir, 'gateway.yaml');
  const config = {
    version: 1,
    gateway: { listen, logLevel: 'debug' },
    servers: { alpha: launcher(pidFile, 'alpha-says-hello') },
    ...extra,
  };
  writeFileSync(configPath, stringify(config));
  return { configPath, pidFile };
}

const pidsIn = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(Number) : []);

const logLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('mcpgw run: the server runs in the process the early start spawned, and its early stderr is logged', async (t) => {
  const { configPath, pidFile } = writeConfig(t, '127.0.0.1:0');
  const run = spawnMcpgw(t, ['run', '--log-format', 'json', '-c', configPath]);
  const url = await run.listening();
  await waitFor(async () => {
    const body = (await (await fetch(`${url}/status`)).json()) as { servers: Record<string, { state: string }> };
    return body.servers.alpha?.state === 'ready';
  }, 'alpha to be ready');

  const lines = logLines(run.stderr());
  const took = lines.find((l) => l.msg === 'took the early start process');
  assert.ok(took, `the first connect took the early start's process:\n${run.stderr()}`);
  const pids = pidsIn(pidFile);
  assert.equal(pids.length, 1, 'one process was spawned for alpha, not a second one after the early one');
  assert.equal(took.pid, pids[0]);
  // /status shows no pids (SPEC section 4): the one spawn, alive and ready, is what serves alpha.
  assert.ok(processesInGroup(pids[0]!).includes(pids[0]!), 'the early process is alive, leading its own group');
  const greeting = lines.find((l) => l.msg === 'alpha-says-hello');
  assert.deepEqual(greeting && { server: greeting.server, stream: greeting.stream }, { server: 'alpha', stream: 'stderr' });

  run.child.kill('SIGTERM');
  assert.equal(await within(run.exited, 'mcpgw to exit'), 0);
  await waitFor(() => processesInGroup(pids[0]!).length === 0, "alpha's process group to be gone");
});

test('mcpgw run: a server that exits during the early start is reported like any exit, with its stderr', async (t) => {
  const dir = tempDir(t);
  const configPath = join(dir, 'gateway.yaml');
  const boom = { command: process.execPath, args: ['--import', 'tsx', join(FIXTURES, 'crash-on-start.ts')], cwd: ROOT };
  writeFileSync(configPath, stringify({ version: 1, gateway: { listen: '127.0.0.1:0' }, servers: { boom } }));
  const run = spawnMcpgw(t, ['run', '--log-format', 'json', '-c', configPath]);
  const url = await run.listening();
  const boomStatus = await waitFor(async () => {
    const body = (await (await fetch(`${url}/status`)).json()) as {
      servers: Record<string, { lastError: { code: string; message: string } | null }>;
    };
    return body.servers.boom?.lastError ?? undefined;
  }, 'boom to fail');
  assert.equal(boomStatus.code, 'MCPGW_E_UPSTREAM_EXITED');
  assert.match(boomStatus.message, /exited with code 1: crash-on-start: fatal/);
  run.child.kill('SIGTERM');
  assert.equal(await within(run.exited, 'mcpgw to exit'), 0);
});

test('mcpgw run: a port in use exits 1 and leaves no early-started server behind', async (t) => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.after(() => holder.close());
  const { configPath, pidFile } = writeConfig(t, `127.0.0.1:${(holder.address() as AddressInfo).port}`);
  const run = spawnMcpgw(t, ['run', '--log-format', 'json', '-c', configPath]);

  assert.equal(await within(run.exited, 'mcpgw to exit', 20_000), 1);
  assert.match(run.stderr(), /already in use/);
  const pids = pidsIn(pidFile);
  assert.equal(pids.length, 1, 'the server was spawned early, before the listen failed');
  await waitFor(() => processesInGroup(pids[0]!).length === 0, 'the early-started server to be gone');
});

test('mcpgw run: an invalid config exits 1 with its findings and spawns nothing', async (t) => {
  const { configPath, pidFile } = writeConfig(t, '127.0.0.1:0', { profiles: { default: { servers: ['alpha', 'nosuch'] } } });
  const run = spawnMcpgw(t, ['run', '-c', configPath]);

  assert.equal(await within(run.exited, 'mcpgw to exit', 20_000), 1);
  assert.match(run.stderr(), /nosuch/);
  assert.match(run.stderr(), /invalid, not starting/);
  assert.deepEqual(pidsIn(pidFile), [], 'no server was started');
});

/** alpha as the config model has it, and a Connection made for it with the early start's child. */
function earlyConnection(t: TestContext) {
  const { configPath, pidFile } = writeConfig(t, '127.0.0.1:0');
  const model = loadConfig(configPath, { env: process.env }).model!;
  const spec = model.servers[0]!;
  const early = EarlyStart.spawn(model);
  t.after(() => early.discardUnclaimed());
  const prestarted = early.claim(spec.name, spec.transport as StdioSpec)!;
  const backoff = { initialMs: 50, maxMs: 50, factor: 1, jitter: 0, resetAfterMs: 60_000 };
  const connection = new Connection({ spec, version: 'test', log: createLogger('test'), prestarted, backoff });
  t.after(() => connection.stop());
  return { connection, prestarted, pidFile };
}

test('Connection: the first connect runs in the early child; a restart after a crash spawns a new one', async (t) => {
  const { connection, prestarted, pidFile } = earlyConnection(t);
  connection.start();
  await waitFor(() => connection.state === 'ready', 'alpha to be ready');
  assert.equal(connection.status().pid, prestarted.child.pid);
  assert.deepEqual(pidsIn(pidFile), [prestarted.child.pid]);

  await connection.request('tools/call', { name: 'crash', arguments: {} }).catch(() => undefined);
  await waitFor(() => connection.state === 'ready' && connection.restarts === 1, 'alpha to restart');
  const pids = pidsIn(pidFile);
  assert.equal(pids.length, 2, 'the restart spawned a process of its own');
  assert.equal(connection.status().pid, pids[1]);
  assert.notEqual(pids[1], prestarted.child.pid);
});

test('Connection: stopped before it ever connected, it ends the early child it was given', async (t) => {
  const { connection, prestarted, pidFile } = earlyConnection(t);
  const pid = prestarted.child.pid!;
  await waitFor(() => pidsIn(pidFile).length === 1, 'the early child to run');
  await connection.stop();
  assert.equal(connection.state, 'disabled');
  await waitFor(() => processesInGroup(pid).length === 0, 'the early child to be gone');
});
