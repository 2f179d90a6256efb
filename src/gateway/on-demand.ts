import type { ServerSpec } from '../config/types.js';
import type { Upstream } from '../upstream/types.js';

/**
 * Upstreams started on first use and stopped after the session idle timeout without a call:
 * those of `isolation: session` servers for 2026-07-28 clients, which have no session
 * (README: "isolation: session and stateless clients"), and those of `tokens: perUser`
 * servers, one per (server, identity), whose connection carries only that identity's token
 * (SPEC section 10). Keyed by server name, and by identity when one is given.
 */
export class OnDemandUpstreams {
  private readonly entries = new Map<string, { upstream: Upstream; identity?: string; used: number }>();

  constructor(
    private readonly create: (spec: ServerSpec, identity: string | undefined) => Upstream,
    /** Which definitions this set serves (others are stopped at reconcile). */
    private readonly serves: (spec: ServerSpec) => boolean,
  ) {}

  /** The live upstream of `spec` (for `identity`); with `start`, a new one when there is none or its definition changed. */
  get(spec: ServerSpec, identity: string | undefined, start: boolean): Upstream | undefined {
    const key = identity === undefined ? spec.name : `${spec.name}\n${identity}`;
    let entry = this.entries.get(key);
    if (!entry || entry.upstream.spec.fingerprint !== spec.fingerprint) {
      if (!start) return undefined;
      void entry?.upstream.stop();
      entry = { upstream: this.create(spec, identity), identity, used: Date.now() };
      this.entries.set(key, entry);
      entry.upstream.start();
    }
    entry.used = Date.now();
    return entry.upstream;
  }

  /** The live upstreams of a server (of one identity when given), without touching them. */
  of(name: string, identity?: string): Upstream[] {
    return [...this.entries.values()]
      .filter((e) => e.upstream.name === name && (identity === undefined || e.identity === identity))
      .map((e) => e.upstream);
  }

  all(): Upstream[] {
    return [...this.entries.values()].map((e) => e.upstream);
  }

  /** Stops those whose definition changed or went away (a new one starts on next use). */
  async reconcile(servers: readonly ServerSpec[], forget: (u: Upstream) => void): Promise<void> {
    for (const [key, entry] of [...this.entries]) {
      const spec = servers.find((s) => s.name === entry.upstream.name && s.enabled && this.serves(s));
      if (spec?.fingerprint === entry.upstream.spec.fingerprint) continue;
      this.entries.delete(key);
      forget(entry.upstream);
      await entry.upstream.stop();
    }
  }

  sweep(idleMs: number, forget: (u: Upstream) => void): void {
    const cutoff = Date.now() - idleMs;
    for (const [key, entry] of [...this.entries]) {
      if (entry.used >= cutoff || entry.upstream.callsInFlight().length > 0) continue;
      this.entries.delete(key);
      forget(entry.upstream);
      void entry.upstream.stop();
    }
  }

  async closeAll(): Promise<void> {
    const all = this.all();
    this.entries.clear();
    await Promise.allSettled(all.map((u) => u.stop()));
  }
}
