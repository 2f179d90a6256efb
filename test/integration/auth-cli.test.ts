// `mcpgw auth login|status|logout|client-metadata` (SPEC section 3) as real child processes,
// against the oidc-provider fixture: through a running daemon, and standalone (the command
// takes the store's lock and serves the callback itself).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { freePort, ROOT, startGateway, tempDir, waitReady } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { followAuthorization, startAuthorizationServer, startProtectedServer } from '../helpers/oauth.js';

const BIN = join(ROOT, 'bin/mcpgw.js');
const KEY = 'auth-cli-test-encryption-key-0123456789abcdef';
const ENV = { ...process.env, OAUTH_ENCRYPTION_KEY: KEY, MCPGW_WATCH: 'off' };
const runCli = (args: string[]) => promisify(execFile)(process.execPath, [BIN, ...args], { env: ENV, timeout: 60_000 });

async function fixtures(t: TestContext) {
  const asPort = await freePort();
  const [as, secure] = await Promise.all([
    startAuthorizationServer(t, { port: asPort }),
    startProtectedServer(t, `http://127.0.0.1:${asPort}`, ['--name', 'secure', '--tools', 'echo']),
  ]);
  const port = await freePort();
  const dir = tempDir(t);
  const config = {
    version: 1,
    gateway: {
      listen: `127.0.0.1:${port}`,
      dataDir: join(dir, 'data'),
      oauth: { clientMetadataUrl: 'https://example.org/mcpgw/client.json' },
    },
    servers: { secure: { url: secure.url, auth: { type: 'oauth' } }, local: { command: 'true', enabled: false } },
  };
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(configPath, stringify(config));
  return { as, secure, port, dir, config, configPath };
}

/** Runs `auth login`, follows the URL it prints like a browser, and returns its exit code and output. */
async function login(
  t: TestContext,
  configPath: string,
  server = 'secure',
): Promise<{ code: number | null; stdout: string; stderr: string; page: number }> {
  const child = spawn(process.execPath, [BIN, 'auth', 'login', server, '--no-browser', '-c', configPath], {
    env: ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await waitFor(() => /^\s+(https?:\S+)$/m.exec(stdout)?.[1], 'the authorization URL', 30_000);
  const page = await followAuthorization(url);
  return { code: await exited, stdout, stderr, page: page.status };
}

test('through the running daemon: login, status, logout', async (t) => {
  const f = await fixtures(t);
  const gw = await startGateway(t, f.config, { keepPort: true, env: { OAUTH_ENCRYPTION_KEY: KEY } });
  await waitReady(gw.url, ['secure'], 'needs_auth');

  const before = JSON.parse((await runCli(['auth', 'status', '--json', '-c', gw.configPath])).stdout);
  assert.deepEqual(
    before.servers.map((s: { server: string; status: string; source: string }) => [s.server, s.status, s.source]),
    [['secure', 'needs_authorization', 'daemon']],
  );

  const result = await login(t, gw.configPath);
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
  const f = await fixtures(t);
  const result = await login(t, f.configPath);
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
  const gw = await startGateway(t, f.config, { keepPort: true, env: { OAUTH_ENCRYPTION_KEY: KEY } });
  await waitReady(gw.url, ['secure']);
  await gw.close();

  await runCli(['auth', 'logout', 'secure', '--forget-client', '-c', f.configPath]);
  const after = JSON.parse((await runCli(['auth', 'status', '--json', '-c', f.configPath])).stdout);
  assert.equal(after.servers[0].status, 'needs_authorization');
});

test('a denied login exits 1 with the reason; bad arguments are clear errors', async (t) => {
  const f = await fixtures(t);
  await f.as.deny(true);
  const denied = await login(t, f.configPath);
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
  assert.deepEqual(doc.redirect_uris, [`http://localhost:${f.port}/oauth/callback`]);
  assert.equal(doc.token_endpoint_auth_method, 'none');
  assert.deepEqual(doc.grant_types, ['authorization_code', 'refresh_token']);

  const plain = join(f.dir, 'plain.yaml');
  writeFileSync(plain, 'version: 1\n');
  await assert.rejects(
    runCli(['auth', 'client-metadata', '-c', plain]),
    (err: { code: number; stderr: string }) => err.code === 1 && /clientMetadataUrl is not set/.test(err.stderr),
  );
});
