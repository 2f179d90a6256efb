import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { StoreKey } from '../auth/crypto.js';
import type { ServerEntry } from '../auth/types.js';
import { EntryWriter, type UnsavedState } from '../auth/writer.js';
import { McpgwError } from '../errors/error.js';
import type { Logger } from '../log.js';
import { dbError, describeUrl } from './pg-errors.js';
import { CHANNEL, entryKey, loadEntries, notify, unreadableRow, writeEntry, type Loaded } from './pg-rows.js';
import { prepare, REFRESH_CLASS } from './pg-schema.js';
import { storeIdentity, type Decision, type EntryStore, type StoreState } from './types.js';

/** Reconnect backoff: from RETRY_FIRST_MS, doubling, at most RETRY_MAX_MS. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5000;

/**
 * The PostgreSQL backend (issue 16). Every entry is held in memory, loaded at connect and kept
 * current by LISTEN/NOTIFY (each write notifies; each replica re-reads that entry), so reads
 * never wait for the database and a replica that loses it keeps serving what it holds. One
 * connection LISTENs and doubles as the health signal: when it drops, the store is `error`
 * and reconnects with backoff, then reloads everything (changes missed meanwhile included).
 */
export class PgEntryStore implements EntryStore {
  readonly type = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly writer: EntryWriter;
  private readonly where: string;
  private readonly origin = randomUUID();
  private key?: StoreKey;
  private loaded?: Loaded;
  private listener?: pg.Client;
  private failure?: McpgwError;
  private failedAt?: string;
  private retryTimer?: NodeJS.Timeout;
  private retryMs = RETRY_FIRST_MS;
  private connecting?: Promise<void>;
  private closed = false;
  private loginListener?: (identity: string, server: string) => void;

