import type { LoggingLevel } from '@modelcontextprotocol/client';
import type { Logger } from '../log.js';
import type { CallOptions, Upstream } from '../upstream/types.js';
import { LEVELS } from './protocol.js';
import type { ProfileView } from './scope.js';
import type { ClientSession } from './session.js';

/**
 * Log levels of 2025-era upstreams (SPEC section 5, logging): a server gets the most verbose
 * level any session of its profiles asked for (each session is then filtered to its own);
 * a session's own upstream gets its owner's level. 2026-07-28 servers take a level per
 * request instead, so nothing is pushed to them.
 */
export class LogLevels {
  private readonly sent = new Map<Upstream, LoggingLevel>();

  constructor(private readonly log: Logger) {}

  push(upstreams: Iterable<Upstream>, sessions: Iterable<ClientSession>, viewOf: (s: ClientSession) => ProfileView | undefined): void {
    const all = [...sessions];
    for (const upstream of upstreams) {
      this.pushOne(
        upstream,
        all.filter((s) => viewOf(s)?.has(upstream.name) && !s.own.has(upstream.name)),
      );
    }
    for (const session of all) for (const own of session.own.values()) this.pushOne(own, [session]);
  }

  pushOne(upstream: Upstream, sessions: readonly ClientSession[]): void {
    if (upstream.state !== 'ready' || upstream.era !== 'legacy' || !upstream.capabilities?.logging) return;
    let best: LoggingLevel | undefined;
    for (const s of sessions) if (s.logLevel && (!best || LEVELS.indexOf(s.logLevel) < LEVELS.indexOf(best))) best = s.logLevel;
    if (!best || this.sent.get(upstream) === best) return;
    this.sent.set(upstream, best);
    upstream.setLogLevel(best).catch((err: Error) => {
      this.sent.delete(upstream);
      this.log.debug('logging/setLevel failed', { server: upstream.name, error: err.message });
    });
  }

  /** The connection changed: the next push sends the level again. */
  reset(upstream: Upstream): void {
    this.sent.delete(upstream);
  }

  forget(upstream: Upstream): void {
    this.sent.delete(upstream);
  }

  /** A log message to a call that asked for logs at or above a level (2026-07-28 `_meta` logLevel). */
  deliver(call: CallOptions, params: Record<string, unknown>): void {
    const level = LEVELS.indexOf(String(params.level ?? 'info') as LoggingLevel);
    if (call.logLevel && level >= LEVELS.indexOf(call.logLevel)) call.onlog?.(params);
  }
}
