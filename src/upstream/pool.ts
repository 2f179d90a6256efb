import type { ServerSpec } from '../config/types.js';
import type { Upstream } from './types.js';

/**
 * Reference-counted upstreams, keyed by server name and fingerprint (Caddy's usage pool):
 * a reload acquires what the next generation needs before releasing what the previous one
 * held, so an unchanged definition keeps its live connection and a changed one is replaced.
 */
export class UpstreamPool {
  private readonly entries = new Map<string, { upstream: Upstream; refs: number }>();

  constructor(private readonly create: (spec: ServerSpec) => Upstream) {}

  private static key(spec: ServerSpec): string {
    return `${spec.name}\0${spec.fingerprint}`;
  }

  /** The live upstream for this definition, started if new. */
  acquire(spec: ServerSpec): Upstream {
    const key = UpstreamPool.key(spec);
    const entry = this.entries.get(key);
    if (entry) {
      entry.refs++;
      return entry.upstream;
    }
    const upstream = this.create(spec);
    this.entries.set(key, { upstream, refs: 1 });
    upstream.start();
    return upstream;
  }

  /** Drops one reference; the last one stops the upstream (and its process group). */
  async release(upstream: Upstream): Promise<void> {
    const key = UpstreamPool.key(upstream.spec);
    const entry = this.entries.get(key);
    if (!entry || entry.upstream !== upstream) return;
    entry.refs--;
    if (entry.refs > 0) return;
    this.entries.delete(key);
    await upstream.stop();
  }

  /** Whether the pool still holds this upstream. */
  holds(upstream: Upstream): boolean {
    return this.entries.get(UpstreamPool.key(upstream.spec))?.upstream === upstream;
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()].map((e) => e.upstream);
    this.entries.clear();
    await Promise.allSettled(all.map((u) => u.stop()));
  }
}
