// `mcpgw auth login|status|logout|client-metadata` (SPEC section 3) as real child processes,
// against the oidc-provider fixture: through a running daemon, and standalone (the command
// takes the store's lock and serves the callback itself).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { ROOT, startGateway, tempDir, waitReady } from '../helpers/gateway.js';
import { spawnMcpgw } from '../helpers/mcpgw.js';
import { waitFor } from '../helpers/wait.js';
import { followAuthorization, startAuthorizationServer, startProtectedServer } from '../helpers/oauth.js';
import { listeningPorts, startRelay } from '../helpers/ports.js';

const BIN = join(ROOT, 'bin/mcpgw.js');
const KEY = 'auth-cli-test-encryption-key-0123456789abcdef';
const ENV = { ...process.env, OAUTH_ENCRYPTION_KEY: KEY, MCPGW_WATCH: 'off' };
const runCli = (args: string[]) => promisify(execFile)(process.execPath, [BIN, ...args], { env: ENV, timeout: 60_000 });

/**
 * The authorization server, the protected server and a config. The redirect URI
 * (<publicUrl>/oauth/callback) must be known before whatever serves the callback listens, so
 * a relay the test holds stands for it:
 * - through a daemon, the config's listen port is the relay's (the CLI finds the daemon
 *   there, and the default publicUrl follows it); the daemon binds port 0 and the relay
 *   forwards to it;
 * - standalone, `auth login` serves the callback itself on gateway.listen: that is port 0,
 *   publicUrl names the relay, and login() points the relay at the command's port.
 */
async function fixtures(t: TestContext, options: { standalone?: boolean } = {}) {
  const starting = startAuthorizationServer(t);
  const [as, secure, relay] = await Promise.all([
    starting,
    startProtectedServer(
      t,
      starting.then((a) => a.issuer),
      ['--name', 'secure', '--tools', 'echo'],
    ),
    startRelay(t),
  ]);
  const dir = tempDir(t);
  const where = options.standalone
    ? { listen: '127.0.0.1:0', publicUrl: `http://localhost:${relay.port}` }
    : { listen: `127.0.0.1:${relay.port}` };
  const config = {
    version: 1,
    gateway: {
      ...where,
      dataDir: join(dir, 'data'),
      oauth: { clientMetadataUrl: 'https://example.org/mcpgw/client.json' },
    },
    servers: { secure: { url: secure.url, auth: { type: 'oauth' } }, local: { command: 'true', enabled: false } },
  };
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(configPath, stringify(config));
  return { as, secure, relay, standalone: options.standalone ?? false, dir, config, configPath };
}

type Fixtures = Awaited<ReturnType<typeof fixtures>>;

/** Runs `auth login`, follows the URL it prints like a browser, and returns its exit code and output. */
async function login(
  t: TestContext,
  f: Fixtures,
  server = 'secure',
): Promise<{ code: number | null; stdout: string; stderr: string; page: number }> {
  const run = spawnMcpgw(t, ['auth', 'login', server, '--no-browser', '-c', f.configPath], { env: ENV });
  const url = await waitFor(() => /^\s+(https?:\S+)$/m.exec(run.stdout())?.[1], 'the authorization URL', 30_000);
  // The URL is printed once the command serves the callback: on the port it bound.
  if (f.standalone) f.relay.forward(await waitFor(() => listeningPorts(run.child.pid!)[0], 'the port auth login serves the callback on'));
  const page = await followAuthorization(url);
  return { code: await run.exited, stdout: run.stdout(), stderr: run.stderr(), page: page.status };
}

