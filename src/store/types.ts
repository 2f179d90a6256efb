import type { McpgwError } from '../errors/error.js';
import type { ServerEntry } from '../auth/types.js';
import type { UnsavedState } from '../auth/writer.js';

/**
 * What the OAuth service keeps its entries in (issue 16): the encrypted file (store/file.ts)
 * or PostgreSQL (store/postgres.ts). Reads come from memory, so a store that cannot be reached
 * still serves the tokens it holds; writes land in memory at once and are retried until they
 * are stored (auth/writer.ts).
 */
export type StoreType = 'file' | 'postgres';

/** /status `store` (SPEC section 11). `lastError` carries no secret (never the URL). */
export interface StoreState {
  readonly type: StoreType;
  readonly state: 'ok' | 'error';
  readonly lastError: { readonly code: string; readonly message: string; readonly at: string } | null;
}

/** What exclusive()'s function decides: the entry to store (absent: nothing changes) and its result. */
export interface Decision<T> {
  readonly write?: { readonly entry: ServerEntry | undefined };
  readonly result: T;
}

export interface EntryStore {
  readonly type: StoreType;
  /** The newest entry of (identity, server), from memory; the registration of (server, issuer) is in `client`. */
  get(identity: string, server: string): ServerEntry | undefined;
  /** Replaces the entry (undefined deletes the identity's tokens); in memory at once, stored with retries. */
  set(identity: string, server: string, entry: ServerEntry | undefined): Promise<void>;
  /** The identities with an entry of `server` (admins' /status and `auth status --user`). */
  identities(server: string): string[];
  /** Forgets the client registrations of `server` (logout --forget-client). */
  forgetClient(server: string): Promise<void>;
  /**
   * Runs `fn` under a lock every replica shares, with the entry as stored now (re-read under
   * the lock); what it decides to write is stored before the lock is released. So of two
   * replicas refreshing one token, the second sees the first's result and uses it.
   * Rejects (MCPGW_E_STORE_DB) when the lock cannot be taken.
   */
  exclusive<T>(identity: string, server: string, fn: (entry: ServerEntry | undefined) => Promise<Decision<T>>): Promise<T>;
  /**
   * `listener(identity, server)` when another replica stored tokens for an entry that had none
   * here (a login there), so an upstream waiting for them connects now. One listener.
   */
  onLoginElsewhere(listener: (identity: string, server: string) => void): void;
  /** Why the newest entry is not stored yet. */
  unsaved(identity: string, server: string): UnsavedState | undefined;
  state(): StoreState;
  /**
   * Why no entry can be read at all (the database was never reached, or its key check failed);
   * undefined once the entries are loaded, even if the database is lost afterwards.
   */
  problem(): McpgwError | undefined;
  close(): Promise<void>;
}

export { storeIdentity } from '../identity/types.js';
