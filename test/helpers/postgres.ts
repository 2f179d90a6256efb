// A real PostgreSQL for a test (issue 16): its own cluster in a temp folder, reached through a
// Unix socket in that folder, stopped and removed after the test even when it fails.
//
// - Binaries: $MCPGW_PG_BINDIR, else the folder of `initdb` on PATH (symlinks followed), else
//   Debian's /usr/lib/postgresql/<newest>/bin (Debian keeps initdb and postgres off PATH).
//   Without them the tests that use this skip, saying so (`{ skip: POSTGRES_SKIP }`), unless
//   MCPGW_REQUIRE_POSTGRES=1 (set by .ci/run), where they fail: CI installs them.
// - As root (CI), PostgreSQL refuses to run; initdb and the server run as the `postgres` system
//   user the Debian package creates (else `nobody`), through util-linux `setpriv` (or Node's
//   spawn uid/gid without it), the temp folder owned by that user.
// - The server is a direct child of the test process (not daemonized by pg_ctl), so the test
//   owns its pid; `setpriv --pdeathsig` stops it even if the test process is killed.
// - The socket, not a TCP port: nothing to choose or race for (PostgreSQL cannot report a port
//   it picked itself), and the URL stays valid across stop/start, while a released TCP port
//   could be taken by another test during a 10 s outage. `tcp: true` adds 127.0.0.1 on a port
//   picked by the OS and retries when PostgreSQL finds it taken meanwhile.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { within } from './wait.js';

const SUPERUSER = 'postgres';
const SOCKET_PORT = 5432;

/** The folder with initdb and postgres, or undefined. */
export function postgresBinDir(): string | undefined {
  const has = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
  const fromEnv = process.env.MCPGW_PG_BINDIR;
  if (fromEnv) return has(fromEnv) ? fromEnv : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const initdb = join(dir, 'initdb');
    if (!existsSync(initdb)) continue;
    const real = dirname(realpathSync(initdb));
    if (has(real)) return real;
  }
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian) ? readdirSync(debian).filter((v) => /^\d+$/.test(v)) : [];
  for (const v of versions.sort((a, b) => Number(b) - Number(a))) if (has(join(debian, v, 'bin'))) return join(debian, v, 'bin');
  return undefined;
}

/** `{ skip: POSTGRES_SKIP }` on a test that needs PostgreSQL: a reason to skip, or false. */
export const POSTGRES_SKIP: string | false =
  postgresBinDir() === undefined && process.env.MCPGW_REQUIRE_POSTGRES !== '1'
    ? 'PostgreSQL binaries (initdb, postgres) not found: apt-get install postgresql, or set MCPGW_PG_BINDIR'
    : false;

export interface PgRole {
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** libpq URL through the socket (`postgresql://user:pw@/db?host=DIR&port=5432`). */
  readonly url: string;
}

export interface Postgres {
  /** The temp folder: data/ and the socket. */
  readonly dir: string;
  readonly socketDir: string;
  /** The socket's port number (.s.PGSQL.PORT), also the TCP port with `tcp: true`. */
  readonly port: number;
  readonly running: boolean;
  /** The postmaster's pid while it runs. */
  readonly pid: number | undefined;
  /** libpq URL for a role; `tcp` gives 127.0.0.1:port (only with `tcp: true`). */
  url(role: { user: string; password?: string; database: string }, options?: { tcp?: boolean }): string;
  /** The superuser's URL (trusted on the socket only). */
  readonly superuserUrl: string;
  /** Runs SQL as the superuser (in `database`, default postgres). */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[], database?: string): Promise<R[]>;
  /** A database and a role that owns it and has no other right (what SPEC section 11 asks of the store's role). */
  createDatabase(name?: string): Promise<PgRole>;
  /** A login role with no right on `database`, beyond CONNECT unless `connect: false`. */
  createRoleWithoutRights(database: string, options?: { connect?: boolean }): Promise<PgRole>;
  /** Stops the server: `fast` (SIGINT: clients disconnected, clean) or `immediate` (SIGQUIT: like a crash). */
  stop(options?: { mode?: 'fast' | 'immediate' }): Promise<void>;
  /** Starts it again on the same data, socket and port; resolves when it accepts queries. */
  start(): Promise<void>;
  /** The server's log (stderr), for diagnostics. */
  log(): string;
  /** Stops the server and removes the folder; idempotent (also run after the test). */
  close(): Promise<void>;
}

