import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import type { ServerSpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import type { Logger } from '../log.js';
import type { AuthProvider, AuthStatus } from '../upstream/types.js';
import { discover, type Discovered, type FetchLike } from './discovery.js';
import { resolveEncryptionKey } from './key.js';
import {
  beginAuthorization,
  configurationFor,
  finishAuthorization,
  isInvalidGrant,
  issuerProblem,
  obtainClient,
  refreshTokens,
  withOfflineAccess,
} from './oauth-flow.js';
import { TokenStore, type ServerEntry, type TokenSet } from './store.js';

/**
 * OAuth for every `auth: { type: oauth }` server: owns the token store, the pending
 * authorizations (state -> PKCE verifier), and one AuthProvider per server that upstream
 * connections use. The HTTP routes (/oauth/start, /oauth/callback) and `mcpgw auth` call in.
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
}

interface Pending {
  readonly server: string;
  readonly state: string;
  readonly verifier: string;
  readonly discovered: Discovered;
  readonly entry: ServerEntry;
  readonly expiresAt: number;
}

export type CallbackResult =
  | { readonly ok: true; readonly server: string }
  | { readonly ok: false; readonly status: 400 | 403 | 502; readonly server?: string; readonly message: string };

/** How long a started authorization may take before its state is refused. */
const PENDING_TTL_MS = 10 * 60_000;
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
  private storeProblem?: McpgwError;
  private opening?: Promise<void>;
  private readonly pending = new Map<string, Pending>();
  private readonly challenges = new Map<string, { resourceMetadataUrl?: string; scope?: string; error?: string }>();
  private readonly refreshing = new Map<string, Promise<TokenSet>>();
  private readonly stepUps = new Map<string, { count: number; at: number; token?: string }>();
  private readonly lastError = new Map<string, string>();
  private readonly logins = new Map<string, { authorizedAt?: string; lastFailure?: { message: string; at: string } }>();
  private options: OAuthServiceOptions;

  constructor(options: OAuthServiceOptions) {
    this.options = options;
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

  authorizationUrl(server: string): string {
    return `${this.options.publicUrl}/oauth/start/${encodeURIComponent(server)}`;
  }

  /** The stored entry, if it belongs to the server as configured now (a token only goes where it was issued). */
  entry(server: string): ServerEntry | undefined {
    const spec = this.specs.get(server);
    const entry = this.store?.get(server);
    if (!spec || !entry || spec.transport.kind !== 'http' || entry.serverUrl !== spec.transport.url) return undefined;
    return entry;
  }

  status(server: string): AuthStatus {
    const authorizationUrl = this.authorizationUrl(server);
    const login = this.logins.get(server) ?? {};
    if (this.storeProblem) return { type: 'oauth', status: 'error', authorizationUrl, ...login };
    const tokens = this.entry(server)?.tokens;
    if (!tokens) return { type: 'oauth', status: 'needs_authorization', authorizationUrl, ...login };
    const expiresAt = tokens.expiresAt ? new Date(tokens.expiresAt).toISOString() : undefined;
    if (tokens.expiresAt && tokens.expiresAt < Date.now() && !tokens.refreshToken)
      return { type: 'oauth', status: 'expired', expiresAt, authorizationUrl, ...login };
    // A token the server refused for lack of scope (403 insufficient_scope) needs a new authorization.
    if (this.challenges.get(server)?.error === 'insufficient_scope')
      return { type: 'oauth', status: 'needs_authorization', expiresAt, authorizationUrl, ...login };
    return { type: 'oauth', status: 'authorized', expiresAt, ...login };
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
      status: () => ({ ...this.status(server), authorizationUrl: this.authorizationUrl(server) }),
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
   */
  private refresh(server: string, rejectedToken?: string): Promise<TokenSet> {
    const running = this.refreshing.get(server);
    if (running) return running;
    const job = (async () => {
      const entry = this.entry(server);
      if (!entry?.tokens?.refreshToken || !entry.client) throw this.needsAuth(server, 'no refresh token');
      if (rejectedToken && entry.tokens.accessToken !== rejectedToken) return entry.tokens;
      const config = configurationFor(entry.asMetadata ?? {}, entry.client, this.options.fetch);
      try {
        const tokens = await refreshTokens(config, entry.tokens, entry.resource);
        await this.store!.update(server, (e) => (e ? { ...e, tokens, updatedAt: Date.now() } : e));
        this.options.log.info('access token refreshed', {
          server,
          expiresAt: tokens.expiresAt ? new Date(tokens.expiresAt).toISOString() : undefined,
        });
        return tokens;
      } catch (err) {
        if (isInvalidGrant(err)) {
          await this.store!.update(server, (e) => (e ? { ...e, tokens: undefined, updatedAt: Date.now() } : e));
          throw this.needsAuth(server, 'the refresh token was refused (invalid_grant)');
        }
        throw err;
      }
    })().finally(() => this.refreshing.delete(server));
    this.refreshing.set(server, job);
    return job;
  }

  private needsAuth(server: string, why: string): McpgwError {
    this.lastError.set(server, why);
    return new McpgwError('MCPGW_E_SERVER_NEEDS_AUTH', `server "${server}" needs authorization: ${why}`, {
      hint: `open ${this.authorizationUrl(server)}, or run: mcpgw auth login ${server}`,
      details: { authorizationUrl: this.authorizationUrl(server) },
    });
  }

  /** Starts an authorization: discovery, client, PKCE; returns the authorization server URL to open. */
  async start(server: string): Promise<URL> {
    const spec = this.specs.get(server);
    if (!spec || spec.auth.type !== 'oauth' || spec.transport.kind !== 'http') {
      throw new McpgwError('MCPGW_E_OAUTH_UNKNOWN_SERVER', `"${server}" is not an enabled OAuth server`, {
        hint: `OAuth servers: ${[...this.specs.keys()].join(', ') || '(none)'}`,
      });
    }
    await this.openStore();
    if (this.storeProblem) throw this.storeProblem;
    // After MAX_STEP_UPS tokens refused with insufficient_scope, stop authorizing again (the
    // conformance suite's auth/scope-retry-limit allows 3 authorization requests in all; with
    // '>' a 4th one went out). The count is of refusals, so the first authorization plus 2
    // step-ups are tried, and the 3rd refusal ends it.
    const stepUps = this.stepUps.get(server);
    if (stepUps && stepUps.count >= MAX_STEP_UPS && Date.now() - stepUps.at < STEP_UP_WINDOW_MS) {
      throw new McpgwError(
        'MCPGW_E_OAUTH_SCOPE',
        `server "${server}" kept asking for more scopes (${MAX_STEP_UPS} tokens refused with insufficient_scope)`,
        { hint: 'set auth.scopes to what the server needs' },
      );
    }
    const url = spec.transport.url;
    const auth = spec.auth;
    let challenge = this.challenges.get(server);
    if (!challenge) challenge = await this.probe(server, url);
    const discovered = await discover(url, {
      resourceMetadataUrl: challenge?.resourceMetadataUrl,
      fetch: this.options.fetch,
      allowInsecureHttp: auth.allowInsecureHttp,
    });
    const configuredScopes = Boolean(auth.scopes?.length);
    const selected = this.selectScope(server, spec, discovered);
    const scope = configuredScopes ? selected : withOfflineAccess(selected, discovered.asMetadata);
    const previous = this.store!.get(server);
    const sameServer = previous?.serverUrl === url && previous.issuer === discovered.asMetadata.issuer;
    const client = await obtainClient(discovered, {
      configured: auth.clientId ? { clientId: auth.clientId, clientSecret: auth.clientSecret } : undefined,
      clientMetadataUrl: this.options.clientMetadataUrl,
      redirectUri: this.redirectUri,
      existing: sameServer ? previous?.client : undefined,
      usedWith: previous?.serverUrl === url && previous.client ? { issuer: previous.issuer, client: previous.client } : undefined,
      fetch: this.options.fetch,
    });
    const config = configurationFor(discovered.asMetadata, client, this.options.fetch);
    const begun = await beginAuthorization(config, { redirectUri: this.redirectUri, scope, resource: discovered.resource });
    this.sweepPending();
    this.pending.set(begun.state, {
      server,
      state: begun.state,
      verifier: begun.verifier,
      discovered,
      entry: {
        serverUrl: url,
        issuer: discovered.asMetadata.issuer,
        resource: discovered.resource,
        asMetadata: discovered.asMetadata,
        client,
        scopes: scope ? scope.split(' ') : undefined,
        updatedAt: Date.now(),
      },
      expiresAt: Date.now() + PENDING_TTL_MS,
    });
    // A dynamic registration is kept even if the user never comes back: re-registering on
    // every attempt would litter the provider with clients.
    if (client.method === 'dynamic' && previous?.client?.clientId !== client.clientId) {
      await this.store!.update(server, (e) => ({
        ...(e ?? { serverUrl: url, issuer: discovered.asMetadata.issuer, resource: discovered.resource, updatedAt: Date.now() }),
        serverUrl: url,
        issuer: discovered.asMetadata.issuer,
        client,
        updatedAt: Date.now(),
      }));
    }
    this.options.log.info('authorization started', { server, client: client.method, scope });
    return begun.url;
  }

  /** Scopes: config, else the challenge's (plus what was granted before, for a step-up), else scopes_supported. */
  private selectScope(server: string, spec: ServerSpec, discovered: Discovered): string | undefined {
    if (spec.auth.type === 'oauth' && spec.auth.scopes?.length) return spec.auth.scopes.join(' ');
    const challenged = this.challenges.get(server)?.scope;
    if (challenged) {
      const granted = this.entry(server)?.tokens?.scope?.split(' ') ?? [];
      return [...new Set([...granted, ...challenged.split(' ')])].filter(Boolean).join(' ');
    }
    return discovered.scopesSupported?.length ? discovered.scopesSupported.join(' ') : undefined;
  }

  /** An unauthenticated request, to read the server's 401 challenge (resource_metadata, scope). */
  private async probe(server: string, url: string): Promise<{ resourceMetadataUrl?: string; scope?: string } | undefined> {
    try {
      const response = await (this.options.fetch ?? fetch)(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'mcpgw', version: '0' } },
        }),
      });
      await response.body?.cancel();
      if (response.status !== 401 && response.status !== 403) return undefined;
      const challenge = extractWWWAuthenticateParams(response);
      const found = { resourceMetadataUrl: challenge.resourceMetadataUrl?.href, scope: challenge.scope, error: challenge.error };
      this.challenges.set(server, found);
      return found;
    } catch {
      return undefined;
    }
  }

  /** Handles the redirect back from the authorization server. Never throws. */
  async callback(query: URLSearchParams): Promise<CallbackResult> {
    const state = query.get('state');
    const pending = state ? this.pending.get(state) : undefined;
    if (!state || !pending)
      return { ok: false, status: 400, message: 'unknown or already used authorization state; start the authorization again' };
    // Single use: whatever happens next, this state is spent.
    this.pending.delete(state);
    if (pending.expiresAt < Date.now()) return this.failed(pending.server, 400, 'this authorization expired; start it again');
    // RFC 9207 first: a response from another issuer is not acted on, and its error not shown.
    const wrongIssuer = issuerProblem(pending.entry.asMetadata ?? {}, query);
    if (wrongIssuer) return this.failed(pending.server, 400, wrongIssuer);
    const error = query.get('error');
    if (error) {
      const description = query.get('error_description');
      return this.failed(
        pending.server,
        error === 'access_denied' ? 403 : 400,
        `the authorization server answered ${error}${description ? `: ${description}` : ''}`,
      );
    }
    try {
      const callbackUrl = new URL(`${this.redirectUri}?${query.toString()}`);
      const config = configurationFor(pending.entry.asMetadata ?? {}, pending.entry.client!, this.options.fetch);
      const tokens = await finishAuthorization(config, callbackUrl, {
        state: pending.state,
        verifier: pending.verifier,
        resource: pending.entry.resource,
      });
      await this.store!.update(pending.server, () => ({ ...pending.entry, tokens, updatedAt: Date.now() }));
      this.challenges.delete(pending.server);
      this.lastError.delete(pending.server);
      this.noteLogin(pending.server);
      this.options.log.info('authorized', {
        server: pending.server,
        expiresAt: tokens.expiresAt ? new Date(tokens.expiresAt).toISOString() : undefined,
      });
      this.options.onAuthorized(pending.server);
      return { ok: true, server: pending.server };
    } catch (err) {
      const message = err instanceof McpgwError ? err.message : `the code exchange failed: ${(err as Error).message}`;
      return this.failed(pending.server, 502, message);
    }
  }

  private failed(server: string, status: 400 | 403 | 502, message: string): CallbackResult {
    this.noteLogin(server, message);
    this.options.log.warn(`authorization failed: ${message}`, { server });
    return { ok: false, status, server, message };
  }

  /** Forgets a server's tokens (and with forgetClient its registered client). */
  async logout(server: string, forgetClient = false): Promise<boolean> {
    await this.openStore();
    if (this.storeProblem) throw this.storeProblem;
    let had = false;
    await this.store!.update(server, (e) => {
      had = Boolean(e?.tokens || (forgetClient && e));
      if (!e || forgetClient) return undefined;
      return { ...e, tokens: undefined, updatedAt: Date.now() };
    });
    this.stepUps.delete(server);
    this.challenges.delete(server);
    return had;
  }

  private sweepPending(): void {
    const now = Date.now();
    for (const [state, p] of this.pending) if (p.expiresAt < now) this.pending.delete(state);
  }

  async close(): Promise<void> {
    await this.opening;
    await this.store?.close();
    this.store = undefined;
  }
}
