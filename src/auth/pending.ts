import type { Discovered } from './discovery.js';
import type { ServerEntry } from './types.js';

/**
 * The authorizations started and not finished yet (state -> PKCE verifier and the rest), for
 * auth/oauth-service.ts. Bounded: at most `perServer` per server (starting one more drops the
 * oldest of that server, whose callback then finds no state), each for `ttlMs`. Before the
 * bound, 2000 starts kept 2000 entries (issue 14: +89 MB).
 */
export interface Pending {
  readonly server: string;
  readonly state: string;
  readonly verifier: string;
  readonly discovered: Discovered;
  readonly entry: ServerEntry;
  readonly expiresAt: number;
  /** Who started it ('owner', 'local'; a user name in team mode). */
  readonly identity: string;
  /** The nonce of the browser that started it (the mcpgw_oauth cookie), checked at the callback. */
  readonly browser: string;
  /** Started by a caller who asked to replace a still valid authorization. */
  readonly reauthorize: boolean;
}

export const PENDING_PER_SERVER = 20;
/** How long a started authorization may take before its state is refused. */
export const PENDING_TTL_MS = 10 * 60_000;

export class PendingAuthorizations {
  /** By state; a Map keeps insertion order, so the first entry of a server is its oldest. */
  private readonly byState = new Map<string, Pending>();

  constructor(
    private readonly perServer = PENDING_PER_SERVER,
    readonly ttlMs = PENDING_TTL_MS,
  ) {}

  add(pending: Pending): void {
    this.sweep();
    let count = 0;
    for (const p of this.byState.values()) if (p.server === pending.server) count++;
    for (const [state, p] of this.byState) {
      if (count < this.perServer) break;
      if (p.server !== pending.server) continue;
      this.byState.delete(state);
      count--;
    }
    this.byState.set(pending.state, pending);
  }

  /** The authorization of `state`, removed: whatever happens next, a state is used once. */
  take(state: string): Pending | undefined {
    const pending = this.byState.get(state);
    this.byState.delete(state);
    return pending;
  }

  /** How many are waiting (for one server, or in all). */
  count(server?: string): number {
    let n = 0;
    for (const p of this.byState.values()) if (server === undefined || p.server === server) n++;
    return n;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [state, p] of this.byState) if (p.expiresAt < now) this.byState.delete(state);
  }
}
