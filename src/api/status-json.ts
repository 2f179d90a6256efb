/**
 * The JSON of GET /status (SPEC section 4), as one set of types for the side that builds it
 * (gateway/status.ts, daemon.ts) and the sides that read it (http/page.ts, cli/banner.ts,
 * cli/auth.ts, doctor/). Types only, importing nothing, so that every layer may use it.
 * Times are ISO-8601 UTC; no secret appears in it.
 */

/** The config part, kept by the daemon's reload loop. */
export interface ConfigStatus {
  readonly path: string;
  /** Counts the changes actually applied. */
  readonly generation: number;
  /** When the file was last read and accepted. */
  readonly loadedAt: string;
  /** listen, publicUrl or dataDir changed: they apply after a restart. */
  readonly restartNeeded: boolean;
  /** Why the last change to the file was rejected (the previous config keeps serving). */
  readonly lastError: { message: string; file?: string; line?: number; column?: number; at: string } | null;
}

export type ServerState = 'starting' | 'ready' | 'needs_auth' | 'error' | 'restarting' | 'disabled';

export interface AuthStatusJson {
  readonly type: 'none' | 'apiKey' | 'oauth';
  readonly status: 'none' | 'authorized' | 'needs_authorization' | 'expired' | 'error';
  readonly expiresAt: string | null;
  /** The /oauth/start/{server} link, while authorization is needed. */
  readonly authorizationUrl: string | null;
  /** When the last login finished, and why the last one failed (for `mcpgw auth login`). */
  readonly authorizedAt?: string;
  /** OAuth: whose authorization calls use (SPEC section 10); this status is the caller's own with perUser. */
  readonly tokens?: 'perUser' | 'shared';
  /** perUser, for an admin: every identity's authorization of the server (never a token). */
  readonly identities?: Readonly<
    Record<string, { readonly status: AuthStatusJson['status']; readonly expiresAt: string | null; readonly authorizedAt?: string }>
  >;
  readonly lastFailure?: { readonly message: string; readonly at: string };
  /**
   * Present while the newest tokens are in memory only (issue 14 item 6): the token store
   * cannot be written, mcpgw retries. `code` is MCPGW_E_STORE_UNSAVED.
   */
  readonly store?: {
    readonly state: 'unsaved';
    readonly since: string;
    readonly attempts: number;
    readonly code: string;
    readonly message: string;
  };
}

export interface ServerStatusJson {
  readonly state: ServerState;
  readonly enabled: boolean;
  readonly transport: 'stdio' | 'streamable-http' | 'sse';
  readonly isolation: 'shared' | 'session';
  readonly tools: number;
  readonly prompts: number;
  readonly resources: number;
  readonly restarts: number;
  /** Why the server is not ready: a registered code (docs/errors.md) and a message. */
  readonly lastError: { readonly code: string; readonly message: string } | null;
  /** The protocol revision negotiated with the server (SPEC section 9); null until connected. */
  readonly protocol: string | null;
  /** Since when the server is in this state. */
  readonly since?: string;
  readonly auth: AuthStatusJson;
}

export interface ProfileStatusJson {
  readonly url: string;
  readonly servers: string[];
  readonly tools: number;
  readonly sessions: number;
  readonly warnings: string[];
  /** The same drops as data (doctor reads these, never the text). */
  readonly dropped: ProfileDropJson[];
}

/** An item a member offers that its profile does not expose (a collision, or a name over 128 characters). */
export interface ProfileDropJson {
  readonly kind: 'tool' | 'prompt';
  readonly name: string;
  readonly server: string;
  /** For a collision: the member listed first, which keeps the name. */
  readonly winner?: string;
}

export interface StatusJson {
  readonly version: string;
  readonly startedAt: string;
  readonly config: ConfigStatus;
  readonly servers: Record<string, ServerStatusJson>;
  readonly profiles: Record<string, ProfileStatusJson>;
  /**
   * The token store, once an OAuth server needs it (SPEC section 11): `error` while it cannot
   * be read or written (a database lost: tokens held keep being used), with why.
   */
  readonly store?: {
    readonly type: 'file' | 'postgres';
    readonly state: 'ok' | 'error';
    readonly lastError: { readonly code: string; readonly message: string; readonly at: string } | null;
  };
}
