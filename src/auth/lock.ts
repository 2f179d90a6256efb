import { readFileSync } from 'node:fs';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { McpgwError } from '../errors/error.js';
import { ioError } from './private-file.js';

/**
 * One writer per token store (SPEC section 5): `<dataDir>/oauth-store.lock`, created with 'wx'
 * (O_CREAT|O_EXCL, atomic on local file systems) and holding who took it. A holder that died
 * without closing leaves a stale lock, which the next process takes over.
 */
export interface LockInfo {
  readonly pid: number;
  /** When the lock was taken (ISO-8601). */
  readonly startedAt: string;
  readonly hostname: string;
  /** Linux: the holder's start time in clock ticks since boot (/proc/PID/stat), to notice a reused pid. */
  readonly procStart?: string;
}

export interface LockState {
  /** Undefined when the file holds no readable lock record. */
  readonly info?: LockInfo;
  readonly alive: boolean;
  readonly raw: string;
}

/** A lock file younger than this with no record yet is taken to be mid-creation by its holder. */
const CREATING_MS = 2000;

export class StoreLock {
  private released = false;

  constructor(
    readonly path: string,
    private readonly raw: string,
  ) {}

  /** Removes the lock file if it is still ours. Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const now = await readFile(this.path, 'utf8').catch(() => undefined);
    if (now === this.raw) await unlink(this.path).catch(() => {});
  }
}

export async function acquireLock(path: string): Promise<StoreLock> {
  const info: LockInfo = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    hostname: hostname(),
    procStart: processStart(process.pid),
  };
  const raw = `${JSON.stringify(info)}\n`;
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      try {
        await fh.writeFile(raw, 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      return new StoreLock(path, raw);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(`cannot create the lock ${path}`, err);
    }
    const state = await readLock(path);
    if (!state) continue;
    if (state.alive) {
      if (state.info) throw lockedError(path, state.info);
      await sleep(100);
      continue;
    }
    // Stale. Re-read just before removing, so a lock another process took over in between is
    // not the one removed. A window of a few microseconds remains between the two; closing it
    // would take a lock for the lock, which two mcpgw starting at the same instant over a dead
    // holder's lock does not justify.
    const again = await readFile(path, 'utf8').catch(() => undefined);
    if (again === state.raw) await unlink(path).catch(() => {});
  }
  throw new McpgwError('MCPGW_E_STORE_LOCKED', `cannot take the token store lock ${path}: it keeps changing hands`, {
    hint: 'another mcpgw is starting at the same time; try again',
    details: { lockPath: path },
  });
}

/** Who holds the lock, without touching it (doctor, and the acquire loop). */
export async function readLock(path: string): Promise<LockState | undefined> {
  let raw: string;
  let mtimeMs: number;
  try {
    [raw, { mtimeMs }] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(`cannot read the lock ${path}`, err);
  }
  const info = parseLockInfo(raw);
  if (!info) return { raw, alive: Date.now() - mtimeMs < CREATING_MS };
  return { info, raw, alive: holderAlive(info) };
}

/**
 * The hostname is not trusted to mean "another machine": a recreated container gets a new one
 * and must still take over its predecessor's lock, which the start time settles. The price: a
 * data dir shared between machines over a network is not protected (not supported).
 */
export function holderAlive(info: LockInfo): boolean {
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = info.procStart === undefined ? undefined : processStart(info.pid);
  return start === undefined || start === info.procStart;
}

export function lockedError(path: string, info: LockInfo): McpgwError {
  return new McpgwError('MCPGW_E_STORE_LOCKED', `the token store is in use: mcpgw is running (pid ${info.pid}); use it, or stop it`, {
    hint: `while the daemon runs, \`mcpgw auth\` commands act through it; if pid ${info.pid} is not mcpgw, remove ${path}`,
    details: { pid: info.pid, hostname: info.hostname, startedAt: info.startedAt, lockPath: path },
  });
}

function parseLockInfo(raw: string): LockInfo | undefined {
  try {
    const v = JSON.parse(raw) as Partial<LockInfo>;
    // pid 0 or negative would make kill(pid, 0) probe a process group and always "succeed".
    if (!Number.isSafeInteger(v.pid) || (v.pid as number) <= 0) return undefined;
    return {
      pid: v.pid as number,
      startedAt: typeof v.startedAt === 'string' ? v.startedAt : '',
      hostname: typeof v.hostname === 'string' ? v.hostname : hostname(),
      procStart: typeof v.procStart === 'string' ? v.procStart : undefined,
    };
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/PID/stat; undefined off Linux. The name in field 2 may hold spaces and ')'. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
