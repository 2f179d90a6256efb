import { timingSafeEqual } from 'node:crypto';
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/client';
import type { ServerSpec } from '../config/types.js';
import type { AuditSink } from '../audit/types.js';
import { McpgwError } from '../errors/error.js';
import type { Logger } from '../log.js';
import { DiscoveryCache, type Discovered, type FetchLike } from './discovery.js';
import { beginAuthorization, configurationFor, finishAuthorization, issuerProblem, obtainClient, withOfflineAccess } from './oauth-flow.js';
import { PendingAuthorizations } from './pending.js';
import type { ClientRegistration } from './store.js';
import { SELF, slotKey } from './slots.js';
import type { ServerEntry } from './types.js';

/** The entries of the identity an authorization is for (src/store/), by server. */
export interface EntryView {
  get(server: string): ServerEntry | undefined;
  set(server: string, entry: ServerEntry | undefined): Promise<void>;
}

/**
 * Authorizing a server (SPEC sections 4 and 5): /oauth/start -> the authorization server ->
 * /oauth/callback, for auth/oauth-service.ts, which owns the state this reads and changes
 * (through AuthorizeContext). A start is bound to who asked and in which browser; it waits in
 * the bounded pending set; the callback checks state, browser, and that it replaces no valid
 * authorization nobody asked to replace, before it redeems the code.
 */

/** Who starts an authorization, and from which browser (SPEC section 4). */
export interface StartRequest {
  /** 'owner' (bearerTokens), 'local' (no inbound auth); a user name in team mode. */
  readonly identity: string;
  /** The browser's nonce (the mcpgw_oauth cookie); the callback must come with the same. */
  readonly browser: string;
  /**
   * The caller asked to replace an authorization that is still valid (`mcpgw auth login`,
   * `?reauthorize=1`). Without it, a valid authorization is never replaced.
   */
  readonly reauthorize?: boolean;
}

export type CallbackResult =
  | { readonly ok: true; readonly server: string }
  | { readonly ok: false; readonly status: 400 | 403 | 409 | 502; readonly server?: string; readonly message: string };

export type OAuthServerSpec = ServerSpec & { transport: { kind: 'http'; url: string } };

export interface Challenge {
  resourceMetadataUrl?: string;
  scope?: string;
  error?: string;
}

/** What the flows need of the OAuth service. */
export interface AuthorizeContext {
  /** Read at each use: clientMetadataUrl follows reloads. */
  options(): {
    readonly clientMetadataUrl?: string;
    readonly fetch?: FetchLike;
    readonly log: Logger;
    readonly onAuthorized: (server: string, identity: string) => void;
    readonly audit?: AuditSink;
  };
  readonly redirectUri: string;
  /**
   * The entries of one slot (auth/slots.ts: an identity's own with tokens: perUser, else the
   * shared one) in the open store; throws the store's problem (no key, wrong key...).
   */
  writer(slot: string): Promise<EntryView>;
  slotOf(server: string, identity: string): string;
  entry(server: string, slot: string): ServerEntry | undefined;
  /** The slot has an authorization that works as far as we know (never replaced unasked). */
  authorizedNow(server: string, slot: string): boolean;
  /** The step-up limit error, once the server refused too many tokens for lack of scope. */
  stepUpLimit(server: string, slot: string): McpgwError | undefined;
  /** The last 401/403 challenge of each slotKey(slot, server) (resource_metadata, scope, error). */
  readonly challenges: Map<string, Challenge>;
  /** A login finished: forget the slot's refusals and challenges, note the time. */
  authorized(server: string, slot: string): void;
  noteFailure(server: string, slot: string, message: string): void;
  authorizationUrl(server: string): string;
}

export class Authorizations {
  private readonly pending = new PendingAuthorizations();
  private readonly discovery = new DiscoveryCache();

  constructor(private readonly ctx: AuthorizeContext) {}

  /** Authorizations started and not finished (bounded per server). */
  pendingCount(server?: string): number {
    return this.pending.count(server);
  }

  alreadyAuthorized(server: string): McpgwError {
    return new McpgwError(
      'MCPGW_E_OAUTH_REPLACE',
      `server "${server}" is already authorized; this authorization did not ask to replace it, so the current one is kept`,
      {
        hint: `to authorize it again (another account, other scopes): mcpgw auth login ${server}, or open ${this.ctx.authorizationUrl(server)}?reauthorize=1 as an identified caller`,
      },
    );
  }

  /** The server refused a token: what discovery found for it may be stale (a new authorization server). */
  refused(url: string): void {
    this.discovery.forget(url);
  }

