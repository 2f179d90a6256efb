// doctor on the PostgreSQL store (issue 16 item 5), against a real server: reachable or not
// (each refusal with its code and fix), the schema version, the key against the check value
// the database holds; read-only (nothing created, nothing written), never the URL's password.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createLogger } from '../../src/log.js';
import { SCHEMA_VERSION } from '../../src/store/pg-schema.js';
import { PgEntryStore } from '../../src/store/postgres.js';
import { doctor, SECRETS } from '../helpers/doctor.js';
import { tempDir } from '../helpers/gateway.js';
import { POSTGRES_SKIP, startPostgres, type PgRole, type Postgres } from '../helpers/postgres.js';

const skip = POSTGRES_SKIP;

function config(t: TestContext): Record<string, unknown> {
  return {
    gateway: { dataDir: tempDir(t), store: { type: 'postgres', url: '$<env:DATABASE_URL>' } },
    servers: { secure: { url: 'http://127.0.0.1:9/mcp', auth: { type: 'oauth' } } },
  };
}

/** doctor's findings of the database check (offline servers aside: only this check is looked at). */
async function databaseFindings(t: TestContext, url: string, key = SECRETS.key) {
  const d = await doctor(t, config(t), { env: { DATABASE_URL: url, OAUTH_ENCRYPTION_KEY: key }, timeoutMs: 10_000 });
  const found = d.report.findings.filter((f) => f.check === 'database');
  assert.equal(d.report.findings.filter((f) => f.check === 'store').length, 0, 'no file store finding for a database store');
  for (const f of found) assert.doesNotMatch(JSON.stringify(f), /password=|:[0-9a-f]{32}@/, 'no password');
  return found;
}

async function tables(server: Postgres, db: PgRole): Promise<number> {
  return (await server.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'mcpgw_%'`, [], db.database))[0]!
    .n;
}

test('doctor: a reachable database, before and after the daemon created its schema; another key; a newer schema', { skip }, async (t) => {
  const server = await startPostgres(t);
  const db = await server.createDatabase();

  let [f] = await databaseFindings(t, db.url);
  assert.equal(f!.code, 'MCPGW_I_STORE_DB_OK');
  assert.match(f!.message, /no schema yet/);
  assert.ok(!f!.message.includes(db.password));
  assert.equal(await tables(server, db), 0, 'doctor creates nothing');

  const store = await PgEntryStore.open({ url: db.url, key: SECRETS.key, log: createLogger('test') });
  await store.close();
  [f] = await databaseFindings(t, db.url);
  assert.equal(f!.code, 'MCPGW_I_STORE_DB_OK', f!.message);
  assert.match(f!.message, new RegExp(`schema version ${SCHEMA_VERSION}, the encryption key matches its check value`));
  assert.match(f!.message, new RegExp(`${db.user}@.*/${db.database}`), 'where: user@host:port/db');

  [f] = await databaseFindings(t, db.url, 'another-encryption-key-for-doctor-0123456789');
  assert.equal(f!.code, 'MCPGW_E_STORE_DECRYPT');
  assert.equal(f!.severity, 'error');
  assert.match(f!.hint ?? '', /OAUTH_ENCRYPTION_KEY/);
  assert.equal(f!.path, 'gateway.store.url');

  await server.query(`UPDATE mcpgw_meta SET value = '99' WHERE name = 'schema_version'`, [], db.database);
  const before = await server.query('SELECT * FROM mcpgw_meta ORDER BY name', [], db.database);
  [f] = await databaseFindings(t, db.url);
  assert.equal(f!.code, 'MCPGW_E_STORE_SCHEMA');
  assert.match(f!.hint ?? '', /upgrade/);
  assert.deepEqual(await server.query('SELECT * FROM mcpgw_meta ORDER BY name', [], db.database), before, 'doctor writes nothing');
});

test('doctor: a wrong password, no such database, no server, a role without rights, not a postgres URL', { skip }, async (t) => {
  const server = await startPostgres(t);
  const db = await server.createDatabase();
  const bare = await server.createRoleWithoutRights(db.database);
  const cases: [string, string, string, RegExp][] = [
    ['a wrong password', server.url({ ...db, password: `x${db.password}` }), 'MCPGW_E_STORE_DB_AUTH', /user, password and database/],
    ['no such database', server.url({ ...db, database: 'missing' }), 'MCPGW_E_STORE_DB_AUTH', /database name/],
    [
      'no server',
      db.url.replace(encodeURIComponent(server.socketDir), encodeURIComponent(`${server.dir}/none`)),
      'MCPGW_E_STORE_DB',
      /PostgreSQL runs/,
    ],
    ['a role without rights', bare.url, 'MCPGW_E_STORE_DB_RIGHTS', /own its database/],
    ['not a postgres URL', `mysql://${db.user}:${db.password}@localhost/x`, 'MCPGW_E_STORE_DB_URL', /postgresql:\/\//],
  ];
  for (const [what, url, code, hint] of cases) {
    const [f, ...rest] = await databaseFindings(t, url);
    assert.equal(rest.length, 0, what);
    assert.equal(f!.code, code, `${what}: ${f!.message}`);
    assert.equal(f!.severity, 'error', what);
    assert.match(f!.hint ?? '', hint, what);
    for (const secret of [db.password, bare.password]) assert.ok(!JSON.stringify(f).includes(secret), `${what}: no password`);
  }
});
