// doctor with a running daemon (SPEC section 6): its live view (states, last errors), a
// rejected reload, a restart-only change, another config, and a /status it cannot read.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { stringify } from 'yaml';
import { Daemon } from '../../src/daemon.js';
import { runDoctor } from '../../src/doctor/runner.js';
import { configureLog } from '../../src/log.js';
import { assertNoSecret, doctorEnv, fixture, wrapReport, type Doctored } from '../helpers/doctor.js';
import { tempDir } from '../helpers/gateway.js';
import { refusedPort, startRelay } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

configureLog({ level: 'error', sink: { write: () => undefined } });

async function run(configPath: string, env = doctorEnv(), servers?: string[]): Promise<Doctored> {
  const report = await runDoctor({ configPath, env, version: 'test', servers, timeoutMs: 30_000 });
  assertNoSecret(JSON.stringify(report));
  return wrapReport(report, configPath);
}

async function startDaemon(
  t: TestContext,
  config: Record<string, unknown>,
): Promise<{ daemon: Daemon; path: string; port: number; write: (c: Record<string, unknown> | string) => void }> {
  // doctor looks for the daemon at the config's listen address: a relay the test holds,
  // forwarding to the port the daemon bound (0).
  const relay = await startRelay(t);
  const port = relay.port;
  const dir = tempDir(t, 'mcpgw-doctor-daemon-');
  const path = join(dir, 'gateway.yaml');
  const write = (c: Record<string, unknown> | string) => writeFileSync(path, typeof c === 'string' ? c : stringify(c));
  write({ version: 1, ...config, gateway: { listen: `127.0.0.1:${port}`, ...(config.gateway as object) } });
  const daemon = await Daemon.start({ configPath: path, version: 'test', env: doctorEnv(), watch: false, port: 0 });
  t.after(() => daemon.close());
  relay.forward(daemon.port);
  return { daemon, path, port, write };
}

test('the live view: states and last errors, a rejected reload, a restart-only change', async (t) => {
  const down = await refusedPort(t);
  const servers = { ok: fixture('named-tools.ts', ['alpha']), down: { url: `http://127.0.0.1:${down}/mcp` } };
  const { daemon, path, port, write } = await startDaemon(t, { servers });
  await waitFor(
    () => {
      const s = daemon.status() as { servers: Record<string, { state: string }> };
      return s.servers.ok?.state === 'ready' && s.servers.down?.state === 'restarting';
    },
    'ok ready and down restarting',
    30_000,
  );

  const live = await run(path);
  assert.match(
    live.get('MCPGW_I_DAEMON_RUNNING', 'gateway').message,
    new RegExp(`runs at http://127\\.0\\.0\\.1:${port} \\(mcpgw test, since .*, config generation 1\\)`),
  );
  assert.equal(live.get('MCPGW_I_DAEMON_SERVER', 'ok').message, 'in the daemon: ready, 1 tool');
  assert.match(live.get('MCPGW_W_DAEMON_SERVER', 'down').message, /in the daemon: restarting.*connection refused/);
  live.get('MCPGW_E_UPSTREAM_REFUSED', 'down');
  assert.deepEqual(live.report.daemon, { running: true, url: `http://127.0.0.1:${port}` });

  // A broken save: the daemon keeps generation 1; doctor finds it through the file's listen.
  write(`version: 1\ngateway:\n  listen: 127.0.0.1:${port}\nservers: [oops\n`);
  await daemon.reload('test');
  const broken = await run(path);
  broken.get('MCPGW_E_CONFIG_PARSE', 'gateway');
  const reload = broken.get('MCPGW_W_DAEMON_RELOAD_FAILED', 'gateway');
  assert.match(reload.message, /rejected the last change .* still serves generation 1/);
  assert.equal(reload.file, path);
  assert.equal(reload.line, broken.get('MCPGW_E_CONFIG_PARSE').line);
  broken.get('MCPGW_I_DAEMON_SERVER', 'ok');
  assert.equal(broken.report.ok, false);

  // publicUrl changed: applies only after a restart.
  write({ version: 1, gateway: { listen: `127.0.0.1:${port}`, publicUrl: `http://localhost:${port}/gw` }, servers });
  await daemon.reload('test');
  const restart = await run(path, doctorEnv(), ['ok']);
  restart.get('MCPGW_W_DAEMON_RESTART_NEEDED', 'gateway');
  assert.ok(!restart.report.findings.some((f) => f.group === 'down'), 'SERVER... narrows the live view too');
});

test('another config at the same address, and a /status that needs a token', async (t) => {
  const { port } = await startDaemon(t, { gateway: { auth: { bearerTokens: ['$<env:MCPGW_TOKEN>'] } }, servers: {} });
  const other = join(tempDir(t, 'mcpgw-doctor-other-'), 'gateway.yaml');
  writeFileSync(other, stringify({ version: 1, gateway: { listen: `127.0.0.1:${port}` }, servers: {} }));
  const d = await run(other);
  assert.match(d.get('MCPGW_W_DAEMON_OTHER_CONFIG', 'gateway').message, /runs another config file/);
  const locked = await run(other, doctorEnv({ MCPGW_TOKEN: undefined }));
  assert.match(locked.get('MCPGW_W_DAEMON_STATUS', 'gateway').hint!, /MCPGW_TOKEN/);
  assert.equal(locked.report.ok, true);
});
