// The PostgreSQL store (SPEC section 11, issue 16 items 1 and 2) against a real server of the
// test's own (test/helpers/postgres.ts): round-trips through the daemon's store, sealed rows,
// another key and a newer schema refused without a write, replicas creating the schema at
// once, the coded errors of a wrong URL, an unreachable server and a role without rights, and
// an outage of the database that a daemon holding its tokens rides out and recovers from.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { stringify } from 'yaml';
import type { ServerEntry } from '../../src/auth/types.js';
import { createLogger } from '../../src/log.js';
import { PgEntryStore } from '../../src/store/postgres.js';
import { SCHEMA_VERSION } from '../../src/store/pg-schema.js';
import { connect, startGateway, tempDir, waitReady, type TestGateway } from '../helpers/gateway.js';
import { spawnMcpgw } from '../helpers/mcpgw.js';
import { followAuthorization, startOAuthUpstream } from '../helpers/oauth.js';
import { POSTGRES_SKIP, startPostgres, type PgRole, type Postgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const skip = POSTGRES_SKIP;
const KEY = 'a-postgres-store-key-for-the-tests-0123456789';
const OTHER_KEY = 'another-postgres-store-key-for-the-tests-9876';
const log = createLogger('test');

function entry(secret: string, issuer = 'https://as.example'): ServerEntry {
  return {
    serverUrl: 'https://mcp.example/mcp',
    issuer,
    resource: 'https://mcp.example/mcp',
    tokens: { accessToken: `access-${secret}`, refreshToken: `refresh-${secret}`, expiresAt: Date.now() + 3_600_000 },
    // One registration per (server, issuer), shared by every identity (as the daemon registers).
    client: {
      clientId: 'client-shared',
      clientSecret: 'client-secret-s3cr3t-shared',
      redirectUri: 'http://localhost/oauth/callback',
      method: 'dynamic',
      registeredAt: 1,
    },
    updatedAt: Date.now(),
  };
}

async function openStore(t: TestContext, url: string, key = KEY): Promise<PgEntryStore> {
  const store = await PgEntryStore.open({ url, key, log });
  t.after(() => store.close());
  return store;
}

/** Every row of the store's tables, as text (to compare before and after, and to look for secrets). */
async function rows(server: Postgres, db: PgRole): Promise<string> {
  const out: Record<string, unknown[]> = {};
  for (const table of ['mcpgw_meta', 'mcpgw_tokens', 'mcpgw_clients'])
    out[table] = await server.query(`SELECT * FROM ${table} ORDER BY 1, 2`, [], db.database);
  return JSON.stringify(out);
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (err: { code?: string; message: string }) => err,
  );
}

test('tokens and registrations round-trip through the store, sealed; another replica sees each change', { skip }, async (t) => {
  const server = await startPostgres(t);
  const db = await server.createDatabase();
  const a = await openStore(t, db.url);
  const b = await openStore(t, db.url);
  assert.deepEqual(a.state(), { type: 'postgres', state: 'ok', lastError: null });

  await a.set('local', 'github', entry('s3cr3t-owner'));
  await a.set('alice@example.com', 'github', entry('s3cr3t-alice'));
  assert.equal(a.get('owner', 'github')?.tokens?.accessToken, 'access-s3cr3t-owner', 'local and owner are one slot');
  await waitFor(() => b.get('alice@example.com', 'github'), 'the other replica to see the new entry');
  assert.deepEqual(b.get('alice@example.com', 'github'), a.get('alice@example.com', 'github'));

  // A third store, started now, reads it all back from the rows.
  const c = await openStore(t, db.url);
  assert.deepEqual(c.get('owner', 'github'), a.get('owner', 'github'));
  assert.equal(c.get('alice@example.com', 'github')?.client?.clientSecret, 'client-secret-s3cr3t-shared');

  const text = await rows(server, db);
  assert.doesNotMatch(text, /s3cr3t/, 'no token, refresh token or client secret in plain text');
  assert.match(text, /"identity":"alice@example.com"/, 'the keys are plain (they are looked up)');
  assert.equal(
    (await server.query('SELECT count(*)::int AS n FROM mcpgw_clients', [], db.database))[0]!.n,
    1,
    'one registration per (server, issuer)',
  );

  // A row moved to another primary key does not open there (the seal is bound to its key).
  await a.set('bob@example.com', 'github', entry('s3cr3t-bob'));
  await server.query(
    `UPDATE mcpgw_tokens SET sealed = (SELECT sealed FROM mcpgw_tokens WHERE identity = 'owner') WHERE identity = 'bob@example.com'`,
    [],
    db.database,
  );
  const d = await openStore(t, db.url);
  assert.equal(d.get('bob@example.com', 'github'), undefined);
  assert.equal(d.state().lastError?.code, 'MCPGW_E_STORE_CORRUPT');
  const before = await rows(server, db);
  await d.set('bob@example.com', 'github', entry('new'));
  assert.equal(await rows(server, db), before, 'an unreadable row is never written over');

  await a.set('alice@example.com', 'github', undefined);
  await waitFor(() => b.get('alice@example.com', 'github') === undefined, 'the delete to reach the other replica');
  assert.equal(
    (await server.query(`SELECT count(*)::int AS n FROM mcpgw_tokens WHERE identity = 'alice@example.com'`, [], db.database))[0]!.n,
    0,
  );
  await a.forgetClient('github');
  assert.equal((await server.query('SELECT count(*)::int AS n FROM mcpgw_clients', [], db.database))[0]!.n, 0);
  await waitFor(
    () => b.get('owner', 'github') && !b.get('owner', 'github')!.client,
    'the forgotten registration to reach the other replica',
  );
});

