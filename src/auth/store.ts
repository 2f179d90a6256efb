import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Low } from 'lowdb';
import { McpgwError } from '../errors/error.js';
import { EncryptedFileAdapter } from './adapter.js';
import { ensurePrivateDir, ioError, removeStaleTemps, writeFileAtomic, type WriteHooks } from './private-file.js';
import { MIN_KEY_LENGTH } from './key.js';
import { acquireLock, type StoreLock } from './lock.js';
import { DATA_VERSION, LOCK_FILE, OWNER_IDENTITIES, STORE_FILE, V1_BACKUP_FILE, type ServerEntry, type StoreData } from './types.js';

export type { ClientRegistration, ServerEntry, StoreData, TokenSet } from './types.js';
export { inspectStore, type EntrySummary, type StoreHealth } from './inspect.js';

export { DATA_VERSION, LOCK_FILE, OWNER_IDENTITIES, STORE_FILE, V1_BACKUP_FILE } from './types.js';

/** One stored entry with whose it is (`owner` for the slot `local` and `owner` share). */
export interface OwnedEntry {
  readonly identity: string;
  readonly server: string;
  readonly entry: ServerEntry;
}
export interface OpenOptions {
  dataDir: string;
  /** The encryption key, as resolveEncryptionKey returns it. */
  key: string;
  /**
   * Default true: take `<dataDir>/oauth-store.lock` (the one writer). With false the store is
   * read-only (update() refuses), creates nothing, and reload() follows the writer's changes.
   */
  lock?: boolean;
  /** For tests: called between the steps of each write. */
  hooks?: WriteHooks;
}

const emptyData = (): StoreData => ({ servers: {} });

/**
 * The encrypted OAuth token store (SPEC section 5): `<dataDir>/oauth-store.json`, one lowdb
 * document `{ servers: { NAME: ServerEntry } }` behind an encrypting adapter.
 *
 * Lifecycle: `open()` (takes the lock, reads and decrypts; a file it cannot decrypt makes it
 * throw, so nothing can ever write over it) -> any number of get/list/update/reload -> `close()`.
 * Reads are served from memory and return copies; updates are applied one at a time, each
 * written to disk before it shows in memory.
 */
export class TokenStore {
  readonly lockPath: string;
  private queue: Promise<unknown> = Promise.resolve();
  /** Set when a reload failed: until a reload succeeds, the file is not ours to write over. */
  private failure?: unknown;
  private closing?: Promise<void>;

  private constructor(
    readonly path: string,
    readonly readOnly: boolean,
    private readonly db: Low<StoreData>,
    private readonly adapter: EncryptedFileAdapter,
    private readonly lock: StoreLock | undefined,
  ) {
    this.lockPath = join(dirname(path), LOCK_FILE);
  }

  /**
   * Throws MCPGW_E_STORE_LOCKED (another live process holds the lock), MCPGW_E_STORE_DECRYPT
   * (wrong key), MCPGW_E_STORE_CORRUPT, MCPGW_E_STORE_VERSION, MCPGW_E_STORE_IO, MCPGW_E_KEY_SHORT.
   */
  static async open(options: OpenOptions): Promise<TokenStore> {
    const { dataDir, key } = options;
    if (key.length < MIN_KEY_LENGTH) {
      throw new McpgwError(
        'MCPGW_E_KEY_SHORT',
        `the OAuth encryption key is ${key.length} characters long; at least ${MIN_KEY_LENGTH} are needed`,
        {
          hint: 'generate one with `openssl rand -hex 32`',
        },
      );
    }
    const path = join(dataDir, STORE_FILE);
    const readOnly = options.lock === false;
    let lock: StoreLock | undefined;
    if (!readOnly) {
      await ensurePrivateDir(dataDir);
      lock = await acquireLock(join(dataDir, LOCK_FILE));
    }
    try {
      if (lock) await removeStaleTemps(path);
      const adapter = new EncryptedFileAdapter(path, key, options.hooks);
      const db = new Low<StoreData>(adapter, emptyData());
      await db.read();
      const store = new TokenStore(path, readOnly, db, adapter, lock);
      if (lock && db.data.version === undefined && Object.keys(db.data.servers).length > 0) await store.migrateV1();
      return store;
    } catch (err) {
      await lock?.release();
      throw err;
    }
  }

  /** A copy of the server's record (the owner's); changing it changes nothing stored. */
  get(server: string): ServerEntry | undefined {
    return this.getFor('owner', server);
  }

  /** A copy of `identity`'s record of `server`. */
  getFor(identity: string, server: string): ServerEntry | undefined {
    const servers = this.slot(this.db.data, identity) ?? {};
    return Object.hasOwn(servers, server) ? structuredClone(servers[server]) : undefined;
  }

