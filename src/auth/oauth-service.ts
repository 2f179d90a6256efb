import { extractWWWAuthenticateParams } from '@modelcontextprotocol/client';
import type { ServerSpec } from '../config/types.js';
import type { AuditSink } from '../audit/types.js';
import { McpgwError } from '../errors/error.js';
import type { Logger } from '../log.js';
import type { AuthProvider, AuthStatus } from '../upstream/types.js';
import { Authorizations, type CallbackResult, type Challenge, type OAuthServerSpec, type StartRequest } from './authorize.js';
import type { FetchLike } from './discovery.js';
import { resolveEncryptionKey } from './key.js';
import { AuthorizationLinks, type LinkGrant } from './links.js';
import { configurationFor, isInvalidGrant, refreshTokens } from './oauth-flow.js';
import { TokenStore, type ServerEntry, type TokenSet } from './store.js';
import { EntryWriter } from './writer.js';

/**
 * OAuth for every `auth: { type: oauth }` server: owns the token store (and the writes not
 * on disk yet: auth/writer.ts), the authorizations in progress (auth/authorize.ts), the
 * authorization links (auth/links.ts), and one AuthProvider per server that upstream
 * connections use (headers, refresh, step-up). The HTTP routes (/oauth/start,
 * /oauth/callback) and `mcpgw auth` call in.
 */

export interface OAuthServiceOptions {
  readonly dataDir: string;
  /** Base URL a browser uses; the redirect URI is <publicUrl>/oauth/callback. */
  readonly publicUrl: string;
  readonly clientMetadataUrl?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  /** A server got tokens (a login finished): its upstream should connect now. */
  readonly onAuthorized: (server: string) => void;
  readonly fetch?: FetchLike;
  /**
   * Whether starting an authorization needs the caller's identity (inbound auth is
   * configured: gateway.auth.bearerTokens); read live, as bearerTokens apply on reload. Then
   * the links handed to callers carry a ticket (auth/links.ts). Default: no.
   */
  readonly identityRequired?: () => boolean;
  /** The audit log: authorizations, refresh failures and logouts (SPEC section 10). */
  readonly audit?: AuditSink;
}

export type { CallbackResult, StartRequest } from './authorize.js';

/** Tokens closer than this to expiry are refreshed before use (less for short-lived tokens, see refreshDue). */
const REFRESH_MARGIN_MS = 60_000;
/** Step-ups on insufficient_scope before giving up (SPEC section 5). */
const MAX_STEP_UPS = 3;
/** Refusals further apart than this are not one step-up loop. */
const STEP_UP_WINDOW_MS = 10 * 60_000;

/**
 * Whether to refresh before the next request. The margin is REFRESH_MARGIN_MS, but at most half
 * the token's lifetime, estimated from `storedAt` (the entry's updatedAt, set by every token write;
 * a later write of something else only makes the margin smaller, never past the expiry): with a
 * flat 60 s margin a token living a minute or less was "expiring" from the start, and every
 * request went through a refresh first.
 */
export function refreshDue(tokens: TokenSet, storedAt: number, now = Date.now()): boolean {
  if (tokens.expiresAt === undefined) return false;
  const lifetime = Math.max(0, tokens.expiresAt - storedAt);
  return tokens.expiresAt - Math.min(REFRESH_MARGIN_MS, lifetime / 2) <= now;
}

export class OAuthService {
  private specs = new Map<string, ServerSpec>();
  private store?: TokenStore;
  private writer?: EntryWriter;
  private storeProblem?: McpgwError;
  private opening?: Promise<void>;
  private readonly links = new AuthorizationLinks();
  /** The access token a server last refused (401/403): while it is the current one, the authorization is not valid. */
  private readonly refused = new Map<string, string | undefined>();
  private readonly challenges = new Map<string, Challenge>();
  private readonly refreshing = new Map<string, Promise<TokenSet>>();
  private readonly stepUps = new Map<string, { count: number; at: number; token?: string }>();
  private readonly lastError = new Map<string, string>();
  private readonly logins = new Map<string, { authorizedAt?: string; lastFailure?: { message: string; at: string } }>();
  private options: OAuthServiceOptions;

  private readonly flows: Authorizations;