test('another encryption key and a newer schema are refused, and nothing in the database changes', { skip }, async (t) => {
  const server = await startPostgres(t);
  const db = await server.createDatabase();
  const first = await openStore(t, db.url);
  await first.set('owner', 'github', entry('kept'));
  await first.close();
  const before = await rows(server, db);

  const wrong = await openStore(t, db.url, OTHER_KEY);
  assert.equal(wrong.problem()?.code, 'MCPGW_E_STORE_DECRYPT');
  assert.equal(wrong.state().state, 'error');
  assert.equal(wrong.get('owner', 'github'), undefined);
  const refused = await rejection(wrong.exclusive('owner', 'github', async () => ({ write: { entry: entry('over') }, result: 1 })));
  assert.equal(refused.code, 'MCPGW_E_STORE_DECRYPT');
  await wrong.set('owner', 'github', entry('over'));
  await wrong.forgetClient('github').catch(() => undefined);
  await wrong.close();
  assert.equal(await rows(server, db), before, 'a wrong key overwrites nothing');

  await server.query(`UPDATE mcpgw_meta SET value = $1 WHERE name = 'schema_version'`, [String(SCHEMA_VERSION + 1)], db.database);
  const newer = await rows(server, db);
  const old = await openStore(t, db.url);
  assert.equal(old.problem()?.code, 'MCPGW_E_STORE_SCHEMA');
  assert.match(old.problem()!.message, new RegExp(`schema version ${SCHEMA_VERSION + 1}`));
  assert.doesNotMatch(old.problem()!.message, new RegExp(db.password));
  await old.set('owner', 'github', entry('over'));
  await old.close();
  assert.equal(await rows(server, db), newer, 'a newer schema is left untouched');
});

/** A config with one OAuth server (so the store opens at start) on the database of $DATABASE_URL. */
function storeConfig(dataDir: string, serverUrl = 'http://127.0.0.1:9/mcp', listen = '127.0.0.1:0'): Record<string, unknown> {
  return {
    version: 1,
    gateway: { listen, dataDir, store: { type: 'postgres', url: '$<env:DATABASE_URL>' } },
    servers: { secure: { url: serverUrl, auth: { type: 'oauth' } } },
  };
}

test('two daemons started at the same moment on an empty database both come up, with one schema', { skip }, async (t) => {
  const server = await startPostgres(t);
  const db = await server.createDatabase();
  const dir = tempDir(t);
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(configPath, stringify(storeConfig(join(dir, 'data'))));
  const runs = [0, 1].map((i) =>
    spawnMcpgw(t, ['run', '-c', configPath], {
      env: { ...process.env, MCPGW_WATCH: 'off', MCPGW_DATA_DIR: join(dir, `data${i}`), OAUTH_ENCRYPTION_KEY: KEY, DATABASE_URL: db.url },
    }),
  );
  // Two daemons starting together on a loaded machine (CI's 2 cores) can take long to listen.
  const urls = await Promise.all(runs.map((r) => r.listening(60_000)));
  for (const url of urls) {
    const store = await waitFor(async () => {
      const status = (await (await fetch(`${url}/status`)).json()) as Record<string, any>;
      return status.store?.state === 'ok' ? status.store : undefined;
    }, 'the store to open');
    assert.deepEqual(store, { type: 'postgres', state: 'ok', lastError: null });
  }
  const meta = await server.query<{ name: string; value: string }>('SELECT name, value FROM mcpgw_meta ORDER BY name', [], db.database);
  assert.deepEqual(
    meta.map((m) => m.name),
    ['kdf', 'key_check', 'schema_version'],
  );
  assert.equal(meta.find((m) => m.name === 'schema_version')!.value, String(SCHEMA_VERSION));
  const tables = await server.query<{ t: string }>(
    `SELECT tablename AS t FROM pg_tables WHERE tablename LIKE 'mcpgw_%' ORDER BY 1`,
    [],
    db.database,
  );
  assert.deepEqual(
    tables.map((r) => r.t),
    ['mcpgw_audit', 'mcpgw_clients', 'mcpgw_meta', 'mcpgw_tokens'],
  );
  for (const run of runs) assert.doesNotMatch(run.stderr(), /MCPGW_E_STORE|ERROR/);
});

async function storeStatus(gw: TestGateway): Promise<Record<string, any>> {
  return ((await (await fetch(`${gw.url}/status`)).json()) as Record<string, any>).store;
}

async function readyz(gw: TestGateway): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${gw.url}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

