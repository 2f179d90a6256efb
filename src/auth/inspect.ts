import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { McpgwError, type Finding } from '../errors/error.js';
import { EncryptedFileAdapter } from './adapter.js';
import { parseEnvelope } from './crypto.js';
import { ioError } from './private-file.js';
import { readLock } from './lock.js';
import { LOCK_FILE, STORE_FILE, type ServerEntry } from './types.js';

/** A record as doctor may show it: no token, secret or client id. */
export interface EntrySummary {
  readonly server: string;
  readonly serverUrl: string;
  readonly issuer: string;
  readonly hasAccessToken: boolean;
  /** ms since the epoch. */
  readonly expiresAt?: number;
  readonly hasRefreshToken: boolean;
  readonly clientMethod?: 'preregistered' | 'cimd' | 'dynamic';
  readonly scopes?: readonly string[];
  readonly updatedAt: number;
}

/** The token store's state for doctor and `auth status`. Contains no secret. */
export interface StoreHealth {
  readonly dataDir: string;
  readonly path: string;
  readonly lockPath: string;
  /** mode is the permission bits (e.g. 0o700); private: no access for group or others. */
  readonly dir: { exists: boolean; mode?: number; private?: boolean; writable?: boolean };
  readonly file: { exists: boolean; mode?: number; private?: boolean; size?: number; modifiedAt?: number };
  /** Undefined when not tried: no file, no key, or the envelope itself is unreadable. */
  readonly decryptable?: boolean;
  /** Why the file cannot be used (wrong key, damaged, unknown version, unreadable). */
  readonly problem?: McpgwError;
  /** Who holds `oauth-store.lock`: alive false means stale (the next open takes it over). */
  readonly lock: { exists: boolean; pid?: number; hostname?: string; startedAt?: string; alive?: boolean };
  /** Present once decrypted (empty when there is no file yet). */
  readonly entries?: readonly EntrySummary[];
  /** The entries of named users (team mode, SPEC section 10), by identity. */
  readonly byUser?: Readonly<Record<string, readonly EntrySummary[]>>;
  /** Permission warnings (MCPGW_W_STORE_PERMISSIONS), an unwritable dir, and the problem. */
  readonly findings: readonly Finding[];
}

/**
 * Looks at the store without changing anything: never creates, writes or locks, so doctor can
 * run next to a live daemon. Decrypts in memory when given the key.
 */
export async function inspectStore(dataDir: string, key?: string): Promise<StoreHealth> {
  const path = join(dataDir, STORE_FILE);
  const lockPath = join(dataDir, LOCK_FILE);
  const findings: Finding[] = [];

  const dirStat = await stat(dataDir).catch(() => undefined);
  const dir: StoreHealth['dir'] = dirStat
    ? { exists: true, mode: dirStat.mode & 0o777, private: (dirStat.mode & 0o077) === 0, writable: await writable(dataDir) }
    : { exists: false };
  if (dir.private === false)
    findings.push(permissions(`the data dir ${dataDir} is open to other users (mode ${octal(dir.mode)})`, `chmod 700 ${dataDir}`));
  if (dir.writable === false) {
    findings.push(
      new McpgwError('MCPGW_E_STORE_IO', `the data dir ${dataDir} is not writable by this user`, {
        hint: `fix its owner or permissions (chown, chmod 700 ${dataDir}), or point gateway.dataDir elsewhere`,
      }).toFinding(),
    );
  }

  const fileStat = await stat(path).catch(() => undefined);
  const [mode, size, modifiedAt] = [(fileStat?.mode ?? 0) & 0o777, fileStat?.size ?? 0, fileStat?.mtimeMs ?? 0];
  const file: StoreHealth['file'] = fileStat ? { exists: true, mode, private: (mode & 0o077) === 0, size, modifiedAt } : { exists: false };
  if (file.private === false)
    findings.push(permissions(`the token store ${path} is readable by other users (mode ${octal(file.mode)})`, `chmod 600 ${path}`));

  const held = await readLock(lockPath).catch(() => undefined);
  const lock: StoreHealth['lock'] = held
    ? { exists: true, pid: held.info?.pid, hostname: held.info?.hostname, startedAt: held.info?.startedAt, alive: held.alive }
    : { exists: false };

  let decryptable: boolean | undefined;
  let problem: McpgwError | undefined;
  let entries: EntrySummary[] | undefined;
  let byUser: Record<string, EntrySummary[]> | undefined;
  if (!file.exists) {
    if (key !== undefined) entries = [];
  } else {
    try {
      if (key === undefined) {
        parseEnvelope(await readFile(path, 'utf8'), path);
      } else {
        const data = await new EncryptedFileAdapter(path, key).read();
        decryptable = true;
        entries = summarizeAll(data?.servers);
        byUser = Object.fromEntries(Object.entries(data?.users ?? {}).map(([user, own]) => [user, summarizeAll(own)]));
      }
    } catch (err) {
      problem = err instanceof McpgwError ? err : ioError(`cannot read the token store ${path}`, err);
      if (problem.code === 'MCPGW_E_STORE_DECRYPT' || problem.code === 'MCPGW_E_STORE_CORRUPT') decryptable = false;
      findings.push(problem.toFinding());
    }
  }
  return { dataDir, path, lockPath, dir, file, decryptable, problem, lock, entries, byUser, findings };
}

function summarizeAll(entries: Record<string, ServerEntry> | undefined): EntrySummary[] {
  return Object.entries(entries ?? {}).map(([server, e]) => summarize(server, e));
}

function summarize(server: string, e: ServerEntry): EntrySummary {
  return {
    server,
    serverUrl: e.serverUrl,
    issuer: e.issuer,
    hasAccessToken: Boolean(e.tokens?.accessToken),
    expiresAt: e.tokens?.expiresAt,
    hasRefreshToken: Boolean(e.tokens?.refreshToken),
    clientMethod: e.client?.method,
    scopes: e.scopes,
    updatedAt: e.updatedAt,
  };
}

async function writable(dir: string): Promise<boolean> {
  return access(dir, constants.W_OK | constants.X_OK).then(
    () => true,
    () => false,
  );
}

function permissions(message: string, fix: string): Finding {
  return new McpgwError('MCPGW_W_STORE_PERMISSIONS', message, {
    hint: `run \`${fix}\`; mcpgw creates them private, so something else changed them`,
  }).toFinding('warning');
}

const octal = (mode: number | undefined) => `0${(mode ?? 0).toString(8).padStart(3, '0')}`;
