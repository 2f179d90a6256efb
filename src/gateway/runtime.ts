import { startsWithGateway, tokensPerUser } from '../config/team.js';
import type { ConfigModel, ServerSpec } from '../config/types.js';
import type { AuditSink } from '../audit/types.js';
import { McpgwError } from '../errors/error.js';
import { storeIdentity, type Identity } from '../identity/types.js';
import type { Logger } from '../log.js';
import { NO_OBSERVER, type Observer } from '../observe/observer.js';
import { createUpstream } from '../upstream/connection.js';
import type { EarlyStart } from '../upstream/early.js';
import { UpstreamPool } from '../upstream/pool.js';
import type { AuthProvider, Caller, ListKind, Upstream, UpstreamEvent } from '../upstream/types.js';
import type { Catalog } from './catalog.js';
import { summarizeChanges, type ChangeSummary } from './diff.js';
import { fanOut, sessionsOf, type FanoutHost } from './fanout.js';
import { LogLevels } from './levels.js';
import { OnDemandUpstreams } from './on-demand.js';
import { UrlElicitations } from './url-elicitations.js';
import { ProfileView, Scope, type ScopeHost } from './scope.js';
import { ClientSession, type SessionHost } from './session.js';
import { Sessions } from './sessions.js';
import { Watchers, type Watcher } from './watchers.js';

export interface GatewayOptions {
  readonly version: string;
  readonly log: Logger;
  /**
   * The auth provider of an HTTP server (daemon.ts wires auth/ in); undefined for none.
   * `identity`: whose connection it is (a `tokens: perUser` server's token is that identity's).
   */
  readonly authFor: (spec: ServerSpec, identity?: string) => AuthProvider | undefined;
  readonly observer?: Observer; // metrics and traces (observe/); none by default
  readonly early?: Pick<EarlyStart, 'claim'>; // stdio children `mcpgw run` spawned before this loaded
}

/**
 * The running gateway: the current config generation, its upstreams (from a reference-
 * counted pool), its profile views, and who watches them. `apply` builds the next generation
 * and swaps it in; unchanged servers keep their connections (SPEC section 5). Requests are
 * served by core.ts through a Scope; sessions (2025 era) and listen streams (2026-07-28)
 * are watchers of their scope.
 */
export class Gateway implements SessionHost, ScopeHost {
  readonly version: string;
  readonly startedAt = new Date();
  readonly log: Logger;
  readonly observer: Observer;
  model?: ConfigModel;
  generation = 0;
  /** The audit log (daemon.ts sets it from gateway.audit); undefined when off. */
  audit?: AuditSink;
  private servers = new Map<string, Upstream>();
  private profiles = new Map<string, ProfileView>();
  private readonly pool: UpstreamPool;
  private readonly listeners = new Map<Upstream, () => void>();
  private readonly watchers = new Watchers();
  readonly sessions: Sessions;
  private readonly stateless: OnDemandUpstreams;
  /** `tokens: perUser` servers: an upstream per (server, identity), on demand (SPEC section 10). */
  private readonly perUser: OnDemandUpstreams;
  /** The identity whose token an upstream carries, for those that carry only one identity's. */
  private readonly personalOf = new WeakMap<Upstream, string>();
  private readonly levels: LogLevels;
  private readonly fanout: FanoutHost;
  private readonly elicitations = new UrlElicitations();
  /** One scope per profile (and identity, if it has perUser members) for 2026-07-28 requests (its catalog is cached like a session's). */
  private statelessScopes = new Map<string, Scope>();
  private closed = false;

  constructor(private readonly options: GatewayOptions) {
    this.version = options.version;
    this.log = options.log;
    this.observer = options.observer ?? NO_OBSERVER;
    this.pool = new UpstreamPool((spec) => this.createUpstream(spec));
    this.sessions = new Sessions(this, this.log);
    const onDemand = (spec: ServerSpec, identity: string | undefined) => this.createUpstream(spec, undefined, identity);
    this.stateless = new OnDemandUpstreams(onDemand, (s) => s.isolation === 'session');
    this.perUser = new OnDemandUpstreams(onDemand, (s) => s.isolation === 'shared' && tokensPerUser(s));
    this.levels = new LogLevels(this.log);
    const { watchers, sessions, levels, elicitations } = this;
    const [profiles, statelessScopes] = [() => this.profiles, () => this.statelessScopes.values()];
    this.fanout = { watchers, sessions, levels, elicitations, profiles, statelessScopes };
  }

  /**
   * A new upstream, wired to this gateway's events; `owner` for a session's own one,
   * `identity` for one that is an identity's own (a perUser server's, SPEC section 10).
   */
  createUpstream(spec: ServerSpec, owner?: ClientSession, identity?: string): Upstream {
    const personal = tokensPerUser(spec) ? (identity ?? owner?.identity.name) : undefined;
    const upstream = createUpstream({
      spec,
      owner,
      log: this.log.child('upstream'),
      version: this.version,
      observer: this.observer,
      auth: spec.transport.kind === 'http' ? this.options.authFor(spec, personal) : undefined,
      prestarted: spec.transport.kind === 'stdio' && !owner ? this.options.early?.claim(spec.name, spec.transport) : undefined,
    });
    if (personal !== undefined) this.personalOf.set(upstream, personal);
    this.listeners.set(
      upstream,
      upstream.on((event) => this.onUpstreamEvent(upstream, event, owner)),
    );
    return upstream;
  }

