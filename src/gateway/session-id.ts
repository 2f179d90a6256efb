import { createHash } from 'node:crypto';
import type { ClientCapabilities } from '@modelcontextprotocol/client';
import type { Code } from '../errors/codes.js';
import type { Keyring } from './keys.js';
import { Spent } from './spent.js';

/**
 * A 2025-era session's `Mcp-Session-Id` is its state, sealed (SPEC section 11): what the client
 * said at initialize, who opened the session and until when it may be used. A replica that
 * does not hold the session rebuilds it from the id, so a load balancer may send any request
 * anywhere. What changes later (log level, subscriptions) is not in the id: it stays on the
 * replica that got it (README: Running several replicas).
 */

export interface SessionState {
  readonly profile: string;
  /** The negotiated protocol version. */
  readonly protocolVersion: string;
  readonly capabilities: ClientCapabilities;
  readonly clientInfo?: { readonly name: string; readonly version: string };
  /** Who opened it, as identity/types.ts identityKey: `bearerTokens:owner`, `none:local`, `users:alice`, `oidc:bob`. */
  readonly identity: string;
  /**
   * Digest of the Authorization header that opened it: only that header may continue it. ''
   * for an OIDC identity, whose access token changes during the session: only the identity binds it.
   */
  readonly credential: string;
  /** Milliseconds since the epoch; `expiresAt` is issuedAt + gateway.sessionMaxAge. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** Why an id opens no session: the code (all 404, so the client initializes again) and its message. */
export interface Refusal {
  readonly code: Code;
  readonly message: string;
}

/** Past this the capabilities are cut to what the gateway reads (a header has to fit proxies' 8 KB buffers). */
const MAX_ID_CHARS = 4096;

const NOT_FOUND: Refusal = { code: 'MCPGW_E_HTTP_SESSION_NOT_FOUND', message: 'Session not found' };

/** The credential as the id holds it: never the header itself. */
export function credentialDigest(authorization: string | null): string {
  return createHash('sha256')
    .update(authorization ?? '\0none')
    .digest('base64url')
    .slice(0, 22);
}

type Wire = {
  p: string;
  v: string;
  c: ClientCapabilities;
  i?: { name: string; version: string };
  u: string;
  a: string;
  t: number;
  x: number;
};

export class SessionIds {
  /** Ids deleted on this replica, until they expire. */
  private readonly revoked = new Spent();

  /** Both read on each use: a reload's new key or sessionMaxAge applies to the next id. */
  constructor(
    private readonly keys: () => Keyring,
    private readonly maxAgeMs: () => number,
  ) {}

  /** A new session's id, and until when it may be used. */
  issue(fields: Omit<SessionState, 'issuedAt' | 'expiresAt'>, now = Date.now()): { id: string; expiresAt: number } {
    const state: SessionState = { ...fields, issuedAt: now, expiresAt: now + this.maxAgeMs() };
    return { id: this.seal(state), expiresAt: state.expiresAt };
  }

  private seal(state: SessionState): string {
    const wire: Wire = {
      p: state.profile,
      v: state.protocolVersion,
      c: state.capabilities,
      ...(state.clientInfo ? { i: state.clientInfo } : {}),
      u: state.identity,
      a: state.credential,
      t: state.issuedAt,
      x: state.expiresAt,
    };
    const id = this.keys().seal('session', JSON.stringify(wire));
    if (id.length <= MAX_ID_CHARS) return id;
    const { sampling, elicitation, roots } = state.capabilities;
    return this.keys().seal('session', JSON.stringify({ ...wire, c: { sampling, elicitation, roots }, i: undefined }));
  }

  /**
   * The state of an id this gateway (or a replica with its key) issued, for this profile,
   * identity (identityKey) and credential.
   */
  open(id: string, caller: { profile: string; authorization: string | null; identity: string }, now = Date.now()): SessionState | Refusal {
    const opened = this.keys().open('session', id);
    if ('error' in opened) {
      if (opened.error === 'unknown-key')
        return {
          code: 'MCPGW_E_HTTP_SESSION_KEY',
          message: 'Session not found: its id was sealed with a session key this gateway does not have; initialize again',
        };
      return { code: 'MCPGW_E_HTTP_SESSION_INVALID', message: 'Session not found: the Mcp-Session-Id is not one this gateway issued' };
    }
    let wire: Wire;
    try {
      wire = JSON.parse(opened.text) as Wire;
    } catch {
      return { code: 'MCPGW_E_HTTP_SESSION_INVALID', message: 'Session not found: the Mcp-Session-Id is not one this gateway issued' };
    }
    // Another profile's, identity's or credential's session is "not found" (an id is not a credential).
    const bound = wire.a === '' ? wire.u.startsWith('oidc:') : wire.a === credentialDigest(caller.authorization);
    if (wire.p !== caller.profile || wire.u !== caller.identity || !bound || this.revoked.has(id)) return NOT_FOUND;
    if (!(wire.x > now)) return { code: 'MCPGW_E_HTTP_SESSION_EXPIRED', message: 'Session not found: it has expired; initialize again' };
    return {
      profile: wire.p,
      protocolVersion: wire.v,
      capabilities: wire.c ?? {},
      ...(wire.i ? { clientInfo: wire.i } : {}),
      identity: wire.u,
      credential: wire.a,
      issuedAt: wire.t,
      expiresAt: wire.x,
    };
  }

  /** A DELETE on this replica: the id opens nothing here any more (other replicas do not know). */
  revoke(id: string, expiresAt: number): void {
    this.revoked.add(id, expiresAt);
  }
}

export function isRefusal(opened: SessionState | Refusal): opened is Refusal {
  return 'code' in opened;
}
