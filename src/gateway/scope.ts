import type { ProfileSpec, ServerSpec } from '../config/types.js';
import { mergeHints } from '../upstream/lists.js';
import type { CacheHint, ListKind, Upstream } from '../upstream/types.js';
import { buildCatalog, type Catalog, type MemberView } from './catalog.js';

/**
 * What one downstream party sees of a profile: its members in priority order, the upstream
 * serving each, and the catalog built from them. A 2025-era session with `isolation:
 * session` members has upstreams of its own; everyone else shares the profile's.
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

  has(server: string): boolean {
    return this.members.some((m) => m.name === server);
  }
}

/** What a scope needs of the runtime: the current generation, looked up on every use. */
export interface ScopeHost {
  view(profile: string): ProfileView | undefined;
  shared(server: string): Upstream | undefined;
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
  ) {}

  get view(): ProfileView | undefined {
    return this.host.view(this.profile);
  }

  /** The upstream serving `server` for this party, if the profile has that member. */
  upstream(server: string): Upstream | undefined {
    const view = this.view;
    const member = view?.members.find((m) => m.name === server);
    if (!member) return undefined;
    return member.isolation === 'session' ? this.own?.(member, this.used) : this.host.shared(server);
  }

  /**
   * Before answering a request: the party's own upstreams start on its first one (SPEC
   * section 5, "on first use"), and the request waits for those still starting (at most
   * their connect timeout), so a first tools/list already lists their tools.
   */
  async settle(): Promise<void> {
    const view = this.view;
    if (!this.own || !view?.sessionIsolated) return;
    if (!this.used) {
      this.used = true;
      this.invalidate();
    }
    const starting = view.members
      .filter((m) => m.isolation === 'session')
      .map((m) => [m, this.upstream(m.name)] as const)
      .filter(([, u]) => u?.state === 'starting');
    await Promise.all(starting.map(([member, upstream]) => leftStarting(upstream!, member.connectTimeoutMs)));
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
    if (!this.own || !view.sessionIsolated) return (view.catalog ??= buildCatalog(this.memberViews(), view.spec.tools));
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
    return { ttlMs: merged?.ttlMs ?? defaultTtlMs, cacheScope: merged?.cacheScope ?? (this.own ? 'private' : 'public') };
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
