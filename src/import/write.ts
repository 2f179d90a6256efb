import { randomBytes } from 'node:crypto';
import { constants, readFileSync } from 'node:fs';
import { open, rename, stat, unlink, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { McpgwError } from '../errors/error.js';

/**
 * Writing gateway.yaml and the env file: through a temp file in the same folder, synced, then
 * renamed over the target, so a failure at any point leaves the old file as it was (a reader
 * sees the old file or the new one, never a mix).
 */

/** Between the steps of a write, so tests can fail (or kill) one half way. */
export interface WriteHooks {
  afterWrite?(tempPath: string): void | Promise<void>;
}

/**
 * Replaces `target` with `text`. An existing file keeps its mode (a symlink is followed: the
 * file it points to is replaced); a new one gets `mode` (default 0644 less the umask).
 */
export async function writeAtomic(target: string, text: string, options: { mode?: number; hooks?: WriteHooks } = {}): Promise<void> {
  let path = target;
  let mode = options.mode;
  try {
    path = await realpath(target);
    mode ??= (await stat(path)).mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw writeError(target, err);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode ?? 0o644);
    try {
      // A umask can only take bits away; the old file's mode comes back exactly.
      if (mode !== undefined) await fh.chmod(mode);
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await options.hooks?.afterWrite?.(tmp);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw writeError(target, err);
  }
}

function writeError(target: string, err: unknown): McpgwError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ENOENT'
        ? 'its folder does not exist'
        : code === 'ENOSPC'
          ? 'the disk is full'
          : (code ?? (err as Error).message);
  return new McpgwError('MCPGW_E_IMPORT_WRITE', `cannot write ${target}: ${reason}; it is unchanged`, {
    hint: 'check the folder exists and is writable, then import again',
    cause: err,
  });
}

/** NAME=value lines of a .env-style file (quotes removed), or an empty map when there is none. */
export function readEnvFile(path: string): Map<string, string> {
  const values = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return values;
    throw new McpgwError('MCPGW_E_IMPORT_READ', `the env file cannot be read (${(err as NodeJS.ErrnoException).code})`, {
      hint: 'pass another --env-file, or fix its permissions',
      location: { file: path },
    });
  }
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    if (/^'.*'$/.test(value)) value = value.slice(1, -1);
    else if (/^".*"$/.test(value))
      value = value
        .slice(1, -1)
        .replace(/\\n/g, '\n')
        .replace(/\\(["\\$`])/g, '$1');
    values.set(m[1]!, value);
  }
  return values;
}

/** One NAME=value line: unquoted when plain, else single-quoted (double-quoted with escapes if it must). */
export function envLine(name: string, value: string): string {
  if (/^[A-Za-z0-9_./:@+=,-]*$/.test(value)) return `${name}=${value}`;
  if (!/['\n]/.test(value)) return `${name}='${value}'`;
  return `${name}="${value.replace(/(["\\$`])/g, '\\$1').replace(/\n/g, '\\n')}"`;
}

/**
 * Adds variables to a .env-style file (created if needed), always mode 0600: it holds secrets.
 * Lines already there are kept.
 */
export async function appendEnvFile(
  path: string,
  variables: ReadonlyArray<{ name: string; value: string }>,
  header: string,
): Promise<void> {
  let old = '';
  try {
    old = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw writeError(path, err);
  }
  const lines = variables.map((v) => envLine(v.name, v.value));
  const text = `${old}${old && !old.endsWith('\n') ? '\n' : ''}${old ? '' : `${header}\n`}${lines.join('\n')}\n`;
  await writeAtomic(path, text, { mode: 0o600 });
}