export interface PostgresOptions {
  /** Also listen on 127.0.0.1 (default: the socket only). */
  readonly tcp?: boolean;
  /** Extra server settings (`-c name=value`). */
  readonly settings?: Readonly<Record<string, string>>;
  readonly readyTimeoutMs?: number;
}

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** As root: the postgres system user (else nobody); otherwise ourselves. */
function serverUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const fields = passwd.find((l) => l.startsWith(`${name}:`))?.split(':');
    if (fields) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

const hasSetpriv = process.platform === 'linux' && spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;

/** Spawns a PostgreSQL binary as the server user, ended with SIGINT if the test process dies. */
function spawnAs(user: RunAs | undefined, bin: string, args: string[], cwd: string): ChildProcess {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' };
  const stdio = ['ignore', 'pipe', 'pipe'] as const;
  if (hasSetpriv) {
    const drop = user ? ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups'] : [];
    return spawn('setpriv', [...drop, '--pdeathsig', 'INT', '--', bin, ...args], { cwd, env, stdio: [...stdio] });
  }
  return spawn(bin, args, { cwd, env, stdio: [...stdio], ...(user ? { uid: user.uid, gid: user.gid } : {}) });
}

function collect(child: ChildProcess, sink: (text: string) => void): void {
  child.stdout!.on('data', (d) => sink(String(d)));
  child.stderr!.on('data', (d) => sink(String(d)));
}

