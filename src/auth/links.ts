import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { McpgwError } from '../errors/error.js';

/**
 * Authorization links (SPEC section 4): `/oauth/start/{server}?ticket=...`, the way a caller
 * who proved who they are (the bearer token on /mcp or /status, Basic auth on the status page,
 * `mcpgw auth login`) hands the start of an authorization to a browser that has no token.
 *
 * A ticket is stateless: `v1.<payload>.<mac>`, base64url, HMAC-SHA256 under a subkey of
 * gateway.sessionKey (so any replica opens it), else a key of this process only (links die with
 * the daemon: they are short-lived anyway). The payload
 * binds it to one identity and one server and carries its expiry. Single use: a redeemed
 * ticket's nonce is remembered until the ticket would have expired, so memory grows only with
 * redemptions, each of which needed a ticket minted for an authenticated caller.
 *
 * The identity is a string: 'owner' for a bearerTokens caller, 'local' without inbound auth;
 * team mode (SPEC section 10) adds user names.
 */

export interface LinkGrant {
  readonly identity: string;
  readonly server: string;
  /** The caller asked to replace an authorization that is still valid (`mcpgw auth login`). */
  readonly reauthorize: boolean;
  /** ms since the epoch. */
  readonly expiresAt: number;
}

interface Payload {
  /** server */
  s: string;
  /** identity */
  i: string;
  /** expires at, ms */
  e: number;
  /** nonce */
  n: string;
  /** reauthorize */
  r?: 1;
}

/** How long a link stays usable: long enough to read it in a chat and click, short enough not to linger. */
export const LINK_TTL_MS = 10 * 60_000;

export class AuthorizationLinks {
  private readonly used = new Map<string, number>();

  /**
   * `keys`: the HMAC keys, the minting one first (the others verify: a rotation). Replicas with
   * the same gateway.sessionKey get the same ones, so a link works on any of them; by default a
   * key of this process alone.
   */
  constructor(
    private readonly ttlMs = LINK_TTL_MS,
    private readonly keys: () => readonly Buffer[] = processKey(),
  ) {}

  /** A new ticket for `identity` to start authorizing `server`. */
  mint(server: string, identity: string, options: { reauthorize?: boolean } = {}): string {
    const payload: Payload = { s: server, i: identity, e: Date.now() + this.ttlMs, n: randomBytes(12).toString('base64url') };
    if (options.reauthorize) payload.r = 1;
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `v1.${body}.${this.mac(body, this.keys()[0]!)}`;
  }

  /** What the ticket grants, without spending it (the confirmation page). Throws MCPGW_E_OAUTH_LINK. */
  check(ticket: string, server: string): LinkGrant {
    return this.verify(ticket, server).grant;
  }

  /** Like check(), and spends the ticket: a second redeem of it throws. */
  redeem(ticket: string, server: string): LinkGrant {
    const { grant, nonce } = this.verify(ticket, server);
    const now = Date.now();
    for (const [n, until] of this.used) if (until < now) this.used.delete(n);
    this.used.set(nonce, grant.expiresAt);
    return grant;
  }

  private verify(ticket: string, server: string): { grant: LinkGrant; nonce: string } {
    const [version, body, mac, extra] = ticket.split('.');
    if (version !== 'v1' || !body || !mac || extra !== undefined || !this.keys().some((k) => this.sameMac(mac, this.mac(body, k))))
      throw invalid();
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch {
      throw invalid();
    }
    // Checked after the MAC, so these only ever see what this process minted.
    if (payload.s !== server) throw invalid();
    if (payload.e < Date.now()) throw invalid('it expired');
    if (this.used.has(payload.n)) throw invalid('it was already used');
    return {
      grant: { identity: payload.i, server: payload.s, reauthorize: payload.r === 1, expiresAt: payload.e },
      nonce: payload.n,
    };
  }

  private mac(body: string, key: Buffer): string {
    return createHmac('sha256', key).update(`mcpgw-authorization-link:${body}`).digest('base64url');
  }

  private sameMac(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  }
}

/**
 * One message for every bad ticket, naming no server: whoever holds a forged or stolen link
 * learns nothing from the answer.
 */
function invalid(why?: string): McpgwError {
  return new McpgwError(
    'MCPGW_E_OAUTH_LINK',
    `this authorization link cannot be used${why ? `: ${why}` : ' (it is invalid, expired, already used, or for another server)'}`,
    {
      hint: 'ask for a new one: the needs-authorization error of a call, the status page, or mcpgw auth login SERVER',
    },
  );
}

function processKey(): () => readonly Buffer[] {
  const keys = [randomBytes(32)];
  return () => keys;
}
