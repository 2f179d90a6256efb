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

export interface StoreData {
  servers: Record<string, ServerEntry>;
}
