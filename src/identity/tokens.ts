import { createHash, timingSafeEqual } from 'node:crypto';
import type { GatewaySpec } from '../config/types.js';
import { OWNER, type Identity } from './types.js';

/**
 * The static credentials (SPEC sections 4 and 10): gateway.auth.bearerTokens (the identity
 * `owner`) and the tokens of gateway.auth.users, held as SHA-256 hashes. Every comparison is
 * timing-safe and runs against every candidate, so the time taken says nothing about which
 * one nearly matched.
 */

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

interface UserHashes {
  readonly identity: Identity;
  readonly hashes: readonly Buffer[];
}

const usersBySettings = new WeakMap<GatewaySpec, readonly UserHashes[]>();
function usersOf(gw: GatewaySpec): readonly UserHashes[] {
  let users = usersBySettings.get(gw);
  if (!users) {
    users = gw.users.map((u) => ({
      identity: Object.freeze({ name: u.name, groups: [...u.groups], admin: u.admin, via: 'users' as const }),
      hashes: u.tokenHashes.map((h) => Buffer.from(h, 'hex')),
    }));
    usersBySettings.set(gw, users);
  }
  return users;
}

/** Whether any inbound auth is configured (otherwise every caller is `local`). */
export function inboundAuth(gw: GatewaySpec): boolean {
  return gw.bearerTokens.length > 0 || gw.users.length > 0 || gw.oidc !== undefined;
}

/** The named user (gateway.auth.users) of an OIDC user name, for its groups and admin flag. */
export function userNamed(gw: GatewaySpec, name: string): Identity | undefined {
  return usersOf(gw).find((u) => u.identity.name === name)?.identity;
}

/** The identity a presented token is a static credential of, or undefined. */
export function matchToken(presented: string, gw: GatewaySpec): Identity | undefined {
  const token = Buffer.from(presented);
  const digest = createHash('sha256').update(token).digest();
  let found: Identity | undefined;
  for (const t of gw.bearerTokens) if (same(token, Buffer.from(t)) && !found) found = OWNER;
  for (const user of usersOf(gw)) for (const h of user.hashes) if (same(digest, h) && !found) found = user.identity;
  return found;
}

/**
 * Whether the identity of this name may change what other identities use (SPEC section 10):
 * the one identity without team mode, `owner` (bearerTokens) and users flagged admin.
 */
export function isAdmin(gw: GatewaySpec, name: string): boolean {
  if (gw.users.length === 0 && gw.oidc === undefined) return true;
  if (name === OWNER.name) return gw.bearerTokens.length > 0;
  return userNamed(gw, name)?.admin === true;
}
