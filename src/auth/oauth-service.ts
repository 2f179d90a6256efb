import { extractWWWAuthenticateParams } from '@modelcontextprotocol/client';
import { tokensPerUser } from '../config/team.js';
import type { ServerSpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import type { StoreState } from '../store/open-store.js';
import type { AuthProvider, AuthStatus } from '../upstream/types.js';
import { Authorizations, oauthSpec, type CallbackResult, type StartRequest } from './authorize.js';
import { AuthorizationLinks } from './links.js';
import { refreshDue, refreshOnce, storeUnavailable } from './refresh.js';
import { authStatus, everyIdentity } from './service-status.js';
import type { OAuthServiceOptions } from './service-options.js';
import { ServiceStore } from './service-store.js';
import { checkMayChange, SELF, SlotStates, slotKey, slotOf, type ChangeTarget } from './slots.js';
import type { ServerEntry, TokenSet } from './types.js';

export { refreshDue } from './refresh.js';

/**
 * OAuth for every `auth: { type: oauth }` server: owns the token store (src/store/: the file
 * or the database), the authorizations in progress (auth/authorize.ts), the
 * authorization links (auth/links.ts), and one AuthProvider per server that upstream
 * connections use (headers, refresh, step-up). The HTTP routes (/oauth/start,
 * /oauth/callback) and `mcpgw auth` call in.
 */

export type { OAuthServiceOptions } from './service-options.js';

export type { CallbackResult, StartRequest } from './authorize.js';

const key = slotKey;

export class OAuthService {
  private specs = new Map<string, ServerSpec>();
  private readonly stores = new ServiceStore(() => this.options);
  /** The authorization links (check, redeem: auth/links.ts). */
  readonly links: AuthorizationLinks;
  private readonly slots = new SlotStates();
  private options: OAuthServiceOptions;

  private readonly flows: Authorizations;

  constructor(options: OAuthServiceOptions) {
    this.options = options;
    this.links = new AuthorizationLinks(undefined, options.linkKeys);
    this.flows = new Authorizations({
      options: () => this.options,
      redirectUri: this.redirectUri,
      writer: (slot) => this.stores.view(slot),
      slotOf: (server, identity) => this.slotOf(server, identity),
      entry: (server, slot) => this.entry(server, slot),
      authorizedNow: (server, slot) => this.authorizedNow(server, slot),
      stepUpLimit: (server, slot) => this.slots.stepUps.limit(key(slot, server), server),
      challenges: this.slots.challenges,
      authorized: (server, slot) => {
        this.slots.forgetRefusals(key(slot, server));
        this.noteLogin(server, slot);
      },
      noteFailure: (server, slot, message) => this.noteLogin(server, slot, message),
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
    return this.specs.size > 0 && this.stores.blocksReadiness([...this.specs.keys()].map((s) => this.entry(s, SELF)?.tokens));
  }

  /** Whose entry a call of `identity` to `server` uses (auth/slots.ts). */
  slotOf(server: string, identity?: string): string {
    return slotOf(this.specs.get(server), identity);
  }

  private mayChange(server: string, actor: string, target: ChangeTarget): void {
    checkMayChange(this.specs.get(server), server, actor, this.options.isAdmin?.(actor) ?? true, target);
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
  loginUrl(server: string, identity: string, user?: string): string {
    oauthSpec(this.specs, server);
    // An admin may authorize for another user (`auth login --user`): the link is that user's.
    this.mayChange(server, identity, { user: user ?? identity });
    if (this.identityRequired()) return this.link(server, user ?? identity, { reauthorize: true });
    return `${this.options.publicUrl}/oauth/start/${encodeURIComponent(server)}?reauthorize=1`;
  }

  identityRequired(): boolean {
    return this.options.identityRequired?.() ?? false;
  }

  /** Authorizations started and not finished (bounded per server). */
  pendingCount(server?: string): number {
    return this.flows.pendingCount(server);
  }

  /** The stored entry of a slot, if it belongs to the server as configured now (a token only goes where it was issued). */
  entry(server: string, slot: string): ServerEntry | undefined {
    const spec = this.specs.get(server);
    const entry = this.stores.store?.get(slot, server);
    if (!spec || !entry || spec.transport.kind !== 'http' || entry.serverUrl !== spec.transport.url) return undefined;
    return entry;
  }

  /**
   * The authorization of `server` that calls of `forCaller` use (its own with perUser); with
   * `everyone` (an admin asking) also each identity's of a perUser server.
   */
  status(server: string, forCaller?: string, everyone = false): AuthStatus {
    const own = this.slotStatus(server, forCaller);
    const spec = this.specs.get(server);
    const tokens = spec && tokensPerUser(spec) ? ('perUser' as const) : ('shared' as const);
    if (!everyone || tokens === 'shared') return { ...own, tokens };
    const authorized = (this.stores.store?.identities(server) ?? []).filter((identity) => this.entry(server, identity)?.tokens);
    const identities = everyIdentity(authorized, (identity) => this.slotStatus(server, identity));
    return { ...own, tokens, identities };
  }

  private slotStatus(server: string, forCaller?: string): AuthStatus {
    const slot = this.slotOf(server, forCaller);
    const k = key(slot, server);
    const tokens = this.entry(server, slot)?.tokens;
    return authStatus({
      authorizationUrl: this.authorizationUrl(server, forCaller),
      login: this.slots.logins.get(k) ?? {},
      unsaved: this.stores.store?.unsaved(slot, server),
      problem: this.stores.problem() !== undefined,
      tokens,
      // A token the server refused for lack of scope (403 insufficient_scope), or refused with
      // nothing to refresh it with, needs a new authorization.
      refusedForGood: this.slots.refusedForGood(k, tokens),
    });
  }

  /**
   * Whether `server` has an authorization that works as far as we know: a token, not expired
   * beyond refresh, not the one the server last refused. Such an authorization is replaced
   * only when the caller asked for it (StartRequest.reauthorize).
   */
  private authorizedNow(server: string, slot: string): boolean {
    if (this.stores.problem()) return false;
    const tokens = this.entry(server, slot)?.tokens;
    if (!tokens) return false;
    if (tokens.expiresAt !== undefined && tokens.expiresAt <= Date.now() && !tokens.refreshToken) return false;
    return !this.slots.refusedNow(key(slot, server), tokens);
  }

  private noteLogin(server: string, slot: string, failure?: string): void {
    const at = new Date().toISOString();
    if (failure) this.options.observer?.oauthFailure(server, 'login_failed');
    this.slots.noteLogin(key(slot, server), at, failure);
  }

  /**
   * The AuthProvider an upstream connection of `server` uses; with `tokens: perUser` the
   * connection is `identity`'s own (gateway/) and only ever sends that identity's token.
   */
  providerFor(server: string, identity?: string): AuthProvider {
    const slot = this.slotOf(server, identity);
    return {
      headers: () => this.headers(server, slot, identity),
      onRejected: (response) => this.rejected(server, slot, response),
      // The upstream's needs-auth error (-32011) takes data.authorizationUrl from here, so the
      // link is there even while a token is stored: the server may refuse it (revoked, or a 403
      // insufficient_scope before this status knew) and the caller must still get the link.
      // Without an identity (a status read outside any call) the link is the owner's, as before team mode.
      status: (caller = identity ?? 'owner') => ({
        ...this.status(server, caller),
        authorizationUrl: this.authorizationUrl(server, caller),
      }),
    };
  }

  private async headers(server: string, slot: string, identity: string | undefined): Promise<Record<string, string>> {
    await this.stores.open();
    const p = this.stores.problem();
    if (p) {
      // This error becomes the server's lastError in /status, which shows the message only:
      // put the fix in it (restore the key, or move the store away), not just what went wrong.
      throw new McpgwError(p.code, p.hint ? `${p.message}; to fix: ${p.hint}` : p.message, { hint: p.hint, details: p.details, cause: p });
    }
    const entry = this.entry(server, slot);
    const tokens = entry?.tokens;
    // No token yet: try without one; a 401 then marks the server needs_auth with its challenge.
    if (!entry || !tokens) return {};
    let current = tokens;
    if (refreshDue(tokens, entry.updatedAt)) {
      if (tokens.refreshToken) current = await this.refreshOrKeep(server, slot, tokens);
      // Without a refresh token, a token inside the margin is still good until it expires.
      else if (tokens.expiresAt! <= Date.now())
        throw this.needsAuth(server, 'the access token expired and there is no refresh token', identity);
    }
    return { authorization: `Bearer ${current.accessToken}` };
  }

  private async rejected(server: string, slot: string, response: Response): Promise<boolean> {
    const challenge = extractWWWAuthenticateParams(response);
    const k = key(slot, server);
    this.slots.challenges.set(k, {
      resourceMetadataUrl: challenge.resourceMetadataUrl?.href,
      scope: challenge.scope,
      error: challenge.error,
    });
    const tokens = this.entry(server, slot)?.tokens;
    if (response.status === 401 || response.status === 403) {
      this.slots.refused.set(k, tokens?.accessToken);
      const spec = this.specs.get(server);
      if (spec?.transport.kind === 'http') this.flows.refused(spec.transport.url);
      const scope = response.status === 403 && challenge.error === 'insufficient_scope';
      // Without a token the server only says so: that is needing an authorization, not a refused token.
      this.options.observer?.oauthFailure(server, !tokens ? 'needs_authorization' : scope ? 'insufficient_scope' : 'rejected');
    }
    if (response.status === 403 && challenge.error === 'insufficient_scope') {
      this.slots.stepUps.refused(k, server, tokens?.accessToken, challenge.scope, this.options.log);
      return false;
    }
    if (response.status !== 401 || !tokens?.refreshToken) return false;
    try {
      await this.refresh(server, slot, tokens.accessToken);
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
  private async refreshOrKeep(server: string, slot: string, tokens: TokenSet): Promise<TokenSet> {
    try {
      return await this.refresh(server, slot);
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
  private refresh(server: string, slot: string, rejectedToken?: string): Promise<TokenSet> {
    const k = key(slot, server);
    const running = this.slots.refreshing.get(k);
    if (running) return running;
    const job = (async () => {
      const held = this.entry(server, slot)?.tokens;
      const store = this.stores.store;
      const needsAuth = (s: string, why: string) => this.needsAuth(s, why, slot === SELF ? undefined : slot);
      if (!held?.refreshToken || !store) throw needsAuth(server, 'no refresh token');
      if (rejectedToken && held.accessToken !== rejectedToken) return held;
      const { fetch, log, audit, observer } = this.options;
      return refreshOnce({ store, identity: slot, fetch, log, audit, observer, needsAuth }, server, held, rejectedToken !== undefined);
    })().finally(() => this.slots.refreshing.delete(k));
    this.slots.refreshing.set(k, job);
    return job;
  }

  /** The error of a call that needs an authorization; its link is bound to the caller (`identity`). */
  private needsAuth(server: string, why: string, identity?: string): McpgwError {
    this.options.observer?.oauthFailure(server, 'needs_authorization');
    const url = this.authorizationUrl(server, identity);
    return new McpgwError('MCPGW_E_SERVER_NEEDS_AUTH', `server "${server}" needs authorization: ${why}`, {
      hint: `open ${url}, or run: mcpgw auth login ${server}`,
      details: { authorizationUrl: url },
    });
  }

  /** Starts an authorization for `request.identity` in the browser `request.browser`; returns the URL to open (auth/authorize.ts). */
  async start(server: string, request: StartRequest): Promise<URL> {
    const spec = oauthSpec(this.specs, server);
    this.mayChange(server, request.identity, { user: request.identity });
    try {
      return await this.flows.start(server, spec, request);
    } catch (err) {
      // `mcpgw auth login` waits for this (through /status) as for a failed callback.
      this.noteLogin(server, this.slotOf(server, request.identity), (err as Error).message);
      throw err;
    }
  }

  /** Handles the redirect back from the authorization server (auth/authorize.ts). Never throws. */
  callback(query: URLSearchParams, browser?: string): Promise<CallbackResult> {
    return this.flows.callback(query, browser);
  }

  /**
   * Forgets the tokens `identity`'s calls to `server` use, or with `user` another identity's
   * (admins); with forgetClient the registered client too (admins: every identity uses it).
   */
  async logout(server: string, forgetClient = false, identity?: string, user?: string): Promise<boolean> {
    const actor = identity ?? SELF;
    this.mayChange(server, actor, forgetClient ? 'client' : { user: user ?? actor });
    await this.stores.open();
    const problem = this.stores.problem();
    if (problem) throw problem;
    const store = this.stores.store!;
    const slot = this.slotOf(server, user ?? actor);
    const e = store.get(slot, server);
    const had = Boolean(e?.tokens || (forgetClient && e));
    if (e) await store.set(slot, server, forgetClient ? undefined : { ...e, tokens: undefined, updatedAt: Date.now() });
    if (forgetClient) await store.forgetClient(server);
    this.slots.forgetRefusals(key(slot, server), { stepUps: true });
    this.options.audit?.({ identity: identity ?? null, server, method: 'oauth/logout', outcome: 'ok' });
    return had;
  }

  async close(): Promise<void> {
    await this.stores.close();
  }
}
