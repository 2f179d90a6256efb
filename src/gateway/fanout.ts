import type { Upstream, UpstreamEvent } from '../upstream/types.js';
import type { LogLevels } from './levels.js';
import type { ProfileView, Scope } from './scope.js';
import { ClientSession } from './session.js';
import type { Sessions } from './sessions.js';
import type { UrlElicitations } from './url-elicitations.js';
import type { Watchers } from './watchers.js';

/**
 * Who hears of an upstream's events (lists, state, log messages, resource updates): the
 * session that owns it (isolation: session), the parties of the one identity whose token it
 * carries (tokens: perUser: another identity never sees its lists or logs), or everyone
 * whose profile has the server.
 */
export type Audience = { readonly owner: ClientSession } | { readonly identity: string } | 'all';

export interface FanoutHost {
  readonly levels: LogLevels;
  readonly watchers: Watchers;
  readonly sessions: Sessions;
  readonly elicitations: UrlElicitations;
  profiles(): ReadonlyMap<string, ProfileView>;
  /** The scopes of 2026-07-28 requests (their catalogs are cached). */
  statelessScopes(): Iterable<Scope>;
}

export function fanOut(host: FanoutHost, upstream: Upstream, event: UpstreamEvent, audience: Audience): void {
  const sessions = sessionsOf(host, upstream, audience);
  if (event.type === 'notification') {
    if (event.method === 'notifications/resources/updated') host.watchers.resourceUpdated(upstream, event.params);
    else if (event.method === 'notifications/message') deliverLog(host.levels, upstream, event.params, sessions);
    return;
  }
  if (event.type === 'state') {
    host.levels.reset(upstream);
    if (event.state === 'ready') host.levels.pushOne(upstream, sessions);
    // Usable again (after a login, typically): whoever was sent its authorization link hears so.
    if (event.state === 'ready')
      host.elicitations.ready(
        upstream.name,
        audience === 'all' ? undefined : 'owner' in audience ? audience.owner.identity.name : audience.identity,
      );
  }
  const hears = (scope: Scope): boolean =>
    scope.view?.has(upstream.name) === true && (audience === 'all' || ('identity' in audience && scope.identity === audience.identity));
  if (audience === 'all') for (const view of host.profiles().values()) if (view.has(upstream.name)) view.catalog = undefined;
  for (const scope of host.statelessScopes()) if (hears(scope)) scope.invalidate();
  const announced = event.type === 'lists' && event.announced ? event.kinds : [];
  for (const watcher of [...host.watchers.all()]) {
    const interested =
      typeof audience === 'object' && 'owner' in audience ? watcher === host.sessions.watcherOf(audience.owner) : hears(watcher.scope);
    if (interested) host.watchers.refresh(watcher, announced);
  }
}

/** The 2025-era sessions that use an upstream. */
export function sessionsOf(host: FanoutHost, upstream: Upstream, audience: Audience): ClientSession[] {
  if (typeof audience === 'object' && 'owner' in audience) return [audience.owner];
  const profiles = host.profiles();
  const sharing = host.sessions.sharing(upstream, (s) => profiles.get(s.profile));
  return audience === 'all' ? sharing : sharing.filter((s) => s.identity.name === audience.identity);
}

/**
 * A legacy server's log message: to each of `targets` whose level admits it, on the stream
 * of that session's call to the server when there is one; and to 2026-07-28 calls in flight
 * to it that asked for logs (their `_meta` logLevel).
 */
function deliverLog(levels: LogLevels, upstream: Upstream, params: Record<string, unknown>, targets: readonly ClientSession[]): void {
  const level = String(params.level ?? 'info');
  const calls = upstream.callsInFlight();
  for (const session of targets) {
    if (!session.wantsLevel(level)) continue;
    const call = [...calls].reverse().find((c) => c.caller?.party === session);
    if (call?.onlog) call.onlog(params);
    else session.notify('notifications/message', params);
  }
  for (const call of calls) if (!(call.caller?.party instanceof ClientSession) && call.logLevel) levels.deliver(call, params);
}