  /** Forgets an upstream that is being stopped. */
  forget(upstream: Upstream): void {
    this.listeners.get(upstream)?.();
    this.listeners.delete(upstream);
    this.watchers.forget(upstream);
    this.levels.forget(upstream);
  }

  /**
   * Applies a config: the first call starts everything; later calls start, restart or stop
   * only the servers whose definitions changed, and leave sessions open.
   */
  async apply(model: ConfigModel): Promise<ChangeSummary> {
    if (this.closed) throw new Error('gateway is closed');
    const summary = summarizeChanges(this.model, model);
    const nextServers = new Map<string, Upstream>();
    for (const spec of model.servers) {
      if (startsWithGateway(spec)) nextServers.set(spec.name, this.pool.acquire(spec));
    }
    const nextProfiles = new Map<string, ProfileView>();
    for (const profile of model.profiles) {
      const members = profile.servers
        .map((n) => model.servers.find((s) => s.name === n))
        .filter((s): s is ServerSpec => Boolean(s?.enabled));
      nextProfiles.set(profile.name, new ProfileView(profile, members));
    }
    const oldServers = this.servers;
    this.generation = this.model ? this.generation + 1 : 1;
    this.model = model;
    this.servers = nextServers;
    this.profiles = nextProfiles;
    this.statelessScopes = new Map();
    await Promise.all(
      [...oldServers.values()].map(async (u) => {
        await this.pool.release(u);
        if (!this.pool.holds(u)) this.forget(u);
      }),
    );
    await this.sessions.reconcile(nextProfiles);
    await this.stateless.reconcile(model.servers, (u) => this.forget(u));
    await this.perUser.reconcile(model.servers, (u) => this.forget(u));
    this.sessions.resetIdleTimer(model.gateway.sessionIdleTimeoutMs, () => {
      this.stateless.sweep(model.gateway.sessionIdleTimeoutMs, (u) => this.forget(u));
      this.perUser.sweep(model.gateway.sessionIdleTimeoutMs, (u) => this.forget(u));
    });
    for (const watcher of [...this.watchers.all()]) {
      if (!this.profiles.has(watcher.scope.profile)) continue;
      this.watchers.refresh(watcher);
    }
    this.pushLevels();
    return summary;
  }

  // ---- what http/ and the status views use -------------------------------------------
  profileNames(): string[] {
    return [...this.profiles.keys()];
  }

  hasProfile(name: string): boolean {
    return this.profiles.has(name);
  }

  view(profile: string): ProfileView | undefined {
    return this.profiles.get(profile);
  }

  shared(server: string): Upstream | undefined {
    return this.servers.get(server);
  }

  personal(member: ServerSpec, identity: string, start: boolean): Upstream | undefined {
    return this.perUser.get(member, identity, start);
  }

  /** A new 2025-era session on a profile; the HTTP layer connects its channel. */
  openSession(profile: string, identity: Identity): ClientSession {
    if (!this.profiles.has(profile)) throw new McpgwError('MCPGW_E_HTTP_PROFILE', `no profile "${profile}"`);
    return new ClientSession(
      this,
      profile,
      identity,
      (session) => new Scope(this, profile, (member, start) => this.sessions.own(session, member, start), identity.name),
    );
  }

  /** Called once the session's initialize was answered and it has an id. */
  async sessionStarted(session: ClientSession): Promise<void> {
    if (session.closed) return;
    await this.sessions.started(session, this.profiles.get(session.profile));
    this.watchers.add(this.sessions.watcherOf(session)!);
    this.log.debug('session opened', { profile: session.profile, session: session.id });
  }

  /** What a 2026-07-28 request sees of a profile: shared upstreams, and stateless ones for isolation: session. */
  statelessScope(profile: string, identity: string): Scope {
    const personal = this.profiles.get(profile)?.personal === true;
    const key = personal ? `${profile}\n${identity}` : profile;
    let scope = this.statelessScopes.get(key);
    if (!scope) {
      const own = (member: ServerSpec, start: boolean) => this.stateless.get(member, tokensPerUser(member) ? identity : undefined, start);
      scope = new Scope(this, profile, own, personal ? identity : undefined);
      this.statelessScopes.set(key, scope);
    }
    return scope;
  }

  /** Room for one more 2025-era session (gateway/sessions.ts admit). */
  admitSession(profile: string): Promise<boolean> {
    return this.sessions.admit(profile, this.model!.gateway);
  }

  /** A 2026-07-28 listen stream (or any watcher) hears list changes of its scope until the returned function runs. */
  watch(watcher: Watcher): () => void {
    this.watchers.add(watcher);
    return () => {
      for (const [upstream, uri] of this.watchers.remove(watcher)) void upstream.unsubscribe(uri).catch(() => undefined);
    };
  }

