// The PostgreSQL test helper and the `pg` driver (issue 16 groundwork): a real server of the
// test's own on a Unix socket, roles with exactly the rights SPEC section 11 names, and a
// pool that survives the server stopping and starting again.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { ROOT } from '../helpers/gateway.js';
import { POSTGRES_SKIP, startPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const skip = POSTGRES_SKIP;

/** The SQLSTATE of what `run` rejects with (undefined if it resolves). */
async function sqlState(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).message;
  }
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

test('a role that owns its database creates tables there and nowhere else; others are refused', { skip }, async (t) => {
  const server = await startPostgres(t);
  const app = await server.createDatabase();
  const other = await server.createDatabase();

  await withClient(app.url, async (c) => {
    await c.query('CREATE TABLE tokens (id text PRIMARY KEY, sealed bytea NOT NULL)');
    await c.query('INSERT INTO tokens VALUES ($1, $2)', ['a', Buffer.from('x')]);
    assert.equal((await c.query('SELECT count(*)::int AS n FROM tokens')).rows[0].n, 1);
    const [flags] = (await c.query('SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user')).rows;
    assert.deepEqual(flags, { rolsuper: false, rolcreatedb: false, rolcreaterole: false });
    assert.equal(await sqlState(() => c.query('CREATE DATABASE elsewhere')), '42501');
  });
  // Its own database only: CONNECT on the other one is revoked from PUBLIC.
  assert.equal(await sqlState(() => withClient(server.url({ ...app, database: other.database }), async () => undefined)), '42501');

  const bare = await server.createRoleWithoutRights(app.database);
  await withClient(bare.url, async (c) => {
    assert.equal(await sqlState(() => c.query('CREATE TABLE nope (x int)')), '42501', 'no CREATE on schema public');
    assert.equal(await sqlState(() => c.query('SELECT * FROM tokens')), '42501', 'no SELECT on the owner’s table');
  });
  const outsider = await server.createRoleWithoutRights(app.database, { connect: false });
  assert.equal(await sqlState(() => withClient(outsider.url, async () => undefined)), '42501', 'no CONNECT');
  assert.equal(await sqlState(() => withClient(server.url({ ...app, password: 'wrong' }), async () => undefined)), '28P01');
  assert.equal(await sqlState(() => withClient(server.url({ ...app, database: 'missing' }), async () => undefined)), '3D000');
});

test('a pool survives the server stopping (fast and immediate) and starting again', { skip }, async (t) => {
  const server = await startPostgres(t);
  const app = await server.createDatabase();
  const pool = new pg.Pool({ connectionString: app.url, max: 2, connectionTimeoutMillis: 2000 });
  const poolErrors: string[] = [];
  // An idle client whose server goes away is reported here; without a listener it would crash the process.
  pool.on('error', (err) => poolErrors.push((err as { code?: string }).code ?? err.message));
  t.after(() => pool.end());
  await pool.query('CREATE TABLE kv (k text PRIMARY KEY, v int NOT NULL)');
  await pool.query("INSERT INTO kv VALUES ('a', 1)");

  for (const mode of ['fast', 'immediate'] as const) {
    const pid = server.pid;
    const stopped = Date.now();
    await server.stop({ mode });
    assert.equal(server.running, false);
    assert.equal(existsSync(`/proc/${pid}`), false, 'the postmaster is gone');
    // Down: a query fails at once (the socket is gone), it does not hang.
    assert.match(String(await sqlState(() => pool.query('SELECT 1'))), /ENOENT|ECONNREFUSED|57P0[13]|terminat|Connection/i);
    await server.start();
    t.diagnostic(`${mode} stop and start: ${Date.now() - stopped} ms`);
    // The pool replaces its broken clients by itself.
    const rows = await waitFor(
      async () => (await pool.query<{ v: number }>("UPDATE kv SET v = v + 1 WHERE k = 'a' RETURNING v")).rows,
      'the pool to reconnect',
    );
    assert.equal(rows[0]!.v, mode === 'fast' ? 2 : 3, 'the data survived');
  }
  t.diagnostic(`pool errors while down: ${poolErrors.join(', ') || 'none'}`);
});

test('tcp: true also listens on 127.0.0.1', { skip }, async (t) => {
  const server = await startPostgres(t, { tcp: true });
  const app = await server.createDatabase();
  assert.notEqual(server.port, 5432);
  const url = server.url(app, { tcp: true });
  assert.match(url, /^postgresql:\/\/[^@]+@127\.0\.0\.1:\d+\//);
  assert.equal(await withClient(url, async (c) => (await c.query('SELECT 1 AS one')).rows[0].one), 1);
  await server.stop();
  await server.start();
  assert.equal(await withClient(url, async (c) => (await c.query('SELECT 2 AS two')).rows[0].two), 2);
});

test('close() stops the server and removes its folder; a killed test process takes its server along', { skip }, async (t) => {
  const server = await startPostgres(t);
  const { pid, dir } = server;
  await server.close();
  await server.close();
  assert.equal(existsSync(`/proc/${pid}`), false);
  assert.equal(existsSync(dir), false);

  // No after-hook runs when a test process is killed: --pdeathsig stops the server anyway.
  const holder = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/fixtures/postgres/holder.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => void (holder.exitCode === null && holder.signalCode === null && holder.kill('SIGKILL')));
  let out = '';
  holder.stdout.on('data', (d) => (out += d));
  holder.stderr.on('data', (d) => (out += d));
  const [, heldPid, heldDir] = await waitFor(() => /POSTMASTER (\d+) (\S+)/.exec(out), 'the holder to start postgres', 60_000);
  t.after(() => rmSync(heldDir!, { recursive: true, force: true }));
  assert.ok(existsSync(`/proc/${heldPid}`));
  holder.kill('SIGKILL');
  await waitFor(
    () => !existsSync(`/proc/${heldPid}`) || /^State:\s+Z/m.test(readStatus(Number(heldPid))),
    'the orphaned postmaster to exit',
    15_000,
  );
});

function readStatus(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}