  private constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly log: Logger,
  ) {
    this.where = describeUrl(url);
    this.pool = new pg.Pool({ connectionString: url, max: 5, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, idleTimeoutMillis: 10_000 });
    // An idle connection the server closed (a restart) emits here; unhandled, it would end the process.
    this.pool.on('error', () => undefined);
    this.writer = new EntryWriter(
      {
        read: (identity, server) => structuredClone(this.loaded?.entries.get(entryKey(identity, server))),
        write: (identity, server, entry) => this.persist(identity, server, entry),
        unsavedHint: 'bring the database back (gateway.store.url): mcpgw reconnects and retries on its own',
      },
      log,
    );
  }

  /** Resolves after the first connection attempt, whatever its outcome: a failed one is retried in the background. */
  static async open(options: { url: string; key: string; log: Logger }): Promise<PgEntryStore> {
    const store = new PgEntryStore(options.url, options.key, options.log);
    await store.connect();
    return store;
  }

  get(identity: string, server: string): ServerEntry | undefined {
    return this.writer.get(storeIdentity(identity), server);
  }

  identities(server: string): string[] {
    const out: string[] = [];
    for (const k of this.loaded?.entries.keys() ?? []) {
      const [identity, name] = k.split('\n');
      if (name === server) out.push(identity!);
    }
    return out;
  }

  set(identity: string, server: string, entry: ServerEntry | undefined): Promise<void> {
    return this.writer.set(storeIdentity(identity), server, entry);
  }

  async forgetClient(server: string): Promise<void> {
    const key = this.ready();
    await this.run('forget a client registration', async (db) => {
      await db.query('DELETE FROM mcpgw_clients WHERE server = $1', [server]);
      await notify(db, { server, origin: this.origin });
    });
    this.loaded = await loadEntries(this.pool, key);
  }

  async exclusive<T>(identity: string, server: string, fn: (entry: ServerEntry | undefined) => Promise<Decision<T>>): Promise<T> {
    const id = storeIdentity(identity);
    const key = this.ready();
    const client = await this.pool.connect().catch((err) => Promise.reject(this.fail(dbError(err, this.url, 'lock an entry'))));
    let decision: Decision<T> | undefined;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [REFRESH_CLASS, JSON.stringify([id, server])]);
      const fresh = await loadEntries(client, key, { identity: id, server });
      const k = entryKey(id, server);
      if (fresh.unreadable.has(k)) throw unreadableRow(id, server, this.where);
      this.cache(k, fresh.entries.get(k));
      // Our own write not stored yet is newer than the row.
      decision = await fn(this.writer.state(id, server) ? this.get(id, server) : structuredClone(fresh.entries.get(k)));
      if (decision.write) await writeEntry(client, key, { identity: id, server, entry: decision.write.entry, origin: this.origin });
      await client.query('COMMIT');
      if (decision.write) this.cache(k, decision.write.entry);
      this.ok();
      return decision.result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      // The refresh succeeded but its result could not be stored: keep it (memory, retried),
      // as a rotated refresh token lost here would be gone for good.
      if (decision) {
        this.fail(dbError(err, this.url, 'store a refreshed token'));
        if (decision.write) await this.writer.set(id, server, decision.write.entry);
        return decision.result;
      }
      throw err instanceof McpgwError ? err : this.fail(dbError(err, this.url, 'lock an entry'));
    } finally {
      client.release();
    }
  }

  onLoginElsewhere(listener: (identity: string, server: string) => void): void {
    this.loginListener = listener;
  }

  unsaved(identity: string, server: string): UnsavedState | undefined {
    return this.writer.state(storeIdentity(identity), server);
  }

  state(): StoreState {
    const lastError = this.failure ? { code: this.failure.code, message: this.failure.message, at: this.failedAt! } : null;
    return { type: 'postgres', state: this.failure ? 'error' : 'ok', lastError };
  }

  problem(): McpgwError | undefined {
    if (this.loaded) return undefined;
    return this.failure ?? new McpgwError('MCPGW_E_STORE_DB', `connecting to the database ${this.where}`, { details: { transient: true } });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.connecting;
    await this.writer.close();
    await this.listener?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  /** The key, once the database proved to match it (problem() explains otherwise). */
  private ready(): StoreKey {
    if (!this.key || !this.loaded) throw this.problem()!;
    return this.key;
  }

  private connect(): Promise<void> {
    this.connecting ??= this.connectOnce().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connectOnce(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('the connection was closed')));
    try {
      await client.connect();
      this.key = await prepare(client, this.secret, this.where);
      await client.query(`LISTEN ${CHANNEL}`);
      client.on('notification', (m) => void this.changed(m.payload));
      const before = this.loaded;
      this.loaded = await loadEntries(client, this.key);
      if (this.closed) return void (await client.end());
      // Logins on other replicas while this one was cut off (or had never connected).
      for (const [k, entry] of this.loaded.entries) if (entry.tokens && !before?.entries.get(k)?.tokens) this.announce(k);
      this.listener = client;
      this.retryMs = RETRY_FIRST_MS;
      if (this.loaded.unreadable.size > 0) {
        const [identity, server] = [...this.loaded.unreadable][0]!.split('\n') as [string, string];
        this.fail(unreadableRow(identity, server, this.where));
      } else this.ok();
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.fail(dbError(err, this.url, 'open the token store'));
      this.retry();
    }
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.closed || this.listener !== client) return;
    this.listener = undefined;
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    this.fail(dbError(err, this.url, 'listen for changes'));
    this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  /** Another replica changed an entry: re-read it. */
  private async changed(payload: string | undefined): Promise<void> {
    const change = JSON.parse(payload ?? '{}') as { identity?: string; server?: string; origin?: string };
    if (change.origin === this.origin || !this.key || !change.server) return;
    try {
      if (change.identity === undefined) this.loaded = await loadEntries(this.pool, this.key);
      else {
        const fresh = await loadEntries(this.pool, this.key, { identity: change.identity, server: change.server });
        const k = entryKey(change.identity, change.server);
        const had = Boolean(this.loaded?.entries.get(k)?.tokens);
        this.cache(k, fresh.entries.get(k));
        if (!had && fresh.entries.get(k)?.tokens) this.announce(k);
      }
    } catch (err) {
      this.fail(dbError(err, this.url, 're-read a changed entry'));
    }
  }

  /** A login elsewhere (see onLoginElsewhere). */
  private announce(k: string): void {
    const [identity, server] = k.split('\n') as [string, string];
    this.loginListener?.(identity, server);
  }

  private async persist(identity: string, server: string, entry: ServerEntry | undefined): Promise<void> {
    const key = this.ready();
    if (this.loaded?.unreadable.has(entryKey(identity, server))) throw unreadableRow(identity, server, this.where);
    await this.run('store an entry', (db) => writeEntry(db, key, { identity, server, entry, origin: this.origin }));
    this.cache(entryKey(identity, server), entry);
  }

  /** `fn` in a transaction on a pooled connection; failures become MCPGW_E_STORE_DB* and the store's state. */
  private async run(doing: string, fn: (db: pg.PoolClient) => Promise<void>): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query('BEGIN');
      await fn(client);
      await client.query('COMMIT');
      this.ok();
    } catch (err) {
      await client?.query('ROLLBACK').catch(() => undefined);
      throw this.fail(dbError(err, this.url, doing));
    } finally {
      client?.release();
    }
  }

  private cache(k: string, entry: ServerEntry | undefined): void {
    if (!this.loaded) return;
    if (entry === undefined) this.loaded.entries.delete(k);
    else this.loaded.entries.set(k, JSON.parse(JSON.stringify(entry)) as ServerEntry);
    this.loaded.unreadable.delete(k);
  }

  private ok(): void {
    if (!this.failure || !this.listener) return;
    this.log.info('the token database is reachable again', { store: this.where });
    this.failure = undefined;
  }

  private fail(err: McpgwError): McpgwError {
    if (this.failure?.message !== err.message) this.log.error(err.message, { code: err.code, hint: err.hint });
    this.failure = err;
    this.failedAt = new Date().toISOString();
    return err;
  }
}