  /**
   * Starts an authorization for `request.identity` in the browser `request.browser`:
   * discovery (cached), client, PKCE; returns the authorization server URL to open. Refuses
   * (MCPGW_E_OAUTH_REPLACE) while a valid authorization exists, unless the caller asked to
   * replace it.
   */
  async start(server: string, spec: OAuthServerSpec, request: StartRequest): Promise<URL> {
    const slot = this.ctx.slotOf(server, request.identity);
    const writer = await this.ctx.writer(slot);
    if (!request.reauthorize && this.ctx.authorizedNow(server, slot)) throw this.alreadyAuthorized(server);
    const limit = this.ctx.stepUpLimit(server, slot);
    if (limit) throw limit;
    const url = spec.transport.url;
    const discovered = await this.discover(server, slot, spec);
    const selected = this.selectScope(server, slot, spec, discovered);
    const scope = oauthOf(spec).scopes?.length ? selected : withOfflineAccess(selected, discovered.asMetadata);
    // Registrations are per server, not per user: a user's first authorization uses the
    // client registered before (kept in the shared slot), rather than registering another.
    const shared = slot === SELF ? writer : await this.ctx.writer(SELF);
    const previous = writer.get(server)?.client ? writer.get(server) : shared.get(server);
    const client = await this.clientFor(spec, discovered, previous);
    const config = configurationFor(discovered.asMetadata, client, this.ctx.options().fetch);
    const begun = await beginAuthorization(config, { redirectUri: this.ctx.redirectUri, scope, resource: discovered.resource });
    this.pending.add({
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
      expiresAt: Date.now() + this.pending.ttlMs,
      identity: request.identity,
      browser: request.browser,
      reauthorize: request.reauthorize === true,
    });
    await keepRegistration(shared, server, url, discovered, client, previous);
    this.ctx.options().log.info('authorization started', { server, client: client.method, scope, identity: request.identity });
    return begun.url;
  }

  /** Discovery (cached), from the resource_metadata of the server's 401 challenge when it gives one. */
  private async discover(server: string, slot: string, spec: OAuthServerSpec): Promise<Discovered> {
    const url = spec.transport.url;
    const challenge = this.ctx.challenges.get(slotKey(slot, server)) ?? (await this.probe(slotKey(slot, server), url));
    return this.discovery.discover(url, {
      resourceMetadataUrl: challenge?.resourceMetadataUrl,
      fetch: this.ctx.options().fetch,
      allowInsecureHttp: oauthOf(spec).allowInsecureHttp,
    });
  }

  /** The configured client, else the one registered with this server and issuer before, else a new one. */
  private clientFor(spec: OAuthServerSpec, discovered: Discovered, previous: ServerEntry | undefined): Promise<ClientRegistration> {
    const auth = oauthOf(spec);
    const url = spec.transport.url;
    const sameServer = previous?.serverUrl === url && previous.issuer === discovered.asMetadata.issuer;
    return obtainClient(discovered, {
      configured: auth.clientId ? { clientId: auth.clientId, clientSecret: auth.clientSecret } : undefined,
      clientMetadataUrl: this.ctx.options().clientMetadataUrl,
      redirectUri: this.ctx.redirectUri,
      existing: sameServer ? previous?.client : undefined,
      usedWith: previous?.serverUrl === url && previous.client ? { issuer: previous.issuer, client: previous.client } : undefined,
      fetch: this.ctx.options().fetch,
    });
  }

  /** Scopes: config, else the challenge's (plus what was granted before, for a step-up), else scopes_supported. */
  private selectScope(server: string, slot: string, spec: ServerSpec, discovered: Discovered): string | undefined {
    if (spec.auth.type === 'oauth' && spec.auth.scopes?.length) return spec.auth.scopes.join(' ');
    const challenged = this.ctx.challenges.get(slotKey(slot, server))?.scope;
    if (challenged) {
      const granted = this.ctx.entry(server, slot)?.tokens?.scope?.split(' ') ?? [];
      return [...new Set([...granted, ...challenged.split(' ')])].filter(Boolean).join(' ');
    }
    return discovered.scopesSupported?.length ? discovered.scopesSupported.join(' ') : undefined;
  }