  constructor(options: OAuthServiceOptions) {
    this.options = options;
    this.flows = new Authorizations({
      options: () => this.options,
      redirectUri: this.redirectUri,
      writer: async () => {
        await this.openStore();
        if (this.storeProblem) throw this.storeProblem;
        return this.writer!;
      },
      entry: (server) => this.entry(server),
      authorizedNow: (server) => this.authorizedNow(server),
      stepUpLimit: (server) => this.stepUpLimit(server),
      challenges: this.challenges,
      authorized: (server) => {
        this.challenges.delete(server);
        this.refused.delete(server);
        this.lastError.delete(server);
        this.noteLogin(server);
      },
      noteFailure: (server, message) => this.noteLogin(server, message),
      authorizationUrl: (server) => this.authorizationUrl(server),
    });
  }

  /** The OAuth servers of the current config (on start and on every reload). */
  async setServers(servers: readonly ServerSpec[], settings?: Pick<OAuthServiceOptions, 'clientMetadataUrl'>): Promise<void> {
    if (settings) this.options = { ...this.options, ...settings };
    this.specs = new Map(servers.filter((s) => s.enabled && s.auth.type === 'oauth').map((s) => [s.name, s]));
    if (this.specs.size > 0) await this.openStore();
  }

  private openStore(): Promise<void> {
    if (this.store || this.storeProblem) return Promise.resolve();
    this.opening ??= (async () => {
      const key = resolveEncryptionKey(this.options.env);
      if (key.problem || !key.key) {
        this.storeProblem = key.problem ?? new McpgwError('MCPGW_E_KEY_MISSING', 'OAUTH_ENCRYPTION_KEY is not set');
        this.options.log.error(`OAuth servers cannot start: ${this.storeProblem.message}`, { hint: this.storeProblem.hint });
        return;
      }
      try {
        this.store = await TokenStore.open({ dataDir: this.options.dataDir, key: key.key });
        this.writer = new EntryWriter(this.store, this.options.log);
      } catch (err) {
        this.storeProblem =
          err instanceof McpgwError
            ? err
            : new McpgwError('MCPGW_E_STORE_CORRUPT', `cannot open the token store: ${(err as Error).message}`);
        this.options.log.error(`OAuth servers cannot start: ${this.storeProblem.message}`, { hint: this.storeProblem.hint });
      }
    })().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  get redirectUri(): string {
    return `${this.options.publicUrl}/oauth/callback`;
  }

  /**
   * The /oauth/start link of `server`. With `forCaller`, the name of a caller who proved their
   * identity (/status, the status page, the needs-auth error of a call), and inbound auth
   * configured, it carries a single-use ticket for that caller, so a browser without the token
   * can use it. Never logged: a ticket is a credential until it is used or expires.
   */
  authorizationUrl(server: string, forCaller?: string): string {
    if (forCaller !== undefined && this.identityRequired()) return this.link(server, forCaller);
    return `${this.options.publicUrl}/oauth/start/${encodeURIComponent(server)}`;
  }

  get publicUrl(): string {
    return this.options.publicUrl;
  }

  /** A single-use link for `identity` to authorize `server` (inbound auth: a caller proved who they are). */
  link(server: string, identity: string, options: { reauthorize?: boolean } = {}): string {
    return `${this.options.publicUrl}/oauth/start/${encodeURIComponent(server)}?ticket=${this.links.mint(server, identity, options)}`;
  }

  /**
   * A link for `identity` to authorize `server`, asking to replace a valid authorization
   * (`mcpgw auth login`). Without inbound auth it needs no ticket.
   */
  loginUrl(server: string, identity: string): string {
    this.spec(server);
    if (this.identityRequired()) return this.link(server, identity, { reauthorize: true });
    return `${this.options.publicUrl}/oauth/start/${encodeURIComponent(server)}?reauthorize=1`;
  }

  identityRequired(): boolean {
    return this.options.identityRequired?.() ?? false;
  }

  /** What an authorization link grants, without spending it. Throws MCPGW_E_OAUTH_LINK. */
  checkLink(ticket: string, server: string): LinkGrant {
    return this.links.check(ticket, server);
  }

  /** What an authorization link grants; spends it. Throws MCPGW_E_OAUTH_LINK. */
  redeemLink(ticket: string, server: string): LinkGrant {
    return this.links.redeem(ticket, server);
  }

  /** Authorizations started and not finished (bounded per server). */
  pendingCount(server?: string): number {
    return this.flows.pendingCount(server);
  }

  /** The stored entry, if it belongs to the server as configured now (a token only goes where it was issued). */
  entry(server: string): ServerEntry | undefined {
    const spec = this.specs.get(server);
    const entry = this.writer?.get(server);
    if (!spec || !entry || spec.transport.kind !== 'http' || entry.serverUrl !== spec.transport.url) return undefined;
    return entry;
  }

  status(server: string, forCaller?: string): AuthStatus {
    const authorizationUrl = this.authorizationUrl(server, forCaller);
    const login = this.logins.get(server) ?? {};
    const unsaved = this.writer?.state(server);
    const store = unsaved
      ? {
          store: {
            state: 'unsaved' as const,
            since: new Date(unsaved.since).toISOString(),
            attempts: unsaved.attempts,
            code: unsaved.error.code,
            message: unsaved.error.message,
          },
        }
      : {};
    if (this.storeProblem) return { type: 'oauth', status: 'error', authorizationUrl, ...login };
    const tokens = this.entry(server)?.tokens;
    if (!tokens) return { type: 'oauth', status: 'needs_authorization', authorizationUrl, ...login, ...store };
    const expiresAt = tokens.expiresAt ? new Date(tokens.expiresAt).toISOString() : undefined;
    if (tokens.expiresAt && tokens.expiresAt < Date.now() && !tokens.refreshToken)
      return { type: 'oauth', status: 'expired', expiresAt, authorizationUrl, ...login, ...store };
    // A token the server refused for lack of scope (403 insufficient_scope), or refused with
    // nothing to refresh it with, needs a new authorization.
    const refusedForGood = this.refused.has(server) && this.refused.get(server) === tokens.accessToken && !tokens.refreshToken;
    if (this.challenges.get(server)?.error === 'insufficient_scope' || refusedForGood)
      return { type: 'oauth', status: 'needs_authorization', expiresAt, authorizationUrl, ...login, ...store };
    return { type: 'oauth', status: 'authorized', expiresAt, ...login, ...store };
  }

  /**
   * Whether `server` has an authorization that works as far as we know: a token, not expired
   * beyond refresh, not the one the server last refused. Such an authorization is replaced
   * only when the caller asked for it (StartRequest.reauthorize).
   */
  private authorizedNow(server: string): boolean {
    if (this.storeProblem) return false;
    const tokens = this.entry(server)?.tokens;
    if (!tokens) return false;
    if (tokens.expiresAt !== undefined && tokens.expiresAt <= Date.now() && !tokens.refreshToken) return false;
    return !(this.refused.has(server) && this.refused.get(server) === tokens.accessToken);
  }

  private noteLogin(server: string, failure?: string): void {
    const at = new Date().toISOString();
    const previous = this.logins.get(server) ?? {};
    this.logins.set(server, failure ? { ...previous, lastFailure: { message: failure, at } } : { ...previous, authorizedAt: at });
  }

  /** The AuthProvider an upstream connection of `server` uses. */
  providerFor(server: string): AuthProvider {
    return {
      headers: () => this.headers(server),
      onRejected: (response) => this.rejected(server, response),
      // The upstream's needs-auth error (-32011) takes data.authorizationUrl from here, so the
      // link is there even while a token is stored: the server may refuse it (revoked, or a 403
      // insufficient_scope before this status knew) and the caller must still get the link.
      // Without an identity (a status read outside any call) the link is the owner's, as before team mode.
      status: (identity = 'owner') => ({ ...this.status(server, identity), authorizationUrl: this.authorizationUrl(server, identity) }),
    };
  }

  private async headers(server: string): Promise<Record<string, string>> {
    await this.openStore();
    if (this.storeProblem) {
      // This error becomes the server's lastError in /status, which shows the message only:
      // put the fix in it (restore the key, or move the store away), not just what went wrong.
      const p = this.storeProblem;
      throw new McpgwError(p.code, p.hint ? `${p.message}; to fix: ${p.hint}` : p.message, { hint: p.hint, details: p.details, cause: p });
    }
    const entry = this.entry(server);
    const tokens = entry?.tokens;
    // No token yet: try without one; a 401 then marks the server needs_auth with its challenge.
    if (!entry || !tokens) return {};
    let current = tokens;
    if (refreshDue(tokens, entry.updatedAt)) {
      if (tokens.refreshToken) current = await this.refresh(server);
      // Without a refresh token, a token inside the margin is still good until it expires.
      else if (tokens.expiresAt! <= Date.now()) throw this.needsAuth(server, 'the access token expired and there is no refresh token');
    }
    return { authorization: `Bearer ${current.accessToken}` };
  }

  private async rejected(server: string, response: Response): Promise<boolean> {
    const challenge = extractWWWAuthenticateParams(response);
    this.challenges.set(server, {
      resourceMetadataUrl: challenge.resourceMetadataUrl?.href,
      scope: challenge.scope,
      error: challenge.error,
    });
    const tokens = this.entry(server)?.tokens;
    if (response.status === 401 || response.status === 403) {
      this.refused.set(server, tokens?.accessToken);
      const spec = this.specs.get(server);
      if (spec?.transport.kind === 'http') this.flows.refused(spec.transport.url);
    }
    if (response.status === 403 && challenge.error === 'insufficient_scope') {
      // Consecutive refusals count towards the limit; one long after the last starts afresh.
      // Refusals of the same token count once: concurrent calls refused together are one
      // step-up, not several (three at once used to end step-ups before any was tried).
      const previous = this.stepUps.get(server);
      const recent = previous && Date.now() - previous.at < STEP_UP_WINDOW_MS;
      const token = tokens?.accessToken;
      const n = recent ? previous.count + (token !== undefined && token === previous.token ? 0 : 1) : 1;
      this.stepUps.set(server, { count: n, at: Date.now(), token });
      this.options.log.warn(
        `server needs more scopes (${challenge.scope ?? 'unspecified'}); authorize again (step-up ${n} of ${MAX_STEP_UPS})`,
        { server },
      );
      return false;
    }
    if (response.status !== 401 || !tokens?.refreshToken) return false;
    try {
      await this.refresh(server, tokens.accessToken);
      return true;
    } catch (err) {
      // The authorization server is down (not a refusal): fail this request with that error.
      // Giving up with the 401 instead sent the server to needs_auth, asking the user to
      // authorize again although the refresh token was fine, and nothing retried it.
      if (err instanceof McpgwError && err.details?.transient === true) throw err;
      return false;
    }
  }

  /**
   * One refresh at a time per server; a caller whose token was already replaced gets the new
   * one. invalid_grant drops the tokens (the server goes to needs_auth, never silently empty).
   * The result is kept only if the entry still holds the refresh token that was sent: a
   * logout or a new login while the request was out wins over it. The new tokens are in
   * memory before the write (auth/writer.ts), so a rotated refresh token is never lost to a
   * failed write, and the one sent next is always the newest.
   */
  private refresh(server: string, rejectedToken?: string): Promise<TokenSet> {
    const running = this.refreshing.get(server);
    if (running) return running;
    const job = (async () => {
      const entry = this.entry(server);
      if (!entry?.tokens?.refreshToken || !entry.client) throw this.needsAuth(server, 'no refresh token');
      if (rejectedToken && entry.tokens.accessToken !== rejectedToken) return entry.tokens;
      const sent = entry.tokens.refreshToken;
      const config = configurationFor(entry.asMetadata ?? {}, entry.client, this.options.fetch);
      try {
        const tokens = await refreshTokens(config, entry.tokens, entry.resource);
        const now = this.entry(server);
        if (now?.tokens?.refreshToken !== sent) return this.superseded(server, now);
        await this.writer!.set(server, { ...now, tokens, updatedAt: Date.now() });
        this.options.log.info('access token refreshed', {
          server,
          expiresAt: tokens.expiresAt ? new Date(tokens.expiresAt).toISOString() : undefined,
        });
        return tokens;
      } catch (err) {
        this.options.audit?.({
          server,
          method: 'oauth/refresh',
          outcome: isInvalidGrant(err) ? 'needs_auth' : 'error',
          errorCode: err instanceof McpgwError ? err.code : null,
        });
        if (isInvalidGrant(err)) {
          const now = this.entry(server);
          if (now?.tokens?.refreshToken !== sent) return this.superseded(server, now);
          await this.writer!.set(server, { ...now, tokens: undefined, updatedAt: Date.now() });
          throw this.needsAuth(server, 'the refresh token was refused (invalid_grant)');
        }
        throw err;
      }
    })().finally(() => this.refreshing.delete(server));
    this.refreshing.set(server, job);
    return job;
  }

  /** A refresh came back after a logout or a new login: its result is dropped, the current state stands. */
  private superseded(server: string, now: ServerEntry | undefined): TokenSet {
    this.options.log.info('a token refresh finished after the authorization changed; its result is dropped', { server });
    if (!now?.tokens) throw this.needsAuth(server, 'logged out');
    return now.tokens;
  }

  private needsAuth(server: string, why: string): McpgwError {
    this.lastError.set(server, why);
    return new McpgwError('MCPGW_E_SERVER_NEEDS_AUTH', `server "${server}" needs authorization: ${why}`, {
      hint: `open ${this.authorizationUrl(server)}, or run: mcpgw auth login ${server}`,
      details: { authorizationUrl: this.authorizationUrl(server) },
    });
  }

  /**
   * After MAX_STEP_UPS tokens refused with insufficient_scope, stop authorizing again (the
   * conformance suite's auth/scope-retry-limit allows 3 authorization requests in all; with
   * '>' a 4th one went out). The count is of refusals, so the first authorization plus 2
   * step-ups are tried, and the 3rd refusal ends it.
   */
  private stepUpLimit(server: string): McpgwError | undefined {
    const stepUps = this.stepUps.get(server);
    if (!stepUps || stepUps.count < MAX_STEP_UPS || Date.now() - stepUps.at >= STEP_UP_WINDOW_MS) return undefined;
    return new McpgwError(
      'MCPGW_E_OAUTH_SCOPE',
      `server "${server}" kept asking for more scopes (${MAX_STEP_UPS} tokens refused with insufficient_scope)`,
      { hint: 'set auth.scopes to what the server needs' },
    );
  }

  /** The spec of an enabled OAuth server, or MCPGW_E_OAUTH_UNKNOWN_SERVER (for identified callers only: it lists them). */
  private spec(server: string): OAuthServerSpec {
    const spec = this.specs.get(server);
    if (!spec || spec.auth.type !== 'oauth' || spec.transport.kind !== 'http') {
      throw new McpgwError('MCPGW_E_OAUTH_UNKNOWN_SERVER', `"${server}" is not an enabled OAuth server`, {
        hint: `OAuth servers: ${[...this.specs.keys()].join(', ') || '(none)'}`,
      });
    }
    return spec as OAuthServerSpec;
  }

  /**
   * Starts an authorization for `request.identity` in the browser `request.browser`; returns
   * the authorization server URL to open (auth/authorize.ts).
   */
  async start(server: string, request: StartRequest): Promise<URL> {
    const spec = this.spec(server);
    try {
      return await this.flows.start(server, spec, request);
    } catch (err) {
      // `mcpgw auth login` waits for this (through /status) as for a failed callback.
      this.noteLogin(server, (err as Error).message);
      throw err;
    }
  }

  /** Handles the redirect back from the authorization server (auth/authorize.ts). Never throws. */
  callback(query: URLSearchParams, browser?: string): Promise<CallbackResult> {
    return this.flows.callback(query, browser);
  }

  /** Forgets a server's tokens (and with forgetClient its registered client). */
  async logout(server: string, forgetClient = false, identity?: string): Promise<boolean> {
    await this.openStore();
    if (this.storeProblem) throw this.storeProblem;
    const e = this.writer!.get(server);
    const had = Boolean(e?.tokens || (forgetClient && e));
    if (e) await this.writer!.set(server, forgetClient ? undefined : { ...e, tokens: undefined, updatedAt: Date.now() });
    this.stepUps.delete(server);
    this.challenges.delete(server);
    this.refused.delete(server);
    this.options.audit?.({ identity: identity ?? null, server, method: 'oauth/logout', outcome: 'ok' });
    return had;
  }

  async close(): Promise<void> {
    await this.opening;
    await this.writer?.close();
    await this.store?.close();
    this.store = undefined;
  }
}
