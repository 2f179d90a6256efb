import { createHash } from 'node:crypto';
import { chmodSync, constants, existsSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { McpgwError } from '../errors/error.js';
import type { ClientId } from '../import/types.js';
import { writeAtomic } from '../import/write.js';

/**
 * What `mcpgw connect --install` keeps so that `--uninstall` can undo it:
 * `<dataDir>/connect-install/<client>.json` (mode 0600: the entries moved out of a client's
 * file may hold its secrets), one record per client file, and a full backup of each file
 * before each change, next to it (`<file>.mcpgw-backup-<time>`, with the file's mode).
 */

/** An entry moved out of the client's file: its data, its text as written, its place. */
export interface MovedEntry {
  readonly name: string;
  readonly value: unknown;
  readonly text: string;
  /** JSON: its position among the servers (TOML blocks go back at the end). */
  readonly index?: number;
}

export interface InstallRecord {
  readonly installedAt: string;
  readonly profile: string;
  /** What we wrote under ENTRY_NAME. */
  readonly entry: unknown;
  /** In the order they were moved out; they go back in the reverse order. */
  readonly moved: readonly MovedEntry[];
  /** VS Code: we added the token input (else it was there: not ours to remove). */
  readonly addedInput?: boolean;
  /** sha256 of the file as we last wrote it: equal at uninstall means nobody touched it since. */
  readonly wrote: string;
  /**
   * The file before the first install, while every change since was ours: uninstall then puts
   * those bytes back. sha256 null: there was no file.
   */
  readonly original?: { readonly sha256: string | null; readonly backup?: string };
}

interface StashFile {
  readonly version: 1;
  readonly client: ClientId;
  readonly installs: Record<string, InstallRecord>;
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

export class Stash {
  readonly path: string;
  private data: StashFile;
  private readonly before?: string;

  constructor(
    private readonly dataDir: string,
    private readonly client: ClientId,
  ) {
    this.path = join(dataDir, 'connect-install', `${client}.json`);
    this.before = readOptional(this.path);
    this.data = this.before === undefined ? { version: 1, client, installs: {} } : parseStash(this.path, this.before, client);
  }

  get(file: string): InstallRecord | undefined {
    return this.data.installs[file];
  }

  /** Sets (or with undefined removes) the record of a file, and saves (an empty stash is deleted). */
  async save(file: string, record: InstallRecord | undefined): Promise<void> {
    const installs = { ...this.data.installs };
    if (record) installs[file] = record;
    else delete installs[file];
    this.data = { ...this.data, installs };
    if (Object.keys(installs).length === 0) {
      if (existsSync(this.path)) unlinkSync(this.path);
      return;
    }
    // The folder is private like the data dir (SPEC section 5: created 0700).
    mkdirSync(join(this.dataDir, 'connect-install'), { recursive: true, mode: 0o700 });
    chmodSync(join(this.dataDir, 'connect-install'), 0o700);
    await writeAtomic(this.path, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 }).catch((err: unknown) => {
      throw new McpgwError('MCPGW_E_INSTALL_WRITE', (err as Error).message, {
        hint: 'check that the data dir (gateway.dataDir) is writable; the client file was not changed',
        cause: err,
      });
    });
  }

  /** Back to what it was when read (a write of the client file failed after the stash was saved). */
  async restore(): Promise<void> {
    if (this.before === undefined) {
      if (existsSync(this.path)) unlinkSync(this.path);
    } else await writeAtomic(this.path, this.before, { mode: 0o600 });
  }
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new McpgwError(
      'MCPGW_E_INSTALL_STASH',
      `the record of earlier installs cannot be read (${(err as NodeJS.ErrnoException).code})`,
      {
        hint: 'fix its permissions; nothing was changed',
        location: { file: path },
      },
    );
  }
}

function parseStash(path: string, text: string, client: ClientId): StashFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  const d = data as Partial<StashFile> | undefined;
  if (!d || d.version !== 1 || d.client !== client || typeof d.installs !== 'object' || d.installs === null) {
    throw new McpgwError('MCPGW_E_INSTALL_STASH', 'the record of earlier installs is not one mcpgw wrote (or is damaged)', {
      hint: `move it away to install afresh; it may hold the entries an install moved out of the client's file`,
      location: { file: path },
    });
  }
  return d as StashFile;
}

/**
 * Copies the file's bytes to `<file>.mcpgw-backup-<UTC time>` (a new name each time), with
 * the file's mode: it may be private.
 */
export async function backup(file: string, bytes: Buffer, now = new Date()): Promise<string> {
  const mode = (await stat(file)).mode & 0o7777;
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  for (let n = 1; ; n++) {
    const path = `${file}.mcpgw-backup-${stamp}${n === 1 ? '' : `-${n}`}`;
    try {
      const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
      try {
        await fh.chmod(mode);
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new McpgwError('MCPGW_E_INSTALL_WRITE', `cannot write the backup ${path} (${(err as NodeJS.ErrnoException).code})`, {
        hint: "check that the client file's folder is writable; nothing was changed",
        cause: err,
      });
    }
  }
}
