// The acceptance test of issue 16 (SPEC section 11): three `mcpgw run` processes on one
// PostgreSQL database behind a round-robin balancer, an OAuth upstream whose authorization
// server (oidc-provider) rotates refresh tokens and issues access tokens of 4 s, called
// continuously by several clients for more than three token lifetimes: no call fails, each
// token generation is refreshed exactly once across the replicas (the server's own grant
// counts), and no refresh token is ever sent twice (no invalid_grant).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { stringify } from 'yaml';
import { connect, tempDir, waitReady } from '../helpers/gateway.js';
import { spawnMcpgw } from '../helpers/mcpgw.js';
import { followAuthorization, startOAuthUpstream } from '../helpers/oauth.js';
import { POSTGRES_SKIP, startPostgres } from '../helpers/postgres.js';
import { startRoundRobin } from '../helpers/round-robin.js';

const KEY = 'an-encryption-key-shared-by-the-replicas-0123456789';
const SESSION_KEY = 'a-session-key-shared-by-the-replicas-0123456789';
const ACCESS_TTL_S = 4;
const RUN_MS = 3.5 * ACCESS_TTL_S * 1000;
const CLIENTS = 4;

test(
  'three replicas, one database, rotating refresh tokens: zero failed calls, one refresh per token generation, no invalid_grant',
  { skip: POSTGRES_SKIP },
  async (t: TestContext) => {
    const t0 = Date.now();
    const phases: string[] = [];
    const phase = (name: string) => phases.push(`${name} ${Date.now() - t0} ms`);
    const [db, { as, secure, relay }] = await Promise.all([
      startPostgres(t).then((server) => server.createDatabase()),
      startOAuthUpstream(t, { accessTtl: ACCESS_TTL_S }),
    ]);
    phase('postgres and the OAuth upstream');
    const dir = tempDir(t);
    const configPath = join(dir, 'gateway.yaml');
    // One publicUrl for all (the redirect URI the registration holds): the relay, pointed at the
    // replica that runs the authorization (a pending authorization lives where it started).
    writeFileSync(
      configPath,
      stringify({
        version: 1,
        gateway: {
          listen: '127.0.0.1:0',
          publicUrl: `http://localhost:${relay.port}`,
          sessionKey: '$<env:MCPGW_SESSION_KEY>',
          store: { type: 'postgres', url: '$<env:DATABASE_URL>' },
        },
        servers: { secure: { url: secure.url, auth: { type: 'oauth' } } },
      }),
    );
    const replica = async (i: number) => {
      const run = spawnMcpgw(t, ['run', '-c', configPath], {
        env: {
          ...process.env,
          MCPGW_WATCH: 'off',
          MCPGW_DATA_DIR: join(dir, `data${i}`),
          OAUTH_ENCRYPTION_KEY: KEY,
          MCPGW_SESSION_KEY: SESSION_KEY,
          DATABASE_URL: db.url,
        },
      });
      // A loaded machine (CI's 2 cores) can take long to start three daemons.
      return { run, url: await run.listening(60_000) };
    };

    const replicas = await Promise.all([0, 1, 2].map(replica));
    phase('three replicas listening');
    relay.forward(Number(new URL(replicas[0]!.url).port));
    const page = await followAuthorization(`http://localhost:${relay.port}/oauth/start/secure`);
    assert.equal(page.status, 200, page.body);
    // The other replicas learn the tokens from the database (LISTEN/NOTIFY), not from a login.
    await Promise.all(replicas.map((r) => waitReady(r.url, ['secure'])));
    phase('authorized on replica 0, ready on all');
    const lb = await startRoundRobin(
      t,
      replicas.map((r) => r.url),
    );

    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connect(t, lb.url)));
    const before = await as.stats();
    const started = Date.now();
    let ok = 0;
    const failures: string[] = [];
    await Promise.all(
      clients.map(async (client, c) => {
        for (let i = 0; Date.now() - started < RUN_MS; i++) {
          const text = `client ${c} call ${i}`;
          try {
            const result = await client.callTool({ name: 'secure__echo', arguments: { text } });
            if (result.isError || JSON.stringify(result.structuredContent) !== JSON.stringify({ text }))
              failures.push(`${text}: ${JSON.stringify(result)}`);
            else ok++;
          } catch (err) {
            failures.push(`${text}: ${(err as Error).message}`);
          }
        }
      }),
    );
    const elapsed = Date.now() - started;
    phase('calls done');
    const after = await as.stats();
    const seen = await secure.stats();
    const refreshes = after.refreshGrants - before.refreshGrants;
    const perReplica = replicas.map((r) => (r.run.stderr().match(/access token refreshed/g) ?? []).length);
    const elsewhere = replicas.map((r) => (r.run.stderr().match(/refreshed elsewhere/g) ?? []).length);
    t.diagnostic(
      `${ok} calls in ${elapsed} ms through ${replicas.length} replicas, ${failures.length} failed; ` +
        `${refreshes} refresh grants (${perReplica.join('/')} per replica, ${elsewhere.join('/')} found done elsewhere), ` +
        `${after.rotations - before.rotations} rotations, token errors ${JSON.stringify(after.tokenErrors)}, ` +
        `${seen.tokens.length} access tokens seen upstream, rejected ${JSON.stringify(seen.rejected)}; ${phases.join(', ')}`,
    );

    assert.deepEqual(failures, [], 'zero failed calls');
    assert.ok(elapsed >= 3 * ACCESS_TTL_S * 1000, 'at least three token lifetimes');
    assert.deepEqual(after.tokenErrors, {}, 'no invalid_grant (no refresh token sent twice), no other token error');
    assert.equal(after.rotations - before.rotations, refreshes, 'every refresh rotated the refresh token');
    assert.equal(
      perReplica.reduce((a, b) => a + b, 0),
      after.refreshGrants,
      'the replicas together sent exactly the grants the server counted',
    );
    // Each generation is refreshed once, halfway through its life (auth/refresh.ts refreshDue):
    // at least once per lifetime, and never twice: a generation is at least half a lifetime old
    // when its refresh is due, so consecutive grants (the server's own clock) are at least that
    // far apart (less a few ms: the client dates the token when the answer arrives).
    assert.ok(refreshes >= Math.floor(elapsed / (ACCESS_TTL_S * 1000)), `${refreshes} refreshes in ${elapsed} ms: too few`);
    const gaps = after.refreshedAt.slice(1).map((at, i) => at - after.refreshedAt[i]!);
    assert.ok(
      gaps.every((gap) => gap >= (ACCESS_TTL_S * 1000) / 2 - 50),
      `refresh grants ${gaps.join(', ')} ms apart: a generation was refreshed twice`,
    );
    assert.ok(perReplica.filter((n) => n > 0).length >= 2, `the refreshes were spread over the replicas: ${perReplica.join('/')}`);
    assert.equal(lb.initializes(), CLIENTS, 'no client had to initialize again');
  },
);
