/**
 * Who is calling (SPEC section 10). Every request to the core carries one: a named user
 * (`users`), a user of the identity provider (`oidc`), the one identity of
 * gateway.auth.bearerTokens (`owner`, via `bearerTokens`), or, with no inbound auth, the one
 * identity `local` (via `none`: whoever reaches the port).
 */
export interface Identity {
  readonly name: string;
  readonly groups: readonly string[];
  readonly admin: boolean;
  readonly via: 'users' | 'oidc' | 'bearerTokens' | 'none';
}

export const LOCAL: Identity = Object.freeze({ name: 'local', groups: Object.freeze([]), admin: true, via: 'none' });
export const OWNER: Identity = Object.freeze({ name: 'owner', groups: Object.freeze([]), admin: true, via: 'bearerTokens' });

/**
 * An identity as sealed state holds it (session ids, requestState): `via:name`, so a user of
 * gateway.auth.users and an OIDC subject of the same name are different callers.
 */
export function identityKey(identity: Pick<Identity, 'via' | 'name'>): string {
  return `${identity.via}:${identity.name}`;
}

/** `local` (no inbound auth) and `owner` (bearer tokens) are one person: one slot (SPEC section 10). */
export function storeIdentity(identity: string): string {
  return identity === 'local' ? 'owner' : identity;
}
