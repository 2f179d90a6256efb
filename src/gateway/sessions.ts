import type { ServerSpec } from '../config/types.js';
import type { Logger } from '../log.js';
import type { ListKind, Upstream } from '../upstream/types.js';
import type { ProfileView } from './scope.js';
import type { ClientSession } from './session.js';
import { ALL_KINDS, type Watcher } from './watchers.js';

/** What the session registry needs of the runtime. */
export interface SessionsHost {
  createUpstream(spec: ServerSpec, owner?: ClientSession): Upstream;
  forget(upstream: Upstream): void;
}

const EVERY_KIND: ReadonlySet<ListKind> = new Set(ALL_KINDS);

/**
 * The open 2025-era sessions: their watchers (list changes and resource updates go out on
 * the session), the upstreams they own (isolation: session), and the idle timer that closes
 * those nobody uses (SPEC section 5: gateway.sessionIdleTimeout).
 */
export class Sessions {
  private readonly open = new Map<ClientSession, Watcher>();
  private idleTimer?: NodeJS.Timeout;

  constructor(
    private readonly host: SessionsHost,
    private readonly log: Logger,
  ) {}

  all(): ClientSession[] {
    return [...this.open.keys()];
  }

  watcherOf(session: ClientSession): Watcher | undefined {
    return this.open.get(session);
  }

  async started(session: ClientSession, view: ProfileView | undefined): Promise<void> {
    this.open.set(session, {
      scope: session.scope,
      kinds: EVERY_KIND,
      listChanged: (kind) => session.notify(`notifications/${kind}/list_changed`),
      resourceUpdated: (params) => session.notify('notifications/resources/updated', params),
    });
    if (view) await this.reconcileOwn(session, view);
  }

  /** Forgets a closed session and stops what it owned; false when it was not registered. */
  closed(session: ClientSession): boolean {
    if (!this.open.delete(session)) return false;
    for (const upstream of session.own.values()) {
      this.host.forget(upstream);
      void upstream.stop();
    }
    session.own.clear();
    return true;
  }

  /** After a generation swap: sessions of removed profiles close; owned upstreams follow their definitions. */
  async reconcile(profiles: ReadonlyMap<string, ProfileView>): Promise<void> {
    for (const session of this.all()) {
      const view = profiles.get(session.profile);
      if (!view) {
        this.log.info('closing session: its profile was removed', { profile: session.profile, session: session.id });
        await session.close();
        continue;
      }
      await this.reconcileOwn(session, view);
    }
  }

  /** Starts, replaces or stops the upstreams a session owns (isolation: session). */
  private async reconcileOwn(session: ClientSession, view: ProfileView): Promise<void> {
    for (const [name, upstream] of [...session.own]) {
      const spec = view.members.find((m) => m.name === name);
      if (!spec || spec.isolation !== 'session' || spec.fingerprint !== upstream.spec.fingerprint) {
        session.own.delete(name);
        this.host.forget(upstream);
        await upstream.stop();
      }
    }
    if (session.id === undefined) return;
    for (const spec of view.members) {
      if (spec.isolation === 'session' && !session.own.has(spec.name)) {
        const upstream = this.host.createUpstream(spec, session);
        session.own.set(spec.name, upstream);
        upstream.start();
      }
    }
    session.scope.invalidate();
  }

  /** Sessions that use a shared upstream (their profile has it and they do not own one). */
  sharing(upstream: Upstream, viewOf: (s: ClientSession) => ProfileView | undefined): ClientSession[] {
    return this.all().filter((s) => viewOf(s)?.has(upstream.name) && !s.own.has(upstream.name));
  }

  count(profile?: string): number {
    let n = 0;
    for (const s of this.open.keys()) if (profile === undefined || s.profile === profile) n++;
    return n;
  }

  inflight(): number {
    let n = 0;
    for (const s of this.open.keys()) n += s.inflight;
    return n;
  }

  /** Idle sessions close after `idleMs` without a request and without one in flight. */
  resetIdleTimer(idleMs: number, alsoSweep: () => void): void {
    clearInterval(this.idleTimer);
    this.idleTimer = setInterval(
      () => {
        const cutoff = Date.now() - idleMs;
        for (const session of this.open.keys()) {
          if (session.lastActivity < cutoff && session.inflight === 0) {
            this.log.info('closing idle session', { profile: session.profile, session: session.id });
            void session.close();
          }
        }
        alsoSweep();
      },
      Math.max(1000, Math.min(60_000, Math.floor(idleMs / 2))),
    );
    this.idleTimer.unref();
  }

  async closeAll(): Promise<void> {
    clearInterval(this.idleTimer);
    await Promise.allSettled(this.all().map((s) => s.close()));
  }
}
