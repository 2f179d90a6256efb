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
/** How long a session must have been idle to be closed for a new one, or to count as never used. */
const EVICTABLE_MS = 60_000;

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
    if (view) this.reconcileOwn(session, view);
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
      this.reconcileOwn(session, view);
    }
  }

  /**
   * The upstream a session owns for an `isolation: session` member, started on its first use
   * (SPEC section 5): a session that only initialized starts no process.
   */
  own(session: ClientSession, member: ServerSpec, start: boolean): Upstream | undefined {
    if (session.closed || session.id === undefined || !this.open.has(session)) return undefined;
    let upstream = session.own.get(member.name);
    if (upstream?.spec.fingerprint !== member.fingerprint) {
      if (!start) return undefined;
      if (upstream) this.drop(session, member.name, upstream);
      upstream = this.host.createUpstream(member, session);
      session.own.set(member.name, upstream);
      upstream.start();
      session.scope.invalidate();
    }
    return upstream;
  }

  /** Stops the upstreams a session owns whose definition changed or went away (new ones start on next use). */
  private reconcileOwn(session: ClientSession, view: ProfileView): void {
    for (const [name, upstream] of [...session.own]) {
      const spec = view.members.find((m) => m.name === name);
      if (!spec || spec.isolation !== 'session' || spec.fingerprint !== upstream.spec.fingerprint) this.drop(session, name, upstream);
    }
    session.scope.invalidate();
  }

  private drop(session: ClientSession, name: string, upstream: Upstream): void {
    session.own.delete(name);
    this.host.forget(upstream);
    void upstream.stop();
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

  /**
   * Room for one more session (SPEC section 5, issue 14): within gateway.maxSessions and
   * maxSessionsPerProfile, closing the session idle longest (a minute at least) if needed.
   */
  async admit(profile: string, limits: { readonly maxSessions: number; readonly maxSessionsPerProfile: number }): Promise<boolean> {
    if (this.count(profile) >= limits.maxSessionsPerProfile && !(await this.evictIdle(profile))) return false;
    return this.count() < limits.maxSessions || this.evictIdle();
  }

  /** Closes the session idle longest (at least EVICTABLE_MS, nothing in flight) of a profile, or of all; false when none is. */
  async evictIdle(profile?: string): Promise<boolean> {
    const cutoff = Date.now() - EVICTABLE_MS;
    let oldest: ClientSession | undefined;
    for (const s of this.open.keys()) {
      if ((profile !== undefined && s.profile !== profile) || s.inflight > 0 || s.lastActivity > cutoff) continue;
      if (!oldest || s.lastActivity < oldest.lastActivity) oldest = s;
    }
    if (!oldest) return false;
    this.log.info('closing the session idle longest to make room for a new one', { profile: oldest.profile, session: oldest.id });
    await oldest.close();
    return true;
  }

  /** Idle sessions close after `idleMs` without a request and without one in flight. */
  resetIdleTimer(idleMs: number, alsoSweep: () => void): void {
    clearInterval(this.idleTimer);
    this.idleTimer = setInterval(
      () => {
        const cutoff = Date.now() - idleMs;
        const unused = Date.now() - EVICTABLE_MS;
        for (const session of this.open.keys()) {
          if (session.inflight > 0) continue;
          // A session that made no request after its initialize (issue 14: thousands opened to hold memory).
          const never = session.requests <= 1 && session.openedAt < unused;
          if (session.lastActivity < cutoff || never) {
            this.log.info(never ? 'closing a session that made no request' : 'closing idle session', {
              profile: session.profile,
              session: session.id,
            });
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
