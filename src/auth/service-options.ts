import type { AuditSink } from '../audit/types.js';
import type { StoreSpec } from '../config/types.js';
import type { Logger } from '../log.js';
import type { FetchLike } from './discovery.js';
import type { RefreshContext } from './refresh.js';

/** What auth/oauth-service.ts is made with (daemon.ts and `mcpgw auth` build one). */
export interface OAuthServiceOptions {
  readonly dataDir: string;
  /** gateway.store; default the file in dataDir. */
  readonly store?: StoreSpec;
  /** Base URL a browser uses; the redirect URI is <publicUrl>/oauth/callback. */
  readonly publicUrl: string;
  readonly clientMetadataUrl?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  /** A server got tokens (a login finished) for `identity`: its upstream should connect now. */
  readonly onAuthorized: (server: string, identity: string) => void;
  readonly observer?: RefreshContext['observer']; // counts refreshes and failures (observe/)
  readonly fetch?: FetchLike;
  /**
   * Whether starting an authorization needs the caller's identity (gateway.auth.bearerTokens,
   * read live). Then the links handed to callers carry a ticket (auth/links.ts). Default: no.
   */
  readonly identityRequired?: () => boolean;
  /** The audit log: authorizations, refresh failures and logouts (SPEC section 10). */
  readonly audit?: AuditSink;
  /**
   * Whether `identity` may authorize or revoke what everyone uses (a `tokens: shared` server,
   * another identity's authorization): admins only in team mode (SPEC section 10). Default: yes.
   */
  readonly isAdmin?: (identity: string) => boolean;
  /** The HMAC keys of authorization links (gateway.sessionKey's, shared by replicas); default a key of the process. */
  readonly linkKeys?: () => readonly Buffer[];
}
