import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

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

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Tokens already presented, until they expire: a token is good for one retry (SPEC section 9). */
const MAX_REMEMBERED = 100_000;

export class StateSealer {
  private readonly used = new Map<string, number>();

  constructor(private readonly key: Buffer = randomBytes(32)) {}

  seal(state: SealedState, now = Date.now()): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const nonce = randomBytes(12).toString('base64url');
    const body = Buffer.concat([cipher.update(JSON.stringify({ ...state, nonce, exp: now + STATE_TTL_MS }), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /**
   * The state, when the token is ours, intact, unexpired and presented on the request it
   * was issued for; otherwise why not (the client gets that as an invalid-params error).
   */
  open(token: unknown, expect: Pick<SealedState, 'profile' | 'method' | 'target' | 'identity'>, now = Date.now()): SealedState | string {
    if (typeof token !== 'string' || token.length > 16_384) return 'requestState is not one the gateway issued';
    const raw = Buffer.from(token, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES) return 'requestState is not one the gateway issued';
    let state: SealedState & { exp: number; nonce: string };
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      state = JSON.parse(text) as SealedState & { exp: number; nonce: string };
    } catch {
      return 'requestState was altered or is not one the gateway issued';
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
    if (this.used.has(state.nonce)) return 'requestState was already used; send the request again without it';
    this.remember(state.nonce, state.exp, now);
    return state;
  }

  private remember(nonce: string, exp: number, now: number): void {
    if (this.used.size >= MAX_REMEMBERED) {
      for (const [n, e] of this.used) if (e <= now) this.used.delete(n);
      // Still full of live tokens: forget the oldest (a replay of those is then only bound by its expiry).
      for (const n of this.used.keys()) {
        if (this.used.size < MAX_REMEMBERED) break;
        this.used.delete(n);
      }
    }
    this.used.set(nonce, exp);
  }
}
