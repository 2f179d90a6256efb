/**
 * What the rest of the gateway sees of an upstream server. The gateway never touches SDK
 * transports: it asks an Upstream for lists and sends requests through it.
 */

export type UpstreamState = 'starting' | 'ready' | 'needs_auth' | 'error' | 'restarting' | 'disabled';

/** The kinds of lists an upstream can announce changes of. */
export type ListKind = 'tools' | 'prompts' | 'resources';

/**
 * How an HTTP upstream authenticates, handed in by main.ts (upstream/ knows auth only
 * through this interface). apiKey is a constant header; OAuth (auth/) refreshes tokens.
 */
export interface AuthProvider {
  /** Headers for the next request. Throws a NeedsAuthorization McpgwError when no usable token exists. */
  headers(): Promise<Record<string, string>>;
  /**
   * Called with a 401 or 403 response; resolves true when a retry may succeed (a token was
   * refreshed or a scope stepped up), false to give up and surface the error. Rejects when it
   * could not tell (the authorization server is down): the request then fails with that error.
   */
  onRejected?(response: Response): Promise<boolean>;
  /** Auth state for /status; absent for auth none. */
  status?(): AuthStatus;
}

export interface AuthStatus {
  readonly type: 'none' | 'apiKey' | 'oauth';
  readonly status: 'none' | 'authorized' | 'needs_authorization' | 'expired' | 'error';
  readonly expiresAt?: string;
  readonly authorizationUrl?: string;
  /** When the last login finished, and why the last one failed (for `mcpgw auth login`). */
  readonly authorizedAt?: string;
  readonly lastFailure?: { readonly message: string; readonly at: string };
}

/** A snapshot for /status and doctor. */
export interface UpstreamStatus {
  readonly state: UpstreamState;
  readonly transport: 'stdio' | 'streamable-http' | 'sse';
  readonly tools: number;
  readonly prompts: number;
  readonly resources: number;
  readonly restarts: number;
  readonly lastError: string | null;
  readonly since: string;
  readonly pid?: number;
}