  /** Every record with its identity. */
  listAll(): OwnedEntry[] {
    const { servers, users = {} } = this.db.data;
    const out: OwnedEntry[] = Object.entries(servers).map(([server, entry]) => ({ identity: 'owner', server, entry }));
    for (const [identity, own] of Object.entries(users))
      for (const [server, entry] of Object.entries(own)) out.push({ identity, server, entry });
    return structuredClone(out);
  }

  /** A copy of every record, by server name. */
  list(): Record<string, ServerEntry> {
    return structuredClone(this.db.data.servers);
  }

  /**
   * Replaces the server's record with what `fn` returns (undefined deletes it). `fn` gets a
   * copy of the current record as of its turn: calls are queued, so concurrent updates all
   * land, in call order. Resolves once the change is on disk; if the write fails, memory is
   * unchanged and the promise rejects.
   */
  update(server: string, fn: (entry: ServerEntry | undefined) => ServerEntry | undefined): Promise<void> {
    return this.updateFor('owner', server, fn);
  }

  /** update() of `identity`'s record of `server` (`local` and `owner` share one). */
  updateFor(identity: string, server: string, fn: (entry: ServerEntry | undefined) => ServerEntry | undefined): Promise<void> {
    if (this.closing) return Promise.reject(misuse(`update(${server}) after close()`));
    if (this.readOnly) return Promise.reject(misuse(`update(${server}) on a store opened with lock: false (read-only)`));
    for (const name of [server, identity])
      if (name === '' || name === '__proto__') return Promise.reject(misuse(`update() with the name ${JSON.stringify(name)}`));
    return this.enqueue(async () => {
      if (this.failure) throw this.failure;
      const before = this.db.data;
      const next = fn(this.getFor(identity, server));
      const servers = { ...this.slot(before, identity) };
      if (next === undefined) {
        if (!Object.hasOwn(servers, server)) return;
        delete servers[server];
      } else {
        // Through JSON, so memory holds exactly what a reopen would read (no undefined keys).
        servers[server] = JSON.parse(JSON.stringify(next)) as ServerEntry;
      }
      await this.commit(OWNER_IDENTITIES.includes(identity) ? { ...before, servers } : withUser(before, identity, servers));
    });
  }

  /**
   * A version 1 file (no data version): a copy is kept as oauth-store.v1-backup.json (an
   * older mcpgw can be put back with it), then the file is written again as version 2. Its
   * entries stay in `servers`, the slot of `local`/`owner` (SPEC section 10).
   */
  private async migrateV1(): Promise<void> {
    let backup = join(dirname(this.path), V1_BACKUP_FILE);
    const original = await readFile(this.path, 'utf8').catch((err) => Promise.reject(ioError(`cannot read ${this.path}`, err)));
    if (
      await readFile(backup).then(
        () => true,
        () => false,
      )
    )
      backup = backup.replace(/\.json$/, `.${Date.now()}.json`);
    await writeFileAtomic(backup, original);
    await this.enqueue(() => this.commit({ ...this.db.data }));
  }

  private async commit(next: StoreData): Promise<void> {
    const before = this.db.data;
    this.db.data = { ...next, version: DATA_VERSION };
    try {
      await this.db.write();
    } catch (err) {
      this.db.data = before;
      throw err;
    }
  }

  private slot(data: StoreData, identity: string): Record<string, ServerEntry> | undefined {
    if (OWNER_IDENTITIES.includes(identity)) return data.servers;
    return data.users && Object.hasOwn(data.users, identity) ? data.users[identity] : undefined;
  }

  /**
   * Re-reads the file, for a process that does not hold the lock (or after `mcpgw auth login`
   * wrote it while the daemon was down). A missing file reads as empty. If the file cannot be
   * read or decrypted, the last good data stays readable but update() refuses until a reload
   * succeeds: a file we cannot read is never written over.
   */
  reload(): Promise<void> {
    return this.enqueue(async () => {
      try {
        this.db.data = (await this.adapter.read()) ?? emptyData();
        this.failure = undefined;
      } catch (err) {
        this.failure = err;
        throw err;
      }
    });
  }

  /** Waits for queued updates, then releases the lock. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.queue;
      await this.lock?.release();
    })();
    return this.closing;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function withUser(data: StoreData, identity: string, servers: Record<string, ServerEntry>): StoreData {
  const users = { ...data.users };
  if (Object.keys(servers).length === 0) delete users[identity];
  else users[identity] = servers;
  return { ...data, users };
}

function misuse(what: string): McpgwError {
  return new McpgwError('MCPGW_E_INTERNAL', `token store: ${what}`, { hint: 'this is a bug in mcpgw; please report it' });
}