  /** An unauthenticated request, to read the server's 401 challenge (resource_metadata, scope). */
  private async probe(challengeKey: string, url: string): Promise<{ resourceMetadataUrl?: string; scope?: string } | undefined> {
    try {
      const response = await (this.ctx.options().fetch ?? fetch)(url, {
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
      this.ctx.challenges.set(challengeKey, found);
      return found;
    } catch {
      return undefined;
    }
  }

  /**
   * Handles the redirect back from the authorization server, in the browser whose nonce is
   * `browser` (the mcpgw_oauth cookie). Never throws.
   */
  async callback(query: URLSearchParams, browser?: string): Promise<CallbackResult> {
    const state = query.get('state');
    // Single use: whatever happens next, this state is spent.
    const pending = state ? this.pending.take(state) : undefined;
    if (!state || !pending)
      return { ok: false, status: 400, message: 'unknown or already used authorization state; start the authorization again' };
    const slot = this.ctx.slotOf(pending.server, pending.identity);
    if (pending.expiresAt < Date.now()) return this.failed(pending, 400, 'this authorization expired; start it again');
    // The state is bound to the browser that started it: a callback URL someone else made
    // (with their own account's code) and got this browser to open finds no cookie, or another.
    if (!browser || !sameNonce(browser, pending.browser)) {
      return this.failed(
        pending,
        400,
        'this authorization was started in another browser (or its cookie is gone); start it again in this browser',
        'MCPGW_E_OAUTH_BROWSER',
      );
    }
    // RFC 9207 first: a response from another issuer is not acted on, and its error not shown.
    const wrongIssuer = issuerProblem(pending.entry.asMetadata ?? {}, query);
    if (wrongIssuer) return this.failed(pending, 400, wrongIssuer);
    const error = query.get('error');
    if (error) {
      const description = query.get('error_description');
      return this.failed(
        pending,
        error === 'access_denied' ? 403 : 400,
        `the authorization server answered ${error}${description ? `: ${description}` : ''}`,
      );
    }
    // Checked again here (it may have changed since the start), and before the code is
    // redeemed: a valid authorization is replaced only when the caller asked for it.
    if (!pending.reauthorize && this.ctx.authorizedNow(pending.server, slot)) {
      const e = this.alreadyAuthorized(pending.server);
      return this.failed(pending, 409, `${e.message} (${e.hint})`, e.code);
    }
    try {
      const callbackUrl = new URL(`${this.ctx.redirectUri}?${query.toString()}`);
      const config = configurationFor(pending.entry.asMetadata ?? {}, pending.entry.client!, this.ctx.options().fetch);
      const tokens = await finishAuthorization(config, callbackUrl, {
        state: pending.state,
        verifier: pending.verifier,
        resource: pending.entry.resource,
      });
      await (await this.ctx.writer(slot)).set(pending.server, { ...pending.entry, tokens, updatedAt: Date.now() });
      this.ctx.authorized(pending.server, slot);
      this.ctx.options().log.info('authorized', {
        server: pending.server,
        identity: pending.identity,
        expiresAt: tokens.expiresAt ? new Date(tokens.expiresAt).toISOString() : undefined,
      });
      this.ctx.options().audit?.({ identity: pending.identity, server: pending.server, method: 'oauth/authorize', outcome: 'ok' });
      this.ctx.options().onAuthorized(pending.server, pending.identity);
      return { ok: true, server: pending.server };
    } catch (err) {
      const message = err instanceof McpgwError ? err.message : `the code exchange failed: ${(err as Error).message}`;
      return this.failed(pending, 502, message, err instanceof McpgwError ? err.code : undefined);
    }
  }

  private failed(
    pending: { readonly server: string; readonly identity: string },
    status: 400 | 403 | 409 | 502,
    message: string,
    code?: string,
  ): CallbackResult {
    const { server, identity } = pending;
    this.ctx.noteFailure(server, this.ctx.slotOf(server, identity), message);
    this.ctx.options().audit?.({
      identity,
      server,
      method: 'oauth/authorize',
      outcome: status === 502 ? 'error' : 'denied',
      errorCode: code ?? null,
    });
    this.ctx.options().log.warn(`authorization failed: ${message}`, { server, ...(code ? { code } : {}) });
    return { ok: false, status, server, message };
  }
}

function sameNonce(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function oauthOf(spec: OAuthServerSpec): Extract<ServerSpec['auth'], { type: 'oauth' }> {
  return spec.auth as Extract<ServerSpec['auth'], { type: 'oauth' }>;
}

/**
 * A dynamic registration is kept even if the user never comes back: re-registering on every
 * attempt would litter the provider with clients.
 */
async function keepRegistration(
  writer: EntryView,
  server: string,
  url: string,
  discovered: Discovered,
  client: ClientRegistration,
  previous: ServerEntry | undefined,
): Promise<void> {
  if (client.method !== 'dynamic' || previous?.client?.clientId === client.clientId) return;
  const issuer = discovered.asMetadata.issuer;
  const e = writer.get(server);
  await writer.set(server, {
    ...(e ?? { serverUrl: url, issuer, resource: discovered.resource, updatedAt: Date.now() }),
    serverUrl: url,
    issuer,
    client,
    updatedAt: Date.now(),
  });
}

/** The spec of an enabled OAuth server, or MCPGW_E_OAUTH_UNKNOWN_SERVER (for identified callers only: it lists them). */
export function oauthSpec(specs: ReadonlyMap<string, ServerSpec>, server: string): OAuthServerSpec {
  const spec = specs.get(server);
  if (!spec || spec.auth.type !== 'oauth' || spec.transport.kind !== 'http') {
    throw new McpgwError('MCPGW_E_OAUTH_UNKNOWN_SERVER', `"${server}" is not an enabled OAuth server`, {
      hint: `OAuth servers: ${[...specs.keys()].join(', ') || '(none)'}`,
    });
  }
  return spec as OAuthServerSpec;
}
