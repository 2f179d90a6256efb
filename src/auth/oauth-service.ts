import { extractWWWAuthenticateParams } from '@modelcontextprotocol/client';
import type { ServerSpec, StoreSpec } from '../config/types.js';
import type { AuditSink } from '../audit/types.js';
import { McpgwError } from '../errors/error.js';
import type { Logger } from '../log.js';
import type { StoreState } from '../store/open-store.js';
import type { AuthProvider, AuthStatus } from '../upstream/types.js';
import { Authorizations, type CallbackResult, type Challenge, type OAuthServerSpec, type StartRequest } from './authorize.js';
import type { FetchLike } from './discovery.js';
import { AuthorizationLinks, type LinkGrant } from './links.js';
import { refreshDue, refreshOnce, storeUnavailable, type RefreshContext } from './refresh.js';
import { authStatus } from './service-status.js';
import { ServiceStore } from './service-store.js';
import { StepUps } from './step-ups.js';
import type { ServerEntry, TokenSet } from './types.js';

export { refreshDue } from './refresh.js';

/**
 * OAuth for every `auth: { type: oauth }` server: owns the token store (src/store/: the file
 * or the database), the authorizations in progress (auth/authorize.ts), the
 * authorization links (auth/links.ts), and one AuthProvider per server that upstream
 * connections use (headers, refresh, step-up). The HTTP routes (/oauth/start,
 * /oauth/callback) and `mcpgw auth` call in.
 */

export interface OAuthServiceOptions {
  readonly dataDir: string;
  /** gateway.store; default the file in dataDir. */
  readonly store?: StoreSpec;
  /** Base URL a browser uses; the redirect URI is <publicUrl>/oauth/callback. */
  readonly publicUrl: string;
  readonly clientMetadataUrl?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  /** A server got tokens (a login finished): its upstream should connect now. */
  readonly onAuthorized: (server: string) => void;
  readonly observer?: RefreshContext['observer']; // counts refreshes and failures (observe/)
  readonly fetch?: FetchLike;
  /**
   * Whether starting an authorization needs the caller's identity (gateway.auth.bearerTokens,
   * read live). Then the links handed to callers carry a ticket (auth/links.ts). Default: no.
   */
  readonly identityRequired?: () => boolean;
  /** The audit log: authorizations, refresh failures and logouts (SPEC section 10). */
  readonly audit?: AuditSink;
}

export type { CallbackResult, StartRequest } from './authorize.js';

/** Whose entries the service uses: the machine's own identity (`local` and `owner` share it). */
const SELF = 'owner';

export class OAuthService {
  private specs = new Map<string, ServerSpec>();
  private readonly stores = new ServiceStore(() => this.options);
  /** The authorization links (check, redeem: auth/links.ts). */
  readonly links = new AuthorizationLinks();
  /** The access token a server last refused (401/403): while it is the current one, the authorization is not valid. */
  private readonly refused = new Map<string, string | undefined>();
  private readonly challenges = new Map<string, Challenge>();
  private readonly refreshing = new Map<string, Promise<TokenSet>>();
  private readonly stepUps = new StepUps();
  private readonly logins = new Map<string, { authorizedAt?: string; lastFailure?: { message: string; at: string } }>();
  private options: OAuthServiceOptions;

  private readonly flows: Authorizations;

