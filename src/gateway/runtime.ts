import { LoggingLevelSchema, type LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import type { ConfigModel, ProfileSpec, ServerSpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import type { Logger } from '../log.js';
import { UpstreamPool } from '../upstream/pool.js';
import type { AuthProvider, ListKind } from '../upstream/types.js';
import { Upstream, type Result, type ServerRequest, type UpstreamEvent } from '../upstream/upstream.js';
import { buildCatalog, type Catalog, type MemberView } from './catalog.js';
import { ClientSession, type SessionHost } from './session.js';
import { summarizeChanges, type ChangeSummary } from './diff.js';

export interface GatewayOptions {
  readonly version: string;
  readonly log: Logger;
  /** The auth provider of an HTTP server (main.ts wires auth/ in); undefined for none. */
  readonly authFor: (spec: ServerSpec) => AuthProvider | undefined;
}

/** A profile as served now: its spec, its enabled members, and its catalog cache. */
class ProfileView {
  catalog?: Catalog;
  constructor(
    readonly spec: ProfileSpec,
    /** Enabled members, in priority order. */
    readonly members: readonly ServerSpec[],
  ) {}

  get sessionIsolated(): boolean {
    return this.members.some((m) => m.isolation === 'session');
  }

  has(server: string): boolean {
    return this.members.some((m) => m.name === server);
  }
}

const LEVELS = LoggingLevelSchema.options;
const KINDS: readonly ListKind[] = ['tools', 'prompts', 'resources'];

/** Per catalog, a comparable text of each list: what decides whether list_changed is due. */
const signatures = new WeakMap<Catalog, Record<ListKind, string>>();
function signatureOf(catalog: Catalog): Record<ListKind, string> {
  let sig = signatures.get(catalog);
  if (!sig) {
    sig = {
      tools: JSON.stringify(catalog.tools),
      prompts: JSON.stringify(catalog.prompts),
      resources: JSON.stringify([catalog.resources, catalog.resourceTemplates]),
    };
    signatures.set(catalog, sig);
  }
  return sig;
}

/**
 * The running gateway: the current config generation, its upstreams (from a reference-
 * counted pool), its profile views and the client sessions. `apply` builds the next
 * generation and swaps it in; unchanged servers keep their connections (SPEC section 5).
 */
export class Gateway implements SessionHost {
  readonly version: string;
  readonly startedAt = new Date();
  model?: ConfigModel;
  generation = 0;
  private servers = new Map<string, Upstream>();
  private profiles = new Map<string, ProfileView>();
  private readonly sessions = new Set<ClientSession>();
  private readonly seen = new WeakMap<ClientSession, Record<ListKind, string>>();
  private readonly listeners = new Map<Upstream, () => void>();
  private readonly subscribers = new Map<Upstream, Map<string, Set<ClientSession>>>();
  private readonly sentLevels = new Map<Upstream, LoggingLevel>();
  private readonly pool: UpstreamPool;
  private readonly log: Logger;
  private idleTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: GatewayOptions) {
    this.version = options.version;
    this.log = options.log;
    this.pool = new UpstreamPool((spec) => this.createUpstream(spec));
  }

  private createUpstream(spec: ServerSpec, owner?: ClientSession): Upstream {
    const upstream = new Upstream({
      spec,
      owner: owner?.id,
      log: this.log.child('upstream'),
      version: this.version,
      auth: spec.transport.kind === 'http' ? this.options.authFor(spec) : undefined,
      onServerRequest: (u, request, signal) => this.routeServerRequest(u, request, signal, owner),
    });
    this.listeners.set(
      upstream,
      upstream.on((event) => this.onUpstreamEvent(upstream, event, owner)),
    );
    return upstream;
  }

  /**
   * Applies a config: the first call starts everything; later calls start, restart or stop
   * only the servers whose definitions changed, and leave sessions open.
   */
  async apply(model: ConfigModel): Promise<ChangeSummary> {
    if (this.closed) throw new Error('gateway is closed');
    const previous = this.model;
    const summary = summarizeChanges(previous, model);
    const nextServers = new Map<string, Upstream>();
    for (const spec of model.servers) {
      if (spec.enabled && spec.isolation === 'shared') nextServers.set(spec.name, this.pool.acquire(spec));
    }
    const nextProfiles = new Map<string, ProfileView>();
    for (const profile of model.profiles) {
      const members = profile.servers
        .map((n) => model.servers.find((s) => s.name === n))
        .filter((s): s is ServerSpec => Boolean(s?.enabled));
      nextProfiles.set(profile.name, new ProfileView(profile, members));
    }
    const oldServers = this.servers;
    this.model = model;
    this.servers = nextServers;
    this.profiles = nextProfiles;
    if (previous) this.generation++;
    else this.generation = 1;

    await Promise.all(
      [...oldServers.values()].map(async (u) => {
        await this.pool.release(u);
        if (!this.pool.holds(u)) this.forget(u);
      }),
    );

    for (const session of [...this.sessions]) {
      const view = this.profiles.get(session.profile);
      if (!view) {
        this.log.info('closing session: its profile was removed', { profile: session.profile, session: session.id });
        await session.close();
        continue;
      }
      await this.reconcileOwn(session, view);
    }
    this.resetIdleTimer();
    this.refreshAll();
    for (const upstream of this.servers.values()) this.pushLevel(upstream);
    return summary;
  }

  private forget(upstream: Upstream): void {
    this.listeners.get(upstream)?.();
    this.listeners.delete(upstream);
    this.subscribers.delete(upstream);
    this.sentLevels.delete(upstream);
  }

  /** Starts, replaces or stops the upstreams a session owns (isolation: session). */
  private async reconcileOwn(session: ClientSession, view: ProfileView): Promise<void> {
    for (const [name, upstream] of [...session.own]) {
      const spec = view.members.find((m) => m.name === name);
      if (!spec || spec.isolation !== 'session' || spec.fingerprint !== upstream.spec.fingerprint) {
        session.own.delete(name);
        this.forget(upstream);
        await upstream.stop();
      }
    }
    if (session.id === undefined) return;
    for (const spec of view.members) {
      if (spec.isolation === 'session' && !session.own.has(spec.name)) {
        const upstream = this.createUpstream(spec, session);
        session.own.set(spec.name, upstream);
        upstream.start();
      }
    }
    session.catalogCache = undefined;
  }

  // ---- sessions -------------------------------------------------------------------

  profileNames(): string[] {
    return [...this.profiles.keys()];
  }

  hasProfile(name: string): boolean {
    return this.profiles.has(name);
  }

  /** A new session on a profile; the HTTP layer connects its server to a transport. */
  openSession(profile: string): ClientSession {
    if (!this.profiles.has(profile)) throw new McpgwError('MCPGW_E_HTTP_PROFILE', `no profile "${profile}"`);
    return new ClientSession(this, profile);
  }

  /** Called once the session's initialize was answered and it has an id. */
  async sessionStarted(session: ClientSession): Promise<void> {
    if (session.closed) return;
    this.sessions.add(session);
    const view = this.profiles.get(session.profile);
    if (view) await this.reconcileOwn(session, view);
    this.seen.set(session, signatureOf(this.catalogFor(session)));
    this.log.debug('session opened', { profile: session.profile, session: session.id });
  }

  sessionClosed(session: ClientSession): void {
    if (!this.sessions.delete(session)) return;
    for (const upstream of session.own.values()) {
      this.forget(upstream);
      void upstream.stop();
    }
    session.own.clear();
    for (const uri of session.subscriptions) void this.unsubscribe(session, uri);
    this.recomputeLevels();
    this.log.debug('session closed', { profile: session.profile, session: session.id });
  }

  /** Requests in flight to upstreams, over all sessions (shutdown waits for them). */
  inflightCount(): number {
    let n = 0;
    for (const s of this.sessions) for (const ids of s.inflight.values()) n += ids.size;
    return n;
  }

  sessionCount(profile?: string): number {
    let n = 0;
    for (const s of this.sessions) if (profile === undefined || s.profile === profile) n++;
    return n;
  }

  private resetIdleTimer(): void {
    clearInterval(this.idleTimer);
    const idle = this.model?.gateway.sessionIdleTimeoutMs ?? 30 * 60_000;
    this.idleTimer = setInterval(
      () => {
        const cutoff = Date.now() - idle;
        for (const session of this.sessions) {
          if (session.lastActivity < cutoff && session.inflight.size === 0) {
            this.log.info('closing idle session', { profile: session.profile, session: session.id });
            void session.close();
          }
        }
      },
      Math.max(1000, Math.min(60_000, Math.floor(idle / 2))),
    );
    this.idleTimer.unref();
  }

  // ---- SessionHost ----------------------------------------------------------------

  catalogFor(session: ClientSession): Catalog {
    const view = this.profiles.get(session.profile);
    if (!view) return buildCatalog([], { deny: [] });
    if (!view.sessionIsolated) return (view.catalog ??= buildCatalog(this.memberViews(view), view.spec.tools));
    return (session.catalogCache ??= buildCatalog(this.memberViews(view, session), view.spec.tools));
  }

  membersFor(session: ClientSession): readonly MemberView[] {
    const view = this.profiles.get(session.profile);
    return view ? this.memberViews(view, session) : [];
  }

  upstreamFor(session: ClientSession, server: string): Upstream | undefined {
    return session.own.get(server) ?? (this.profiles.get(session.profile)?.has(server) ? this.servers.get(server) : undefined);
  }

  upstreamsFor(session: ClientSession): readonly Upstream[] {
    const view = this.profiles.get(session.profile);
    if (!view) return [];
    return view.members.map((m) => this.upstreamFor(session, m.name)).filter((u): u is Upstream => u !== undefined);
  }

  instructionsFor(profile: string): string | undefined {
    const view = this.profiles.get(profile);
    if (!view) return undefined;
    const parts = view.members
      .map((m) => [m.name, this.servers.get(m.name)?.instructions] as const)
      .filter(([, text]) => text && text.trim())
      .map(([name, text]) => `## ${name}\n\n${text!.trim()}`);
    return parts.length > 0 ? parts.join('\n\n') : undefined;
  }

  async subscribe(session: ClientSession, uri: string, upstream: Upstream): Promise<void> {
    let byUri = this.subscribers.get(upstream);
    if (!byUri) this.subscribers.set(upstream, (byUri = new Map()));
    let set = byUri.get(uri);
    const first = !set || set.size === 0;
    if (!set) byUri.set(uri, (set = new Set()));
    set.add(session);
    if (first && upstream.capabilities?.resources?.subscribe) {
      try {
        await upstream.request('resources/subscribe', { uri });
      } catch (err) {
        set.delete(session);
        throw err;
      }
    }
  }

  async unsubscribe(session: ClientSession, uri: string): Promise<void> {
    for (const [upstream, byUri] of this.subscribers) {
      const set = byUri.get(uri);
      if (!set?.delete(session)) continue;
      if (set.size === 0) {
        byUri.delete(uri);
        if (upstream.state === 'ready' && upstream.capabilities?.resources?.subscribe) {
          await upstream.request('resources/unsubscribe', { uri }).catch(() => undefined);
        }
      }
    }
  }

  levelChanged(): void {
    this.recomputeLevels();
  }

  private recomputeLevels(): void {
    for (const upstream of this.servers.values()) this.pushLevel(upstream);
  }

  /** The upstream gets the most verbose level any session of its profiles asked for. */
  private pushLevel(upstream: Upstream, owner?: ClientSession): void {
    if (upstream.state !== 'ready' || !upstream.capabilities?.logging) return;
    let best: LoggingLevel | undefined;
    const candidates = owner
      ? [owner]
      : [...this.sessions].filter((s) => this.profiles.get(s.profile)?.has(upstream.name) && !s.own.has(upstream.name));
    for (const s of candidates) {
      if (s.logLevel && (!best || LEVELS.indexOf(s.logLevel) < LEVELS.indexOf(best))) best = s.logLevel;
    }
    if (!best || this.sentLevels.get(upstream) === best) return;
    this.sentLevels.set(upstream, best);
    upstream.request('logging/setLevel', { level: best }).catch((err: Error) => {
      this.sentLevels.delete(upstream);
      this.log.debug('logging/setLevel failed', { server: upstream.name, error: err.message });
    });
  }

  // ---- upstream events --------------------------------------------------------------

  private onUpstreamEvent(upstream: Upstream, event: UpstreamEvent, owner?: ClientSession): void {
    if (event.type === 'notification') {
      this.forwardNotification(upstream, event.method, event.params, owner);
      return;
    }
    if (event.type === 'state') {
      this.sentLevels.delete(upstream);
      if (event.state === 'ready') {
        this.pushLevel(upstream, owner);
        this.resubscribe(upstream);
      }
    }
    if (owner) {
      owner.catalogCache = undefined;
      this.notifyChanges(owner);
      return;
    }
    for (const view of this.profiles.values()) {
      if (!view.has(upstream.name)) continue;
      view.catalog = undefined;
      for (const session of this.sessions) {
        if (session.profile !== view.spec.name) continue;
        session.catalogCache = undefined;
        this.notifyChanges(session);
      }
    }
  }

  private resubscribe(upstream: Upstream): void {
    const byUri = this.subscribers.get(upstream);
    if (!byUri || !upstream.capabilities?.resources?.subscribe) return;
    for (const [uri, set] of byUri) {
      if (set.size > 0) void upstream.request('resources/subscribe', { uri }).catch(() => undefined);
    }
  }

  /** Recomputes every session's view after a generation swap. */
  private refreshAll(): void {
    for (const session of this.sessions) {
      session.catalogCache = undefined;
      this.notifyChanges(session);
    }
  }

  private notifyChanges(session: ClientSession): void {
    if (session.id === undefined || session.closed) return;
    const now = signatureOf(this.catalogFor(session));
    const before = this.seen.get(session);
    this.seen.set(session, now);
    if (!before) return;
    for (const kind of KINDS) {
      if (before[kind] !== now[kind]) session.notify(`notifications/${kind}/list_changed`);
    }
  }

  private forwardNotification(upstream: Upstream, method: string, params: Record<string, unknown>, owner?: ClientSession): void {
    if (method === 'notifications/resources/updated') {
      const uri = String(params.uri ?? '');
      for (const session of this.subscribers.get(upstream)?.get(uri) ?? []) session.notify(method, params);
      return;
    }
    if (method === 'notifications/message') {
      const level = String(params.level ?? 'info');
      const targets = owner
        ? [owner]
        : [...this.sessions].filter((s) => this.profiles.get(s.profile)?.has(upstream.name) && !s.own.has(upstream.name));
      for (const session of targets) {
        if (session.wantsLevel(level)) session.notify(method, params, session.requestTo(upstream));
      }
    }
  }

  /**
   * A server-to-client request goes to the session that owns the upstream, else to the only
   * session with a call in flight to it (SPEC section 5); otherwise it cannot be attributed.
   */
  private async routeServerRequest(
    upstream: Upstream,
    request: ServerRequest,
    signal: AbortSignal,
    owner?: ClientSession,
  ): Promise<Result> {
    let session = owner;
    if (!session) {
      const candidates = [...this.sessions].filter((s) => s.inflight.has(upstream));
      if (candidates.length !== 1) {
        const why =
          candidates.length === 0
            ? 'no client session has a call in flight to it'
            : `${candidates.length} client sessions have calls in flight to it`;
        // The reference servers ask for roots right after initialize, before any call: routine.
        const quiet = candidates.length === 0 && request.method === 'roots/list';
        this.log[quiet ? 'debug' : 'warn'](`refused ${request.method} from server "${upstream.name}": ${why}`, { server: upstream.name });
        throw Object.assign(
          new Error(
            `mcpgw cannot tell which client this ${request.method} request is for: ${why} (use isolation: session for this server)`,
          ),
          { code: -32603 },
        );
      }
      session = candidates[0]!;
    }
    return session.forwardRequest(request.method, request.params, signal, session.requestTo(upstream));
  }

  // ---- views for /status and readiness --------------------------------------------

  private memberViews(view: ProfileView, session?: ClientSession): MemberView[] {
    return view.members.map((spec) => {
      const upstream = session?.own.get(spec.name) ?? this.servers.get(spec.name);
      return {
        name: spec.name,
        prefix: spec.prefix,
        tools: spec.tools,
        ready: upstream?.state === 'ready',
        lists: {
          tools: upstream?.tools ?? [],
          prompts: upstream?.prompts ?? [],
          resources: upstream?.resources ?? [],
          resourceTemplates: upstream?.resourceTemplates ?? [],
        },
      };
    });
  }

  /** Connect a server's upstreams now (after a login): shared and session-owned ones. */
  retryServer(name: string): void {
    this.servers.get(name)?.retryNow();
    for (const session of this.sessions) session.own.get(name)?.retryNow();
  }

  /** The shared upstream of a server, if it runs. */
  upstream(name: string): Upstream | undefined {
    return this.servers.get(name);
  }

  /** Servers of the current model that are still starting (what /readyz waits for). */
  waiting(): string[] {
    return [...this.servers.values()].filter((u) => u.state === 'starting').map((u) => u.name);
  }

  /** The catalog of a profile as a session without own upstreams sees it. */
  profileCatalog(name: string): Catalog | undefined {
    const view = this.profiles.get(name);
    if (!view) return undefined;
    return (view.catalog ??= buildCatalog(this.memberViews(view), view.spec.tools));
  }

  profileView(name: string): { spec: ProfileSpec; members: readonly ServerSpec[] } | undefined {
    return this.profiles.get(name);
  }

  /** Closes every session and stops every upstream; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.idleTimer);
    await Promise.allSettled([...this.sessions].map((s) => s.close()));
    await this.pool.closeAll();
    for (const u of [...this.listeners.keys()]) this.forget(u);
  }
}