test('through the running daemon: login, status, logout', async (t) => {
  const f = await fixtures(t);
  const gw = await startGateway(t, f.config, { relay: f.relay, env: { OAUTH_ENCRYPTION_KEY: KEY } });
  await waitReady(gw.url, ['secure'], 'needs_auth');

  const before = JSON.parse((await runCli(['auth', 'status', '--json', '-c', gw.configPath])).stdout);
  assert.deepEqual(
    before.servers.map((s: { server: string; status: string; source: string }) => [s.server, s.status, s.source]),
    [['secure', 'needs_authorization', 'daemon']],
  );

  const result = await login(t, { ...f, configPath: gw.configPath });
  assert.equal(result.page, 200);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Authorized secure\./);
  await waitReady(gw.url, ['secure']);

  const after = JSON.parse((await runCli(['auth', 'status', '--json', '-c', gw.configPath])).stdout);
  assert.equal(after.servers[0].status, 'authorized');
  assert.match(after.servers[0].expiresAt, /^\d{4}-\d\d-\d\dT/);
  const text = (await runCli(['auth', 'status', '-c', gw.configPath])).stdout;
  assert.match(text, /secure\s+authorized\s+access token expires/);

  const out = await runCli(['auth', 'logout', 'secure', '-c', gw.configPath]);
  assert.match(out.stdout, /Logged out of secure\./);
  const gone = JSON.parse((await runCli(['auth', 'status', '--json', '-c', gw.configPath])).stdout);
  assert.equal(gone.servers[0].status, 'needs_authorization');
});

test('without a daemon: login serves the callback itself; status and logout use the store', async (t) => {
  const f = await fixtures(t, { standalone: true });
  const result = await login(t, f);
  assert.equal(result.page, 200);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(existsSync(join(f.dir, 'data', 'oauth-store.json')));
  assert.ok(!existsSync(join(f.dir, 'data', 'oauth-store.lock')), 'the lock is released');

  const status = JSON.parse((await runCli(['auth', 'status', '--json', '-c', f.configPath])).stdout);
  assert.deepEqual(
    status.servers.map((s: { status: string; source: string }) => [s.status, s.source]),
    [['authorized', 'store']],
  );

  // The daemon then starts already authorized.
  const gw = await startGateway(t, f.config, { env: { OAUTH_ENCRYPTION_KEY: KEY } });
  await waitReady(gw.url, ['secure']);
  await gw.close();

  await runCli(['auth', 'logout', 'secure', '--forget-client', '-c', f.configPath]);
  const after = JSON.parse((await runCli(['auth', 'status', '--json', '-c', f.configPath])).stdout);
  assert.equal(after.servers[0].status, 'needs_authorization');
});

test('a denied login exits 1 with the reason; bad arguments are clear errors', async (t) => {
  const f = await fixtures(t, { standalone: true });
  await f.as.deny(true);
  const denied = await login(t, f);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /authorization of secure failed: .*access_denied/);
  assert.doesNotMatch(denied.stderr, /\n\s+at /);

  await assert.rejects(runCli(['auth', 'login', 'local', '-c', f.configPath]), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 1);
    assert.match(err.stderr, /"local" is not an OAuth server/);
    return true;
  });
  await assert.rejects(runCli(['auth', 'login', '-c', f.configPath]), (err: { code: number }) => err.code === 2);
});

test('client-metadata prints the document to host; without clientMetadataUrl it says what to set', async (t) => {
  const f = await fixtures(t);
  const doc = JSON.parse((await runCli(['auth', 'client-metadata', '-c', f.configPath])).stdout);
  assert.equal(doc.client_id, 'https://example.org/mcpgw/client.json');
  assert.deepEqual(doc.redirect_uris, [`http://localhost:${f.relay.port}/oauth/callback`]);
  assert.equal(doc.token_endpoint_auth_method, 'none');
  assert.deepEqual(doc.grant_types, ['authorization_code', 'refresh_token']);

  const plain = join(f.dir, 'plain.yaml');
  writeFileSync(plain, 'version: 1\n');
  await assert.rejects(
    runCli(['auth', 'client-metadata', '-c', plain]),
    (err: { code: number; stderr: string }) => err.code === 1 && /clientMetadataUrl is not set/.test(err.stderr),
  );
});
