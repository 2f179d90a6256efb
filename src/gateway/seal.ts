import { randomBytes } from 'node:crypto';
import { Keyring } from './keys.js';
import { REPLICA_ID } from './replica.js';
import { Spent } from './spent.js';

/**
 * The `requestState` the gateway hands a 2026-07-28 client in an InputRequiredResult (SEP-2322,
 * SPEC section 9): sealed with AES-256-GCM, so a client can neither read nor alter it, and
 * bound to the request it came from (profile, method, name) and to a short lifetime, so it
 * cannot be replayed on another request. What it carries: the server that asked and its own
 * requestState, or the id of a call the gateway keeps waiting (continuations.ts).
 */

export interface SealedState {
  /** `up`: a modern server's InputRequiredResult; `wait`: a legacy server's call waiting for input. */
  readonly kind: 'up' | 'wait';
  readonly profile: string;
  readonly method: string;
  /** The tool or prompt name, or the resource URI, the request was for. */
  readonly target: string;
  readonly server: string;
  /** The server's own requestState (`up`), passed back to it on the retry. */
  readonly upstreamState?: string;
  /** The waiting call and the round of its requests (`wait`): a token is good for one retry. */
  readonly waitId?: string;
  readonly round?: number;
  /** Who may present it: the caller's identity as `via:name` (SPEC section 10). */
  readonly identity: string;
}

/** How long a client may take to retry after an InputRequiredResult. */
export const STATE_TTL_MS = 10 * 60_000;

export class StateSealer {
  private readonly used = new Spent();

  /**
   * `keys()` is read on each use, so a reload's new gateway.sessionKey applies at once. With a
   * shared key a token opens on every replica; the set of spent tokens is per process (see open).
   */
  constructor(private readonly keys: () => Keyring = ownKeys()) {}

  seal(state: SealedState, now = Date.now()): string {
    const nonce = randomBytes(12).toString('base64url');
    const replica = state.kind === 'wait' ? { replica: REPLICA_ID } : {};
    return this.keys().seal('state', JSON.stringify({ ...state, ...replica, nonce, exp: now + STATE_TTL_MS }));
  }

  /**
   * The state, when the token is ours, intact, unexpired and presented on the request it
   * was issued for; otherwise why not (the client gets that as an invalid-params error).
   * Replays are refused by the replica that sees them twice; without shared state, one token
   * can be presented once on each replica within its lifetime (docs: Running several replicas).
   */
  open(token: unknown, expect: Pick<SealedState, 'profile' | 'method' | 'target' | 'identity'>, now = Date.now()): SealedState | string {
    const opened = this.keys().open('state', token);
    if ('error' in opened) {
      if (opened.error === 'unknown-key') return 'requestState was sealed with a key this gateway does not have (gateway.sessionKey)';
      return opened.error === 'altered'
        ? 'requestState was altered or is not one the gateway issued'
        : 'requestState is not one the gateway issued';
    }
    let state: SealedState & { exp: number; nonce: string; replica?: string };
    try {
      state = JSON.parse(opened.text) as typeof state;
    } catch {
      return 'requestState is not one the gateway issued';
    }
    if (!(state.exp > now)) return 'requestState has expired; send the request again without it';
    if (
      state.profile !== expect.profile ||
      state.method !== expect.method ||
      state.target !== expect.target ||
      state.identity !== expect.identity
    ) {
      return 'requestState was issued for another request';
    }
    if (state.kind === 'wait' && state.replica !== REPLICA_ID)
      return 'requestState belongs to a call waiting on another gateway replica; send the request again without it';
    if (this.used.has(state.nonce)) return 'requestState was already used; send the request again without it';
    this.used.add(state.nonce, state.exp, now);
    return state;
  }
}

/** A process-local key, made once (tests and the daemon before its config is read). */
function ownKeys(): () => Keyring {
  const keys = new Keyring();
  return () => keys;
}
