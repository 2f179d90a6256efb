import { tokensPerUser } from '../config/team.js';
import type { ProfileSpec, ServerSpec } from '../config/types.js';
import { mergeHints } from '../upstream/lists.js';
import type { CacheHint, ListKind, Upstream } from '../upstream/types.js';
import { McpgwError } from '../errors/error.js';
import { buildCatalog, type Catalog, type MemberView } from './catalog.js';
import { serverForUri } from './router.js';

/**
 * What one downstream party sees of a profile: its members in priority order, the upstream
 * serving each, and the catalog built from them. A 2025-era session with `isolation:
 * session` members has upstreams of its own; a `tokens: perUser` member is served by the
 * calling identity's own upstream (SPEC section 10); everything else is the profile's, shared.
 */

/** A profile as one config generation serves it, with the catalog cache of the shared view. */
export class ProfileView {
  catalog?: Catalog;
  constructor(
    readonly spec: ProfileSpec,
    /** Enabled members, in priority order. */
    readonly members: readonly ServerSpec[],
  ) {}

  get sessionIsolated(): boolean {
    return this.members.some((m) => m.isolation === 'session');
  }

  /** Some member is served per identity: what one identity sees is not what another does. */
  get personal(): boolean {
    return this.members.some(tokensPerUser);
  }

  has(server: string): boolean {
    return this.members.some((m) => m.name === server);
  }
}

/** What a scope needs of the runtime: the current generation, looked up on every use. */
export interface ScopeHost {
  view(profile: string): ProfileView | undefined;
  shared(server: string): Upstream | undefined;
  /** The upstream of a `tokens: perUser` member for one identity; with `start`, started if none runs. */
  personal(member: ServerSpec, identity: string, start: boolean): Upstream | undefined;
}

const EMPTY_CATALOG = buildCatalog([], { deny: [] });

/**
 * The upstream a party owns for an `isolation: session` member: the live one, or with
 * `start` a new one when there is none (or its definition changed).
 */
export type OwnUpstreams = (member: ServerSpec, start: boolean) => Upstream | undefined;

export class Scope {
  /** The catalog of a scope with upstreams of its own (the shared one lives on the view). */
  private cached?: Catalog;
  /** The party made a request: its own upstreams start (issue 14: not at initialize). */
  private used = false;

  constructor(
    private readonly host: ScopeHost,
    readonly profile: string,
    private readonly own?: OwnUpstreams,
    /** Who the party is (its identity's name): `tokens: perUser` members are served by its own upstreams. */
    readonly identity?: string,
  ) {}

  get view(): ProfileView | undefined {
    return this.host.view(this.profile);
  }

  /** The upstream serving `server` for this party, if the profile has that member. */
  upstream(server: string): Upstream | undefined {
    const view = this.view;
    const member = view?.members.find((m) => m.name === server);
    if (!member) return undefined;
    if (member.isolation === 'session') return this.own?.(member, this.used);
    if (tokensPerUser(member)) return this.identity === undefined ? undefined : this.host.personal(member, this.identity, this.used);
    return this.host.shared(server);
  }

  /** Members whose upstreams this party starts on its first request (its own, or its identity's). */
  private lazy(view: ProfileView): ServerSpec[] {
    return view.members.filter((m) => (m.isolation === 'session' && this.own) || (tokensPerUser(m) && this.identity !== undefined));
  }

  /** Whether this party's catalog is its own (not the view's shared one). */
  private get ownCatalog(): boolean {
    const view = this.view;
    return view !== undefined && ((this.own !== undefined && view.sessionIsolated) || (this.identity !== undefined && view.personal));
  }

  /**
   * Before answering a request: the party's own upstreams start on its first one (SPEC
   * section 5, "on first use"), and the request waits for those still starting (at most
   * their connect timeout), so a first tools/list already lists their tools.
   */
  async settle(): Promise<void> {
    const view = this.view;
    if (!view || !this.ownCatalog) return;
    if (!this.used) {
      this.used = true;
      this.invalidate();
    }
    const starting = this.lazy(view)
      .map((m) => [m, this.upstream(m.name)] as const)
      .filter(([, u]) => u?.state === 'starting');
    await Promise.all(starting.map(([member, upstream]) => leftStarting(upstream!, member.connectTimeoutMs)));
  }

  /** The upstream serving a resource URI here, or MCPGW_E_MCP_RESOURCE_NOT_FOUND. */
  resourceUpstream(uri: string): Upstream {
    const withResources = this.upstreams()
      .filter((u) => u.state === 'ready' && u.capabilities?.resources)
      .map((u) => u.name);
    const server = serverForUri(uri, this.catalog(), withResources);
    const upstream = server ? this.upstream(server) : undefined;
    if (!upstream) throw new McpgwError('MCPGW_E_MCP_RESOURCE_NOT_FOUND', `Resource not found: ${uri}`, { details: { uri } });
    return upstream;
  }

  upstreams(): Upstream[] {
    return (this.view?.members ?? []).map((m) => this.upstream(m.name)).filter((u): u is Upstream => u !== undefined);
  }

  memberViews(): MemberView[] {
    return (this.view?.members ?? []).map((spec) => {
      const upstream = this.upstream(spec.name);
      const lists = upstream?.lists;
      return {
        name: spec.name,
        prefix: spec.prefix,
        tools: spec.tools,
        ready: upstream?.state === 'ready',
        lists: {
          tools: lists?.tools ?? [],
          prompts: lists?.prompts ?? [],
          resources: lists?.resources ?? [],
          resourceTemplates: lists?.resourceTemplates ?? [],
        },
      };
    });
  }

  catalog(): Catalog {
    const view = this.view;
    if (!view) return EMPTY_CATALOG;
    if (!this.ownCatalog) return (view.catalog ??= buildCatalog(this.memberViews(), view.spec.tools));
    return (this.cached ??= buildCatalog(this.memberViews(), view.spec.tools));
  }

  /** Drops this scope's own cached catalog (the view's is dropped by the runtime). */
  invalidate(): void {
    this.cached = undefined;
  }

  /**
   * The caching hint of an aggregated list (SEP-2549, SPEC section 9), merged conservatively:
   * the shortest ttl of the ready members, private when any is. A legacy member that
   * announces list changes is kept current by the gateway; one that does not gives 0.
   */
  hint(kind: ListKind, defaultTtlMs: number): CacheHint {
    let merged: CacheHint | undefined;
    for (const upstream of this.upstreams()) {
      if (upstream.state !== 'ready') continue;
      const own = upstream.lists.hints[kind];
      const announces = Boolean(upstream.capabilities?.[kind]?.listChanged);
      const hint: CacheHint = upstream.era === 'modern' ? own : { ttlMs: announces ? defaultTtlMs : 0, cacheScope: 'public' };
      merged = mergeHints(merged, hint);
    }
    const own = this.own !== undefined || (this.identity !== undefined && this.view?.personal === true);
    return { ttlMs: merged?.ttlMs ?? defaultTtlMs, cacheScope: merged?.cacheScope ?? (own ? 'private' : 'public') };
  }
}

/** Resolves once `upstream` is no longer starting (ready, failed, needs auth), or after `ms`. */
function leftStarting(upstream: Upstream, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(done, ms);
    const off = upstream.on(() => {
      if (upstream.state !== 'starting') done();
    });
    if (upstream.state !== 'starting') done();
  });
}
