import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { McpgwError } from '../errors/error.js';

/**
 * Crash-safe private files for the token store (SPEC section 5). A reader sees the old file or
 * the new one, never a mix, and no byte is ever readable by another user.
 */

/**
 * The temp file for `target`: hidden, in the same folder (rename is atomic only within one
 * file system), and unique per process and write so two writers cannot share one.
 */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Whether `name` (in the target's folder) is a temp file tempPathFor would make for it. */
export function isTempFor(target: string, name: string): boolean {
  const prefix = `.${basename(target)}.`;
  return name.startsWith(prefix) && /^\d+\.[0-9a-f]{8}\.tmp$/.test(name.slice(prefix.length));
}

/** Hooks between the steps of a write, so tests can stop (or kill) a write half way. */
export interface WriteHooks {
  beforeRename?(tempPath: string): void | Promise<void>;
}

/**
 * Writes through a 0600 temp file: fsync, rename over the target, fsync the folder so the
 * rename itself survives a power loss. On failure the temp file is removed and the target is
 * as it was.
 */
export async function writeFileAtomic(target: string, data: string, hooks: WriteHooks = {}): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    // 'wx': never follow or reuse something already at that name. The mode is set again after
    // opening because a umask can only remove bits, and an odd umask could remove ours.
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.chmod(0o600);
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await hooks.beforeRename?.(tmp);
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw ioError(`cannot write ${target}`, err);
  }
  await syncDir(dirname(target));
}

/**
 * Best effort: by now the rename is done and the new data is what readers see, so failing the
 * write here would make the caller believe the old data is still stored. Some file systems
 * refuse fsync on a folder anyway.
 */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Nothing better to do: the data is synced; only the rename's durability is in doubt.
  }
}

/**
 * Creates `dir` (and missing parents) as 0700. An existing folder's mode is left alone: it is the
 * user's, and doctor reports it when it is open to others.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    const created = await mkdir(dir, { recursive: true, mode: 0o700 });
    if (created !== undefined) await chmod(dir, 0o700);
  } catch (err) {
    throw ioError(`cannot create the data dir ${dir}`, err);
  }
}

/** Removes temp files left by a crashed write. Only safe while holding the store's lock. */
export async function removeStaleTemps(target: string): Promise<void> {
  const names = await readdir(dirname(target)).catch(() => [] as string[]);
  for (const name of names) if (isTempFor(target, name)) await unlink(join(dirname(target), name)).catch(() => {});
}

export function ioError(what: string, err: unknown): McpgwError {
  if (err instanceof McpgwError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new McpgwError('MCPGW_E_STORE_IO', `${what}: ${code ?? (err as Error).message}`, {
    hint:
      code === 'EACCES' || code === 'EPERM'
        ? 'check the owner and permissions of the data dir (gateway.dataDir, $MCPGW_DATA_DIR)'
        : code === 'ENOSPC'
          ? 'free some disk space'
          : 'check gateway.dataDir',
    details: { errno: code },
    cause: err,
  });
}
