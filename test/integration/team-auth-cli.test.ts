// `mcpgw auth login|status|logout --user NAME` in team mode (SPEC section 10), through the
// running daemon: an admin (alice) acts on bob's authorization of a perUser server; bob may act
// on his own only, never on alice's, on the client registration or on a `tokens: shared` server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { hashToken } from '../../src/config/team.js';
import { ROOT, startGateway, tempDir } from '../helpers/gateway.js';
import { spawnMcpgw } from '../helpers/mcpgw.js';
import { browserOf, followAuthorization, startAuthorizationServer, startProtectedServer } from '../helpers/oauth.js';
import { startRelay } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const BIN = join(ROOT, 'bin/mcpgw.js');
const KEY = 'a-test-key-for-the-team-cli-store-0123456789';
const ALICE = 'alice-token-7f3a9c2e5b8d4016a2c4e6f8091b3d5f';
const BOB = 'bob-token-1c3e5a7b9d2f4608b1d3f5a7c9e2b4d6';

function cli(token: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', MCPGW_TOKEN: token, OAUTH_ENCRYPTION_KEY: KEY };
  return promisify(execFile)(process.execPath, [BIN, ...args], { env, timeout: 60_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

test('auth login|status|logout --user: an admin for another user; a user only for themselves', async (t) => {
  const as = startAuthorizationServer(t, { accessTtl: 300, accounts: { 'gh-alice': [], 'gh-bob': [] } });
  const [upstreamAs, secure, relay] = await Promise.all([
    as,
    startProtectedServer(
      t,
      as.then((a) => a.issuer),
      ['--name', 'secure', '--whoami'],
    ),
    startRelay(t),
  ]);
  const gw = await startGateway(
    t,
    {
      version: 1,
      gateway: {
        listen: `127.0.0.1:${relay.port}`,
        dataDir: join(tempDir(t), 'data'),
        auth: { users: { alice: { tokens: [hashToken(ALICE)], admin: true }, bob: { tokens: [hashToken(BOB)] } } },
      },
      servers: {
        secure: { url: secure.url, auth: { type: 'oauth' } },
        team: { url: secure.url.replace('/mcp', '/mcp?team'), auth: { type: 'oauth', tokens: 'shared' } },
      },
    },
    { relay, env: { OAUTH_ENCRYPTION_KEY: KEY } },
  );
  const c = (args: string[]) => [...args, '-c', gw.configPath];

  // bob may not authorize for alice, nor a server everyone shares.
  const refused = await cli(BOB, c(['auth', 'login', 'secure', '--user', 'alice', '--no-browser']));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /MCPGW_E_OAUTH_FORBIDDEN/);
  assert.match(refused.stderr, /another user's/);
  const shared = await cli(BOB, c(['auth', 'login', 'team', '--no-browser']));
  assert.equal(shared.code, 1);
  assert.match(shared.stderr, /one authorization for everyone \(tokens: shared\): only an admin/);

  // alice (admin) authorizes secure for bob: the link is bob's; bob's browser signs in as gh-bob.
  const run = spawnMcpgw(t, c(['auth', 'login', 'secure', '--user', 'bob', '--no-browser']), {
    env: { MCPGW_TOKEN: ALICE, OAUTH_ENCRYPTION_KEY: KEY },
  });
  const url = await waitFor(() => /^\s+(https?:\S+)$/m.exec(run.stdout())?.[1], 'the authorization URL', 30_000);
  const page = await followAuthorization(url, { confirm: false });
  assert.match(page.body, /for bob/);
  assert.equal((await followAuthorization(url, { jar: browserOf('gh-bob', upstreamAs.issuer) })).status, 200);
  assert.equal(await run.exited, 0, run.stderr());
  assert.match(run.stdout(), /Authorized secure\./);

  // Who sees what: alice sees bob's (admin); bob sees his own, not alice's.
  const aliceView = JSON.parse((await cli(ALICE, c(['auth', 'status', '--user', 'bob', '--json']))).stdout);
  assert.equal(aliceView.servers.find((s: { server: string }) => s.server === 'secure').status, 'authorized');
  const aliceOwn = JSON.parse((await cli(ALICE, c(['auth', 'status', '--json']))).stdout);
  assert.equal(aliceOwn.servers.find((s: { server: string }) => s.server === 'secure').status, 'needs_authorization');
  const bobOwn = JSON.parse((await cli(BOB, c(['auth', 'status', '--json']))).stdout);
  assert.equal(bobOwn.servers.find((s: { server: string }) => s.server === 'secure').status, 'authorized');
  // The status page: alice (admin) sees who has authorized secure; bob sees only his own.
  const statusPage = async (token: string) =>
    (await fetch(gw.url, { headers: { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` } })).text();
  const adminPage = await statusPage(ALICE);
  assert.match(adminPage, /1 user authorized/);
  assert.match(adminPage, /data-identity="bob">bob: authorized/);
  const bobPage = await statusPage(BOB);
  assert.doesNotMatch(bobPage, /user authorized|data-identity/);
  assert.match(bobPage, /\(yours\)/);
  const nosy = await cli(BOB, c(['auth', 'status', '--user', 'alice']));
  assert.equal(nosy.code, 1);
  assert.match(nosy.stderr, /only an admin sees the authorizations of another user/);

  // bob may not forget the client everyone uses, nor alice's tokens; alice logs bob out.
  const forget = await cli(BOB, c(['auth', 'logout', 'secure', '--forget-client']));
  assert.equal(forget.code, 1);
  assert.match(forget.stderr, /client registration of "secure" serves every user/);
  const out = await cli(ALICE, c(['auth', 'logout', 'secure', '--user', 'bob']));
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /Logged out of secure\./);
  const bobAfter = JSON.parse((await cli(BOB, c(['auth', 'status', '--json']))).stdout);
  assert.equal(bobAfter.servers.find((s: { server: string }) => s.server === 'secure').status, 'needs_authorization');
  for (const secret of [ALICE, BOB]) assert.ok(!gw.logs.join('').includes(secret), 'no user token in the log');
});
