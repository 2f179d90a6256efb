import { McpgwError } from '../errors/error.js';
import type { Logger } from '../log.js';
import type { ServerEntry } from './types.js';

/** Where the entries go: the file store or the database (src/store/). */
export interface EntryTarget {
  read(identity: string, server: string): ServerEntry | undefined;
  write(identity: string, server: string, entry: ServerEntry | undefined): Promise<void>;
  /** What to do when writes fail (the hint of MCPGW_E_STORE_UNSAVED). */
  readonly unsavedHint: string;
}

/**
 * The daemon's writes of server entries to the token store, and what could not be written
 * yet (issue 14 item 6). A refresh with rotation spends the old refresh token at the
 * authorization server: if the new one is only in a failed write, re-sending the old one gets
 * invalid_grant and the grant is gone for good. So an entry is in memory from the moment it
 * is set, reads see it, and a failed write is retried with backoff (and once more at close)
 * until it lands. Each failure streak is logged at error once, and shows in /status.
 */
export interface UnsavedState {
  /** When the first write of this streak failed (ms since the epoch). */
  readonly since: number;
  /** Failed writes so far. */
  readonly attempts: number;
  readonly error: McpgwError;
}

interface Unsaved {
  identity: string;
  server: string;
  entry: ServerEntry | undefined;
  version: number;
  since?: number;
  attempts: number;
  error?: McpgwError;
  timer?: NodeJS.Timeout;
  delayMs: number;
}

export const RETRY_FIRST_MS = 1000;
export const RETRY_MAX_MS = 30_000;

export class EntryWriter {
  private readonly unsaved = new Map<string, Unsaved>();
  private version = 0;
  private closed = false;

  constructor(
    private readonly target: EntryTarget,
    private readonly log: Logger,
    private readonly retry = { firstMs: RETRY_FIRST_MS, maxMs: RETRY_MAX_MS },
  ) {}

  /** The newest entry of `server`: one not written yet if there is one (undefined: deleted), else the store's. */
  get(identity: string, server: string): ServerEntry | undefined {
    const u = this.unsaved.get(keyOf(identity, server));
    if (u) return u.entry === undefined ? undefined : structuredClone(u.entry);
    return this.target.read(identity, server);
  }

  /**
   * Replaces the entry (undefined deletes it): in memory at once, on disk when a write
   * succeeds. Resolves after the first write attempt; never rejects for a failed write.
   */
  async set(identity: string, server: string, entry: ServerEntry | undefined): Promise<void> {
    const key = keyOf(identity, server);
    const previous = this.unsaved.get(key);
    const u: Unsaved = {
      identity,
      server,
      entry: entry === undefined ? undefined : (JSON.parse(JSON.stringify(entry)) as ServerEntry),
      version: ++this.version,
      since: previous?.since,
      attempts: previous?.attempts ?? 0,
      error: previous?.error,
      timer: previous?.timer,
      delayMs: previous?.delayMs ?? this.retry.firstMs,
    };
    this.unsaved.set(key, u);
    await this.write(key, u);
  }

  /** Why `server`'s newest entry is not on disk yet; undefined when it is. */
  state(identity: string, server: string): UnsavedState | undefined {
    const u = this.unsaved.get(keyOf(identity, server));
    return u?.error && u.since !== undefined ? { since: u.since, attempts: u.attempts, error: u.error } : undefined;
  }

  /** Tries every unsaved entry once more, then stops retrying. For shutdown. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [key, u] of [...this.unsaved]) {
      clearTimeout(u.timer);
      await this.write(key, u);
      const server = u.server;
      if (this.unsaved.get(key) === u)
        this.log.error(
          `the newest tokens of "${server}" could not be written to the token store before stopping (${u.error?.message}); after a restart it may need a new authorization`,
          { server, identity: u.identity, code: 'MCPGW_E_STORE_UNSAVED' },
        );
    }
  }

  private async write(key: string, u: Unsaved): Promise<void> {
    try {
      await this.target.write(u.identity, u.server, u.entry);
    } catch (err) {
      if (this.unsaved.get(key) !== u) return; // a newer set() took over
      this.failed(key, u, err);
      return;
    }
    if (this.unsaved.get(key) !== u) return;
    clearTimeout(u.timer);
    this.unsaved.delete(key);
    if (u.error) this.log.info('the token store is written again', { server: u.server, failedWrites: u.attempts });
  }

  private failed(key: string, u: Unsaved, err: unknown): void {
    const server = u.server;
    const cause = err instanceof McpgwError ? err.message : String((err as Error)?.message ?? err);
    const first = u.error === undefined;
    u.attempts++;
    u.since ??= Date.now();
    u.error = new McpgwError(
      'MCPGW_E_STORE_UNSAVED',
      `the token store cannot be written (${cause}); the new tokens are kept in memory and the write is retried`,
      {
        hint: this.target.unsavedHint,
        cause: err,
      },
    );
    // Once per streak at error; the retries that fail too would repeat it every few seconds.
    if (first) this.log.error(u.error.message, { server, code: u.error.code, hint: u.error.hint });
    else this.log.debug('token store write retry failed', { server, attempts: u.attempts, error: cause });
    if (this.closed) return;
    clearTimeout(u.timer);
    u.timer = setTimeout(() => {
      u.timer = undefined;
      if (this.unsaved.get(key) === u && !this.closed) void this.write(key, u);
    }, u.delayMs);
    u.timer.unref();
    u.delayMs = Math.min(u.delayMs * 2, this.retry.maxMs);
  }
}

const keyOf = (identity: string, server: string) => `${identity}\n${server}`;