test(
  'a wrong URL, an unreachable server and a role without rights each give their coded error, without the password',
  { skip },
  async (t) => {
    const server = await startPostgres(t);
    const db = await server.createDatabase();
    const bare = await server.createRoleWithoutRights(db.database);
    const cases: [string, string, string][] = [
      ['not a postgres URL', `mysql://${db.user}:${db.password}@localhost/${db.database}`, 'MCPGW_E_STORE_DB_URL'],
      ['a wrong password', server.url({ ...db, password: `wrong${db.password}` }), 'MCPGW_E_STORE_DB_AUTH'],
      ['no such database', server.url({ ...db, database: 'missing' }), 'MCPGW_E_STORE_DB_AUTH'],
      [
        'no server there',
        db.url.replace(encodeURIComponent(server.socketDir), encodeURIComponent(join(server.dir, 'nowhere'))),
        'MCPGW_E_STORE_DB',
      ],
      ['a role without rights', bare.url, 'MCPGW_E_STORE_DB_RIGHTS'],
    ];
    for (const [what, url, code] of cases) {
      const gw = await startGateway(t, storeConfig(join(tempDir(t), 'data')), {
        env: { OAUTH_ENCRYPTION_KEY: KEY, DATABASE_URL: url },
        allowErrors: [/MCPGW_E_STORE/, /OAuth servers cannot start/],
      });
      const store = await waitFor(async () => {
        const s = await storeStatus(gw);
        return s?.lastError ? s : undefined;
      }, `the store error for ${what}`);
      assert.equal(store.state, 'error', what);
      assert.equal(store.lastError.code, code, `${what}: ${store.lastError.message}`);
      for (const secret of [db.password, bare.password]) assert.ok(!JSON.stringify(store).includes(secret), `${what}: no password`);
      const ready = await readyz(gw);
      assert.equal(ready.status, 503, what);
      assert.ok(ready.body.waiting.includes('store'), `${what}: /readyz waits on the store`);
      await gw.close();
    }
    assert.equal(
      (await server.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'mcpgw_%'`, [], db.database))[0]!.n,
      0,
      'nothing was created by the refused connections',
    );
  },
);

test(
  'PostgreSQL stopped for 10 s: the store is error, calls with the token held keep working, and it recovers without a restart',
  { skip },
  async (t) => {
    const server = await startPostgres(t);
    const db = await server.createDatabase();
    // Access tokens of two minutes: no refresh is due during the test (refreshDue: half the lifetime).
    const { as, secure, relay } = await startOAuthUpstream(t, { accessTtl: 120 });
    const gw = await startGateway(t, storeConfig(join(tempDir(t), 'data'), secure.url, `127.0.0.1:${relay.port}`), {
      relay,
      env: { OAUTH_ENCRYPTION_KEY: KEY, DATABASE_URL: db.url },
      allowErrors: [/MCPGW_E_STORE_DB/, /MCPGW_E_STORE_UNSAVED/],
    });
    const page = await followAuthorization(`http://localhost:${relay.port}/oauth/start/secure`);
    assert.equal(page.status, 200, page.body);
    await waitReady(gw.url, ['secure']);
    const client = await connect(t, gw.url);
    const echo = async (text: string) =>
      assert.deepEqual((await client.callTool({ name: 'secure__echo', arguments: { text } })).structuredContent, { text });
    await echo('before');
    const stored = await rows(server, db);
    assert.doesNotMatch(stored, new RegExp((await secure.stats()).tokens[0]!), 'the access token is sealed in its row');

    await server.stop();
    const down = Date.now();
    const failed = await waitFor(async () => {
      const s = await storeStatus(gw);
      return s.state === 'error' ? s : undefined;
    }, 'the store to report the lost database');
    assert.equal(failed.lastError.code, 'MCPGW_E_STORE_DB');
    assert.ok(!JSON.stringify(failed).includes(db.password), 'no password in /status');
    // A token is held in memory: /readyz stays 200 (SPEC section 11: 503 only while no token can be served).
    const ready = await readyz(gw);
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    let calls = 0;
    while (Date.now() - down < 10_000) {
      await echo(`during ${++calls}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    t.diagnostic(`${calls} calls while PostgreSQL was down, all answered`);
    assert.equal((await storeStatus(gw)).state, 'error');

    await server.start();
    await waitFor(async () => ((await storeStatus(gw)).state === 'ok' ? true : undefined), 'the store to recover by itself', 30_000);
    await echo('after');
    assert.equal((await as.stats()).refreshGrants, 0);
    // The recovered store writes again: a logout reaches the row.
    const logout = await fetch(`${gw.url}/oauth/logout/secure`, { method: 'POST' });
    assert.ok(logout.ok, `logout: HTTP ${logout.status}`);
    await waitFor(
      async () =>
        (await server.query<{ sealed: string }>('SELECT sealed FROM mcpgw_tokens', [], db.database))[0]?.sealed !==
        JSON.parse(stored).mcpgw_tokens[0].sealed,
      'the logout to be stored',
    );
  },
);
