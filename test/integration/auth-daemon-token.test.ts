// `mcpgw auth status|login|logout` against a daemon that refuses the client's bearer token
// (issue 14, item 12): before, the commands read the 401's body as /status and crashed with
// "Cannot read properties of undefined" (MCPGW_E_INTERNAL). Now they say the token was
// refused, which token they sent and where it came from.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, startGateway, startHttpFixture } from '../helpers/gateway.js';
import { startRelay } from '../helpers/ports.js';

const BIN = join(ROOT, 'bin/mcpgw.js');
const KEY = 'auth-daemon-token-test-key-0123456789abcdef';
const RIGHT = 'the-daemon-token-0123456789abcdef';
const WRONG = 'a-stale-client-token-0123456789abcdef';

function mcpgw(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, OAUTH_ENCRYPTION_KEY: KEY, MCPGW_WATCH: 'off', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

test('auth status, login and logout with a token the daemon refuses say so, without a crash', async (t) => {
  const [relay, upstream] = await Promise.all([startRelay(t), startHttpFixture(t, ['--name', 'secure', '--tools', 'echo'])]);
  const gw = await startGateway(
    t,
    {
      version: 1,
      gateway: { listen: `127.0.0.1:${relay.port}`, auth: { bearerTokens: ['$<env:MCPGW_TOKEN>'] } },
      // Without a stored token the server waits for an authorization, which never comes here.
      servers: { secure: { url: upstream.url, auth: { type: 'oauth' } } },
    },
    { relay, env: { MCPGW_TOKEN: RIGHT, OAUTH_ENCRYPTION_KEY: KEY } },
  );
  const config = ['-c', gw.configPath];

  const ok = await mcpgw(['auth', 'status', '--json', ...config], { MCPGW_TOKEN: RIGHT });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).servers[0].source, 'daemon');

  for (const args of [
    ['auth', 'status'],
    ['auth', 'status', '--json'],
    ['auth', 'logout', 'secure'],
    ['auth', 'login', 'secure', '--no-browser'],
  ]) {
    const run = await mcpgw([...args, ...config], { MCPGW_TOKEN: WRONG });
    const what = args.join(' ');
    assert.equal(run.code, 1, `${what}: ${run.stderr}`);
    assert.doesNotMatch(run.stderr, /Cannot read properties|MCPGW_E_INTERNAL|\n\s+at /, what);
    assert.match(run.stderr, /^error: the daemon at http:\/\/127\.0\.0\.1:\d+ refused the bearer token .*\[MCPGW_E_DAEMON_TOKEN\]$/m, what);
    assert.match(run.stderr, /gateway\.auth\.bearerTokens\[0\] of .*gateway\.yaml, \$<env:MCPGW_TOKEN>/, what);
    assert.match(run.stderr, /^ {2}hint: /m, what);
    assert.ok(!run.stderr.includes(WRONG) && !run.stderr.includes(RIGHT), `${what}: a token in the output`);
    assert.doesNotMatch(run.stdout, /Open this URL/, `${what}: no authorization is started`);
  }
});