  constructor(options: OAuthServiceOptions) {
    this.options = options;
    this.flows = new Authorizations({
      options: () => this.options,
      redirectUri: this.redirectUri,
      writer: () => this.stores.view(SELF),
      entry: (server) => this.entry(server),
      authorizedNow: (server) => this.authorizedNow(server),
      stepUpLimit: (server) => this.stepUps.limit(server),
      challenges: this.challenges,
      authorized: (server) => {
        this.challenges.delete(server);
        this.refused.delete(server);
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
    if (this.specs.size > 0) await this.stores.open();
  }

  /** /status `store` (SPEC section 11); undefined while no OAuth server needs one. */
  storeState(): StoreState | undefined {
    return this.stores.state();
  }

  /** /readyz: the store is in trouble and not one token can be served from memory. */
  storeBlocksReadiness(): boolean {
    return this.specs.size > 0 && this.stores.blocksReadiness([...this.specs.keys()].map((s) => this.entry(s)?.tokens));
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

  /** A link for `identity` to replace a valid authorization of `server` (`mcpgw auth login`); a ticket only with inbound auth. */
  loginUrl(server: string, identity: string): string {
    oauthSpec(this.specs, server);
    if (this.identityRequired()) return this.link(server, identity, { reauthorize: true });
    return `${this.options.publicUrl}/oauth/start/${encodeURIComponent(server)}?reauthorize=1`;
  }

  identityRequired(): boolean {
    return this.options.identityRequired?.() ?? false;
  }

  /** Authorizations started and not finished (bounded per server). */
  pendingCount(server?: string): number {
    return this.flows.pendingCount(server);
  }

  /** The stored entry, if it belongs to the server as configured now (a token only goes where it was issued). */
  entry(server: string): ServerEntry | undefined {
    const spec = this.specs.get(server);
    const entry = this.stores.store?.get(SELF, server);
    if (!spec || !entry || spec.transport.kind !== 'http' || entry.serverUrl !== spec.transport.url) return undefined;
    return entry;
  }

  status(server: string, forCaller?: string): AuthStatus {
    const tokens = this.entry(server)?.tokens;
    return authStatus({
      authorizationUrl: this.authorizationUrl(server, forCaller),
      login: this.logins.get(server) ?? {},
      unsaved: this.stores.store?.unsaved(SELF, server),
      problem: this.stores.problem() !== undefined,
      tokens,
      // A token the server refused for lack of scope (403 insufficient_scope), or refused with
      // nothing to refresh it with, needs a new authorization.
      refusedForGood:
        this.challenges.get(server)?.error === 'insufficient_scope' ||
        (tokens !== undefined && this.refused.has(server) && this.refused.get(server) === tokens.accessToken && !tokens.refreshToken),
    });
  }

  /**
   * Whether `server` has an authorization that works as far as we know: a token, not expired
   * beyond refresh, not the one the server last refused. Such an authorization is replaced
   * only when the caller asked for it (StartRequest.reauthorize).
   */
  private authorizedNow(server: string): boolean {
    if (this.stores.problem()) return false;
    const tokens = this.entry(server)?.tokens;
    if (!tokens) return false;
    if (tokens.expiresAt !== undefined && tokens.expiresAt <= Date.now() && !tokens.refreshToken) return false;
    return !(this.refused.has(server) && this.refused.get(server) === tokens.accessToken);
  }

  private noteLogin(server: string, failure?: string): void {
    const at = new Date().toISOString();
    if (failure) this.options.observer?.oauthFailure(server, 'login_failed');
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
    await this.stores.open();
    const p = this.stores.problem();
    if (p) {
      // This error becomes the server's lastError in /status, which shows the message only:
      // put the fix in it (restore the key, or move the store away), not just what went wrong.
      throw new McpgwError(p.code, p.hint ? `${p.message}; to fix: ${p.hint}` : p.message, { hint: p.hint, details: p.details, cause: p });
    }
    const entry = this.entry(server);
    const tokens = entry?.tokens;
    // No token yet: try without one; a 401 then marks the server needs_auth with its challenge.
    if (!entry || !tokens) return {};
    let current = tokens;
    if (refreshDue(tokens, entry.updatedAt)) {
      if (tokens.refreshToken) current = await this.refreshOrKeep(server, tokens);
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
      const scope = response.status === 403 && challenge.error === 'insufficient_scope';
      // Without a token the server only says so: that is needing an authorization, not a refused token.
      this.options.observer?.oauthFailure(server, !tokens ? 'needs_authorization' : scope ? 'insufficient_scope' : 'rejected');
    }
    if (response.status === 403 && challenge.error === 'insufficient_scope') {
      this.stepUps.refused(server, tokens?.accessToken, challenge.scope, this.options.log);
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

  /** A refresh before expiry that cannot reach the store (issue 16): the token held is still good until it expires. */
  private async refreshOrKeep(server: string, tokens: TokenSet): Promise<TokenSet> {
    try {
      return await this.refresh(server);
    } catch (err) {
      if (!storeUnavailable(err) || tokens.expiresAt === undefined || tokens.expiresAt <= Date.now()) throw err;
      return tokens;
    }
  }

  /**
   * One refresh at a time per server in this process, and across replicas (auth/refresh.ts);
   * a caller whose token was already replaced gets the new one. invalid_grant drops the
   * tokens (the server goes to needs_auth, never silently empty). The new tokens are in
   * memory before the write (auth/writer.ts), so a rotated refresh token is never lost to a
   * failed write, and the one sent next is always the newest.
   */
  private refresh(server: string, rejectedToken?: string): Promise<TokenSet> {
    const running = this.refreshing.get(server);
    if (running) return running;
    const job = (async () => {
      const held = this.entry(server)?.tokens;
      const store = this.stores.store;
      if (!held?.refreshToken || !store) throw this.needsAuth(server, 'no refresh token');
      if (rejectedToken && held.accessToken !== rejectedToken) return held;
      const { fetch, log, audit, observer } = this.options;
      const ctx = { store, identity: SELF, fetch, log, audit, observer, needsAuth: (s: string, why: string) => this.needsAuth(s, why) };
      return refreshOnce(ctx, server, held, rejectedToken !== undefined);
    })().finally(() => this.refreshing.delete(server));
    this.refreshing.set(server, job);
    return job;
  }

  private needsAuth(server: string, why: string): McpgwError {
    this.options.observer?.oauthFailure(server, 'needs_authorization');
    return new McpgwError('MCPGW_E_SERVER_NEEDS_AUTH', `server "${server}" needs authorization: ${why}`, {
      hint: `open ${this.authorizationUrl(server)}, or run: mcpgw auth login ${server}`,
      details: { authorizationUrl: this.authorizationUrl(server) },
    });
  }

  /** Starts an authorization for `request.identity` in the browser `request.browser`; returns the URL to open (auth/authorize.ts). */
  async start(server: string, request: StartRequest): Promise<URL> {
    const spec = oauthSpec(this.specs, server);
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
    await this.stores.open();
    const problem = this.stores.problem();
    if (problem) throw problem;
    const store = this.stores.store!;
    const e = store.get(SELF, server);
    const had = Boolean(e?.tokens || (forgetClient && e));
    if (e) await store.set(SELF, server, forgetClient ? undefined : { ...e, tokens: undefined, updatedAt: Date.now() });
    if (forgetClient) await store.forgetClient(server);
    this.stepUps.delete(server);
    this.challenges.delete(server);
    this.refused.delete(server);
    this.options.audit?.({ identity: identity ?? null, server, method: 'oauth/logout', outcome: 'ok' });
    return had;
  }

  async close(): Promise<void> {
    await this.stores.close();
  }
}

/** The spec of an enabled OAuth server, or MCPGW_E_OAUTH_UNKNOWN_SERVER (for identified callers only: it lists them). */
function oauthSpec(specs: ReadonlyMap<string, ServerSpec>, server: string): OAuthServerSpec {
  const spec = specs.get(server);
  if (!spec || spec.auth.type !== 'oauth' || spec.transport.kind !== 'http') {
    throw new McpgwError('MCPGW_E_OAUTH_UNKNOWN_SERVER', `"${server}" is not an enabled OAuth server`, {
      hint: `OAuth servers: ${[...specs.keys()].join(', ') || '(none)'}`,
    });
  }
  return spec as OAuthServerSpec;
}