/** A port the OS picked just now on 127.0.0.1 (PostgreSQL binds it after us: may be taken meanwhile). */
async function pickPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether any user may pass through every folder down to `dir` (o+x on each). */
function traversable(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;
let counter = 0;

/** Starts a cluster of its own for this test (initdb ~1 s, start ~0.2 s on the CI machine). */
export async function startPostgres(t: TestContext, options: PostgresOptions = {}): Promise<Postgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(POSTGRES_SKIP || 'PostgreSQL binaries not found (MCPGW_REQUIRE_POSTGRES=1): apt-get install postgresql');
  const user = serverUser();
  // A socket path is limited to ~104 bytes (macOS), and $TMPDIR can be long there; as root,
  // the server user must be able to reach the folder ($TMPDIR may be under /root).
  const fits = join(tmpdir(), 'mcpgw-pg-XXXXXX/.s.PGSQL.5432').length < 100;
  const base = fits && (!user || traversable(tmpdir())) ? tmpdir() : '/tmp';
  const dir = mkdtempSync(join(base, 'mcpgw-pg-'));
  const data = join(dir, 'data');
  let closed: Promise<void> | undefined;
  let server: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log = '';
  const append = (text: string) => void (log = (log + text).slice(-1_000_000));
  t.after(() => close());

  const began = Date.now();
  if (user) chownSync(dir, user.uid, user.gid);
  const initdb = spawnAs(
    user,
    join(bin, 'initdb'),
    ['-D', data, '-U', SUPERUSER, '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
    dir,
  );
  collect(initdb, append);
  const code = await within(new Promise((resolve) => initdb.once('exit', resolve)), 'initdb', 60_000);
  if (code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${code}):\n${log}`);
  }
  // The superuser is trusted on the socket only (a 0700 folder: only its user and root reach
  // it); every other role needs its password, so a wrong password is a real failure.
  const hba = join(data, 'pg_hba.conf');
  writeFileSync(
    hba,
    [
      `local all ${SUPERUSER} trust`,
      'local all all scram-sha-256',
      'host all all 127.0.0.1/32 scram-sha-256',
      'host all all ::1/128 scram-sha-256',
      '',
    ].join('\n'),
  );
  if (user) chownSync(hba, user.uid, user.gid);
  const initMs = Date.now() - began;

  let port = options.tcp ? await pickPort() : SOCKET_PORT;
  const settings = (): string[] =>
    Object.entries({
      listen_addresses: options.tcp ? '127.0.0.1' : '',
      unix_socket_directories: dir,
      // A test cluster: durability across an OS crash is not needed, speed is. A commit still
      // reaches the kernel before it is acknowledged (synchronous_commit stays on), so an
      // immediate stop (a crash of PostgreSQL, not of the OS) loses nothing committed.
      fsync: 'off',
      full_page_writes: 'off',
      shared_buffers: '16MB',
      ...options.settings,
    }).flatMap(([k, v]) => ['-c', `${k}=${v}`]);

  const superuserUrl = () => `postgresql://${SUPERUSER}@/postgres?host=${encodeURIComponent(dir)}&port=${port}`;

  async function ready(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`postgres exited (${child.exitCode ?? child.signalCode}):\n${log}`);
      const client = new pg.Client({ connectionString: superuserUrl(), connectionTimeoutMillis: 1000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`postgres not ready after ${options.readyTimeoutMs ?? 30_000} ms: ${(err as Error).message}\n${log}`);
      } finally {
        await client.end().catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function startOnce(): Promise<void> {
    const child = spawnAs(user, join(bin!, 'postgres'), ['-D', data, '-p', String(port), ...settings()], dir);
    collect(child, append);
    server = child;
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    try {
      await ready(child);
    } catch (err) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      server = undefined;
      throw err;
    }
  }

  async function start(): Promise<void> {
    if (closed) throw new Error('start() after close()');
    if (server) return;
    for (let attempt = 1; ; attempt++) {
      const mark = log.length;
      try {
        return await startOnce();
      } catch (err) {
        const taken = options.tcp && /could not bind|Address already in use/.test(log.slice(mark));
        if (!taken || attempt >= 5) throw err;
        port = await pickPort();
      }
    }
  }

  async function stop(stopOptions: { mode?: 'fast' | 'immediate' } = {}): Promise<void> {
    const child = server;
    if (!child) return;
    child.kill(stopOptions.mode === 'immediate' ? 'SIGQUIT' : 'SIGINT');
    try {
      await within(exited, 'postgres to stop', 15_000);
    } catch {
      child.kill('SIGKILL');
      await exited;
    }
    server = undefined;
  }

  function close(): Promise<void> {
    return (closed ??= (async () => {
      try {
        await stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    })());
  }

  async function query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<R[]> {
    const client = new pg.Client({ connectionString: pgUrl({ user: SUPERUSER, database }) });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  function pgUrl(role: { user: string; password?: string; database: string }, urlOptions: { tcp?: boolean } = {}): string {
    const auth = `${encodeURIComponent(role.user)}${role.password ? `:${encodeURIComponent(role.password)}` : ''}`;
    if (urlOptions.tcp) {
      if (!options.tcp) throw new Error('url({ tcp: true }) needs startPostgres(t, { tcp: true })');
      return `postgresql://${auth}@127.0.0.1:${port}/${encodeURIComponent(role.database)}`;
    }
    return `postgresql://${auth}@/${encodeURIComponent(role.database)}?host=${encodeURIComponent(dir)}&port=${port}`;
  }

  const role = (prefix: string) => `${prefix}_${process.pid}_${++counter}`;

  const handle: Postgres = {
    dir,
    socketDir: dir,
    get port() {
      return port;
    },
    get running() {
      return server !== undefined;
    },
    get pid() {
      return server?.pid;
    },
    url: pgUrl,
    get superuserUrl() {
      return superuserUrl();
    },
    query,
    async createDatabase(name = role('mcpgw')) {
      if (!NAME.test(name)) throw new Error(`createDatabase: ${JSON.stringify(name)} is not a plain lowercase name`);
      const password = randomBytes(16).toString('hex');
      await query(`CREATE ROLE ${name} LOGIN PASSWORD '${password}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
      await query(`CREATE DATABASE ${name} OWNER ${name}`);
      await query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
      // PostgreSQL 15 gives schema public to pg_database_owner; before 15, PUBLIC could create there.
      const [{ v }] = await query<{ v: number }>('SELECT current_setting($1)::int AS v', ['server_version_num']);
      if (v! < 150000) {
        await query(`ALTER SCHEMA public OWNER TO ${name}`, [], name);
        await query('REVOKE CREATE ON SCHEMA public FROM PUBLIC', [], name);
      }
      return { user: name, password, database: name, url: pgUrl({ user: name, password, database: name }) };
    },
    async createRoleWithoutRights(database, roleOptions = {}) {
      if (!NAME.test(database)) throw new Error(`createRoleWithoutRights: ${JSON.stringify(database)} is not a plain lowercase name`);
      const user = role('norights');
      const password = randomBytes(16).toString('hex');
      await query(`CREATE ROLE ${user} LOGIN PASSWORD '${password}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
      if (roleOptions.connect !== false) await query(`GRANT CONNECT ON DATABASE ${database} TO ${user}`);
      return { user, password, database, url: pgUrl({ user, password, database }) };
    },
    stop,
    start,
    log: () => log,
    close,
  };

  await start();
  t.diagnostic(`postgres (${bin}${user ? `, as uid ${user.uid}` : ''}): initdb ${initMs} ms, ready ${Date.now() - began - initMs} ms`);
  return handle;
}