  /** Subscribes a watcher to updates of a resource URI, at the upstream that serves it. */
  async subscribeResource(watcher: Watcher, uri: string): Promise<void> {
    const upstream = watcher.scope.resourceUpstream(uri);
    if (!this.watchers.subscribe(watcher, upstream, uri)) return;
    try {
      await upstream.subscribe(uri);
    } catch (err) {
      this.watchers.unsubscribe(watcher, uri);
      throw err;
    }
  }

  async unsubscribeResource(watcher: Watcher, uri: string): Promise<void> {
    for (const upstream of this.watchers.unsubscribe(watcher, uri)) await upstream.unsubscribe(uri).catch(() => undefined);
  }

  // ---- SessionHost ------------------------------------------------------------------
  instructionsFor(profile: string): string | undefined {
    const view = this.profiles.get(profile);
    if (!view) return undefined;
    const parts = view.members
      .map((m) => [m.name, this.servers.get(m.name)?.instructions] as const)
      .filter(([, text]) => text && text.trim())
      .map(([name, text]) => `## ${name}\n\n${text!.trim()}`);
    return parts.length > 0 ? parts.join('\n\n') : undefined;
  }

  subscribe(session: ClientSession, uri: string): Promise<void> {
    return this.subscribeResource(this.sessions.watcherOf(session)!, uri);
  }

  unsubscribe(session: ClientSession, uri: string): Promise<void> {
    const watcher = this.sessions.watcherOf(session);
    return watcher ? this.unsubscribeResource(watcher, uri) : Promise.resolve();
  }

  levelChanged(): void {
    this.pushLevels();
  }

  rootsChanged(session: ClientSession): void {
    for (const upstream of session.scope.upstreams()) void upstream.notify('notifications/roots/list_changed').catch(() => undefined);
  }

  needsAuthorization(session: ClientSession, err: unknown): unknown {
    return this.elicitations.convert(err, session);
  }

  sessionClosed(session: ClientSession): void {
    this.elicitations.forget(session);
    const watcher = this.sessions.watcherOf(session);
    if (!this.sessions.closed(session)) return;
    this.observer.sessionClosed(session.profile, session.protocolVersion, session.openedAt);
    if (watcher) for (const [upstream, uri] of this.watchers.remove(watcher)) void upstream.unsubscribe(uri).catch(() => undefined);
    this.pushLevels();
    this.log.debug('session closed', { profile: session.profile, session: session.id });
  }

  /** The upstream gets the most verbose level any session of its profiles (of its identity, if it has one) asked for. */
  private pushLevels(): void {
    this.levels.push(this.servers.values(), this.sessions.all(), (s) => this.profiles.get(s.profile));
    for (const u of this.perUser.all()) this.levels.pushOne(u, sessionsOf(this.fanout, u, { identity: this.personalOf.get(u)! }));
  }

  private onUpstreamEvent(upstream: Upstream, event: UpstreamEvent, owner?: ClientSession): void {
    const personal = this.personalOf.get(upstream);
    fanOut(this.fanout, upstream, event, owner ? { owner } : personal !== undefined ? { identity: personal } : 'all');
  }

  // ---- views for /status and readiness --------------------------------------------
  /** Connect a server's upstreams now (after a login); of a perUser server only the identity's own. */
  retryServer(name: string, identity?: string): void {
    const mine = (u: Upstream) =>
      identity === undefined || !this.personalOf.has(u) || storeIdentity(this.personalOf.get(u)!) === storeIdentity(identity);
    this.servers.get(name)?.retryNow();
    for (const session of this.sessions.all()) {
      const own = session.own.get(name);
      if (own && mine(own)) own.retryNow();
    }
    for (const u of [...this.stateless.of(name), ...this.perUser.of(name)]) if (mine(u)) u.retryNow();
  }

  /** The shared upstream of a server, if it runs. */
  upstream(name: string): Upstream | undefined {
    return this.servers.get(name);
  }

  /** The upstream `identity`'s calls to a server use now: the shared one, or its own of a perUser server. */
  upstreamFor(name: string, identity?: string): Upstream | undefined {
    return this.servers.get(name) ?? (identity === undefined ? undefined : this.perUser.of(name, identity)[0]);
  }

  /** Servers of the current model that are still starting (what /readyz waits for). */
  waiting(): string[] {
    return [...this.servers.values()].filter((u) => u.state === 'starting').map((u) => u.name);
  }

  /** The catalog of a profile as a session without own upstreams sees it. */
  profileCatalog(name: string): Catalog | undefined {
    if (!this.profiles.has(name)) return undefined;
    return new Scope(this, name).catalog();
  }

  sessionCount(profile?: string): number {
    return this.sessions.count(profile);
  }

  /** Requests in flight from clients, over all sessions (shutdown waits for them). */
  inflightCount(): number {
    return this.sessions.inflight();
  }

  /** Closes every session and stops every upstream; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sessions.closeAll();
    await this.stateless.closeAll();
    await this.perUser.closeAll();
    await this.pool.closeAll();
    for (const u of [...this.listeners.keys()]) this.forget(u);
  }
}

export type { Caller, ListKind };
