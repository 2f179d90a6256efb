// Issue 14 item 2: the encryption key (and the bearer token) in the daemon's own environment.
// A stdio server runs as the same user as the daemon, so it may read /proc/<daemon>/environ;
// before the fix it found OAUTH_ENCRYPTION_KEY and MCPGW_TOKEN there. The real `mcpgw run`
// process, a stdio fixture that reads its parents' environments, and an OAuth server to show
// the key still works from memory (and the token, on /status).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { connect, fixtureServer, tempDir } from '../helpers/gateway.js';
import { spawnMcpgw } from '../helpers/mcpgw.js';
import { startAuthorizationServer, startProtectedServer } from '../helpers/oauth.js';
import { waitFor, within } from '../helpers/wait.js';

const KEY = 'a-key-only-the-daemon-may-know-0123456789abcdef';
const TOKEN = 'a-bearer-token-only-the-daemon-may-know-0123456789';

interface Environ {
  parent: { pid: number; entries: string[] | null };
  grandparent: { pid: number; entries: string[] | null };
  own: string[];
}

test('issue 14 item 2: a stdio server finds neither the encryption key nor the bearer token in the environment of its parents', async (t) => {
  const starting = startAuthorizationServer(t);
  const [, secure] = await Promise.all([
    starting,
    startProtectedServer(
      t,
      starting.then((a) => a.issuer),
      ['--name', 'secure', '--tools', 'echo'],
    ),
  ]);
  const dir = tempDir(t);
  const configPath = join(dir, 'gateway.yaml');
  const config = {
    version: 1,
    gateway: { listen: '127.0.0.1:0', dataDir: join(dir, 'data'), auth: { bearerTokens: ['$<env:MCPGW_TOKEN>'] } },
    servers: { spy: fixtureServer('environ.ts'), secure: { url: secure.url, auth: { type: 'oauth' } } },
  };
  writeFileSync(configPath, stringify(config));
  const run = spawnMcpgw(t, ['run', '-c', configPath, '--log-format', 'json'], {
    env: { ...process.env, OAUTH_ENCRYPTION_KEY: KEY, MCPGW_TOKEN: TOKEN },
  });
  const url = await run.listening();
  const auth = { authorization: `Bearer ${TOKEN}` };
  const status = async () => (await (await fetch(`${url}/status`, { headers: auth })).json()) as Record<string, any>;
  // The token still opens /status, and the key still opens the store (needs_auth, not an
  // error about a missing key): both live on in the daemon's memory.
  const st = await waitFor(async () => {
    const s = await status();
    return s.servers.spy.state === 'ready' && s.servers.secure.state !== 'starting' ? s : undefined;
  }, 'the servers to start');
  assert.equal(st.servers.secure.state, 'needs_auth', JSON.stringify(st.servers.secure.lastError));
  assert.equal((await fetch(`${url}/status`)).status, 401);

  const client = await connect(t, url, { headers: auth });
  const seen = (await client.callTool({ name: 'spy__environ', arguments: {} })).structuredContent as unknown as Environ;
  assert.equal(seen.parent.pid, run.child.pid, 'the daemon is the stdio server’s parent');
  for (const who of ['parent', 'grandparent'] as const) {
    const entries = seen[who].entries;
    assert.ok(entries, `the ${who}'s environ is readable by the server (same user): the check means something`);
    // Before the fix: OAUTH_ENCRYPTION_KEY=<the key> and MCPGW_TOKEN=<the token> were there.
    assert.ok(!entries.some((e) => e.includes(KEY)), `the key is not in the ${who}'s environ`);
    assert.ok(!entries.some((e) => e.includes(TOKEN)), `the bearer token is not in the ${who}'s environ`);
  }
  // The daemon keeps none of its variables there (the test runner, its parent, has its own MCPGW_TEST).
  assert.deepEqual(
    seen.parent.entries!.filter((e) => /^(OAUTH_ENCRYPTION_KEY|MCPGW_[A-Z_]*)=/.test(e)),
    [],
    'no gateway variable in the daemon’s environ',
  );
  assert.deepEqual(
    seen.own.filter((n) => n === 'OAUTH_ENCRYPTION_KEY' || n.startsWith('MCPGW_')),
    [],
    'nor in its own environment',
  );
  assert.doesNotMatch(run.stderr(), /MCPGW_W_ENV_SECRETS/, 'no warning: the erasing worked');

  // A reload resolves $<env:MCPGW_TOKEN> from the daemon's copy of the environment.
  const generation = st.config.generation as number;
  writeFileSync(configPath, stringify({ ...config, servers: { ...config.servers, later: { command: 'true', enabled: false } } }));
  run.child.kill('SIGHUP');
  await waitFor(async () => (await status()).config.generation > generation, 'the reload to apply');
  assert.equal((await status()).config.lastError, null);
  run.child.kill('SIGTERM');
  assert.equal(await within(run.exited, 'mcpgw run to exit after SIGTERM', 20_000), 0);
});
