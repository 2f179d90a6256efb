import type { ListKind, Upstream } from '../upstream/types.js';
import type { Catalog } from './catalog.js';
import type { Scope } from './scope.js';

/**
 * Who hears about changes (pure bookkeeping, no I/O of its own): list-changed watchers (each
 * 2025-era session's GET stream, each 2026-07-28 `subscriptions/listen` stream) and the
 * subscribers of each upstream resource URI, refcounted so that an upstream is subscribed
 * once however many clients watch a URI.
 */
export interface Watcher {
  readonly scope: Scope;
  /** Which list kinds it wants to hear about. */
  readonly kinds: ReadonlySet<ListKind>;
  listChanged(kind: ListKind): void;
  resourceUpdated(params: Record<string, unknown>): void;
}

export const ALL_KINDS: readonly ListKind[] = ['tools', 'prompts', 'resources'];

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

export class Watchers {
  private readonly seen = new Map<Watcher, Record<ListKind, string>>();
  private readonly subscribers = new Map<Upstream, Map<string, Set<Watcher>>>();

  add(watcher: Watcher): void {
    this.seen.set(watcher, signatureOf(watcher.scope.catalog()));
  }

  /** Forgets a watcher; returns the (upstream, uri) pairs nobody watches any more. */
  remove(watcher: Watcher): Array<[Upstream, string]> {
    this.seen.delete(watcher);
    const released: Array<[Upstream, string]> = [];
    for (const [upstream, byUri] of this.subscribers) {
      for (const [uri, set] of byUri) {
        if (set.delete(watcher) && set.size === 0) {
          byUri.delete(uri);
          released.push([upstream, uri]);
        }
      }
    }
    return released;
  }

  *all(): Iterable<Watcher> {
    yield* this.seen.keys();
  }

  /**
   * Re-reads the watcher's catalog and tells it which of its lists changed since it last
   * looked, and of the `announced` kinds in any case (a member said its list changed).
   */
  refresh(watcher: Watcher, announced: readonly ListKind[] = []): void {
    const before = this.seen.get(watcher);
    if (!before) return;
    watcher.scope.invalidate();
    const now = signatureOf(watcher.scope.catalog());
    this.seen.set(watcher, now);
    for (const kind of ALL_KINDS) {
      if ((before[kind] !== now[kind] || announced.includes(kind)) && watcher.kinds.has(kind)) watcher.listChanged(kind);
    }
  }

  /** Adds a subscriber; true when it is the URI's first on that upstream (the upstream must subscribe). */
  subscribe(watcher: Watcher, upstream: Upstream, uri: string): boolean {
    let byUri = this.subscribers.get(upstream);
    if (!byUri) this.subscribers.set(upstream, (byUri = new Map()));
    let set = byUri.get(uri);
    const first = !set || set.size === 0;
    if (!set) byUri.set(uri, (set = new Set()));
    set.add(watcher);
    return first;
  }

  /** Removes a subscriber of a URI (on every upstream); returns the upstreams it was the last one of. */
  unsubscribe(watcher: Watcher, uri: string): Upstream[] {
    const emptied: Upstream[] = [];
    for (const [upstream, byUri] of this.subscribers) {
      const set = byUri.get(uri);
      if (!set?.delete(watcher)) continue;
      if (set.size === 0) {
        byUri.delete(uri);
        emptied.push(upstream);
      }
    }
    return emptied;
  }

  resourceUpdated(upstream: Upstream, params: Record<string, unknown>): void {
    for (const watcher of this.subscribers.get(upstream)?.get(String(params.uri ?? '')) ?? []) watcher.resourceUpdated(params);
  }

  forget(upstream: Upstream): void {
    this.subscribers.delete(upstream);
  }
}
