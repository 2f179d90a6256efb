/** What the token store keeps per OAuth server (SPEC section 5). All of it is encrypted at rest. */

/** File names inside the data dir. */
export const STORE_FILE = 'oauth-store.json';
export const LOCK_FILE = 'oauth-store.lock';

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  /** ms since the epoch. */
  expiresAt?: number;
  scope?: string;
  tokenType?: string;
  idToken?: string;
}

export interface ClientRegistration {
  clientId: string;
  clientSecret?: string;
  clientSecretExpiresAt?: number;
  tokenEndpointAuthMethod?: string;
  redirectUri: string;
  method: 'preregistered' | 'cimd' | 'dynamic';
  registeredAt: number;
}

/**
 * One server's record, keyed by the server's name in the config. `serverUrl`, `issuer` and
 * `resource` bind it: a record whose URL or authorization server no longer matches the config
 * must not be used (SPEC section 5).
 */
export interface ServerEntry {
  serverUrl: string;
  issuer: string;
  resource: string;
  asMetadata?: Record<string, unknown>;
  client?: ClientRegistration;
  tokens?: TokenSet;
  scopes?: string[];
  updatedAt: number;
}

/**
 * The decrypted document. Version 2 (issue 16) keys entries by identity: `servers` holds the
 * entries of the machine's own identity (`local` without inbound auth, `owner` with bearer
 * tokens: one person, so one slot, and a version 1 file's entries become theirs), `users`
 * those of named users. A version 1 document has no `version` and only `servers`.
 */
export interface StoreData {
  version?: number;
  servers: Record<string, ServerEntry>;
  users?: Record<string, Record<string, ServerEntry>>;
}

/** The document version this mcpgw writes; a newer one is refused (MCPGW_E_STORE_VERSION). */
export const DATA_VERSION = 2;
/** Where opening a version 1 store keeps a copy of it, next to the store. */
export const V1_BACKUP_FILE = 'oauth-store.v1-backup.json';
/** The identities stored in `servers` (SPEC section 10: existing entries become theirs). */
export const OWNER_IDENTITIES: readonly string[] = ['local', 'owner'];
