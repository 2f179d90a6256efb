import type { ServerSpec } from '../config/types.js';
import type { Upstream } from '../upstream/types.js';

/**
 * Upstreams of `isolation: session` servers for 2026-07-28 clients, which have no session:
 * one per server definition, started on first use and stopped after the session idle
 * timeout without a call (README: "isolation: session and stateless clients").
 */
export class StatelessUpstreams {
  private readonly entries = new Map<string, { upstream: Upstream; used: number }>();

  constructor(private readonly create: (spec: ServerSpec) => Upstream) {}

  get(spec: ServerSpec, start: boolean): Upstream | undefined {
    let entry = this.entries.get(spec.name);
    if (!entry || entry.upstream.spec.fingerprint !== spec.fingerprint) {
      if (!start) return undefined;
      void entry?.upstream.stop();
      entry = { upstream: this.create(spec), used: Date.now() };
      this.entries.set(spec.name, entry);
      entry.upstream.start();
    }
    entry.used = Date.now();
    return entry.upstream;
  }

  /** Stops those whose definition changed or went away (a new one starts on next use). */
  async reconcile(servers: readonly ServerSpec[], forget: (u: Upstream) => void): Promise<void> {
    for (const [name, entry] of [...this.entries]) {
      const spec = servers.find((s) => s.name === name && s.enabled && s.isolation === 'session');
      if (spec?.fingerprint === entry.upstream.spec.fingerprint) continue;
      this.entries.delete(name);
      forget(entry.upstream);
      await entry.upstream.stop();
    }
  }

  sweep(idleMs: number, forget: (u: Upstream) => void): void {
    const cutoff = Date.now() - idleMs;
    for (const [name, entry] of [...this.entries]) {
      if (entry.used >= cutoff || entry.upstream.callsInFlight().length > 0) continue;
      this.entries.delete(name);
      forget(entry.upstream);
      void entry.upstream.stop();
    }
  }

  retry(name: string): void {
    this.entries.get(name)?.upstream.retryNow();
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()].map((e) => e.upstream);
    this.entries.clear();
    await Promise.allSettled(all.map((u) => u.stop()));
  }
}
