// upstream/early.ts: the stdio children `mcpgw run` spawns before the gateway's modules load,
// held by server name with a fingerprint of their spawn options. Real children (`sh`, `sleep`).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import type { StdioSpec } from '../../src/config/types.js';
import { EarlyStart, fingerprintOf } from '../../src/upstream/early.js';
import { processesInGroup, tempDir } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

/** A server stand-in: a shell that writes its pid, starts a grandchild in its group, and waits. */
function sleeper(t: TestContext, env: Record<string, string> = {}): { spec: StdioSpec; pidFile: string } {
  const pidFile = join(tempDir(t), 'pid');
  const script = `echo $$ > "${pidFile}"; sleep 1000 & wait`;
  return { spec: { kind: 'stdio', command: 'sh', args: ['-c', script], env, cwd: '/', inheritEnv: false }, pidFile };
}

async function pidOf(pidFile: string): Promise<number> {
  return Number(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim(), 'the child to write its pid'));
}

/** Ends what a failed test left running; a passing test has ended it already. */
function cleanup(t: TestContext, early: EarlyStart): void {
  t.after(() => early.discardUnclaimed());
}

test('claim hands the held process over once, for the same spawn options', async (t) => {
  const early = new EarlyStart();
  cleanup(t, early);
  const { spec, pidFile } = sleeper(t);
  const proc = early.start('alpha', spec)!;
  assert.deepEqual(early.names, ['alpha']);
  assert.equal(early.claim('alpha', { ...spec }), proc, 'an equal definition gets the process');
  assert.equal(early.claim('alpha', spec), undefined, 'only once');
  assert.deepEqual(early.names, []);
  await early.discardUnclaimed();
  const pid = await pidOf(pidFile);
  assert.ok(processesInGroup(pid).length >= 2, 'a claimed process is not discarded');
  process.kill(-pid, 'SIGKILL');
  await waitFor(() => processesInGroup(pid).length === 0, 'the claimed test child to be gone');
});

test('a changed definition gets no process, and the stale one is ended with its group', async (t) => {
  const early = new EarlyStart();
  cleanup(t, early);
  const { spec, pidFile } = sleeper(t, { TOKEN: 'one' });
  early.start('alpha', spec);
  const pid = await pidOf(pidFile);
  assert.ok(processesInGroup(pid).length >= 2, 'sh and its sleep share the group');
  assert.equal(early.claim('alpha', { ...spec, env: { TOKEN: 'two' } }), undefined, 'another environment');
  assert.deepEqual(early.names, []);
  await waitFor(() => processesInGroup(pid).length === 0, 'the stale process group to be gone');
  assert.equal(early.claim('alpha', spec), undefined, 'and it is not held any more');
});

test('discardUnclaimed ends every unclaimed process group and waits for it', async (t) => {
  const early = new EarlyStart();
  cleanup(t, early);
  const a = sleeper(t);
  const b = sleeper(t);
  early.start('a', a.spec);
  early.start('b', b.spec);
  const pids = [await pidOf(a.pidFile), await pidOf(b.pidFile)];
  await early.discardUnclaimed();
  assert.deepEqual(early.names, []);
  await waitFor(() => pids.every((pid) => processesInGroup(pid).length === 0), 'both groups to be gone');
});

test('fingerprintOf: the same options in another key order match; any change to command, args, env or cwd does not', () => {
  const base = { command: 'node', args: ['server.js'], env: { A: '1', B: '2' }, cwd: '/srv' };
  const same = fingerprintOf(base);
  assert.equal(fingerprintOf({ ...base, env: { B: '2', A: '1' } }), same);
  for (const changed of [
    { ...base, command: 'nodejs' },
    { ...base, args: ['server.js', '--x'] },
    { ...base, env: { A: '1', B: '3' } },
    { ...base, env: { A: '1' } },
    { ...base, cwd: '/srv/other' },
  ])
    assert.notEqual(fingerprintOf(changed), same, JSON.stringify(changed));
  assert.doesNotMatch(fingerprintOf({ ...base, env: { SECRET: 'hunter2-hunter2' } }), /hunter2/);
});

test('EarlyStart.spawn starts only the stdio servers the gateway starts itself', async (t) => {
  const dir = tempDir(t);
  const configPath = join(dir, 'gateway.yaml');
  const server = (extra: Record<string, unknown>) => ({ command: 'sh', args: ['-c', 'sleep 1000'], ...extra });
  const servers = {
    shared: server({}),
    off: server({ enabled: false }),
    own: server({ isolation: 'session' }),
    remote: { url: 'http://127.0.0.1:9/mcp' },
  };
  writeFileSync(configPath, stringify({ version: 1, gateway: { listen: '127.0.0.1:0' }, servers }));
  const { model, findings } = loadConfig(configPath, { env: {} });
  assert.ok(model, JSON.stringify(findings));
  const early = EarlyStart.spawn(model);
  cleanup(t, early);
  assert.deepEqual(early.names, ['shared']);
  const proc = early.claim('shared', model.servers.find((s) => s.name === 'shared')!.transport as StdioSpec);
  assert.ok(proc?.child.pid);
  const pid = proc.child.pid;
  process.kill(-pid, 'SIGKILL');
  await waitFor(() => processesInGroup(pid).length === 0, 'the claimed test child to be gone');
});
