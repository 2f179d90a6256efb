import { createHash } from 'node:crypto';
import { isAbsolute, join, resolve } from 'node:path';
import type { McpgwGatewayConfiguration, Profile } from './schema.gen.js';
import type { AccessSpec, AuditSpec, OidcSpec, ServerSpec, UserSpec } from './types.js';

/**
 * The team-mode part of the model (SPEC section 10): users with their token hashes, the
 * identity provider, the audit log's destination and each profile's access list. Pure; the
 * rules a schema cannot express are in team-checks.ts.
 */

/** `sha256:` then the lowercase hex SHA-256 of the token's UTF-8 bytes (SPEC section 10). */
export const TOKEN_HASH = /^sha256:[0-9a-f]{64}$/;

/** The form `mcpgw auth hash-token` prints and a users entry may hold instead of the token. */
export function hashToken(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

type Gateway = NonNullable<McpgwGatewayConfiguration['gateway']>;

export function normalizeUsers(gw: Gateway): UserSpec[] {
  return Object.entries(gw.auth?.users ?? {}).map(([name, user]) => ({
    name,
    // A value that is already a hash stays one; a token (from a template) is hashed here, so
    // the model holds no user token and matching hashes the presented one (identity/tokens.ts).
    tokenHashes: (user?.tokens ?? []).map((t) => (t.startsWith('sha256:') ? t : hashToken(t)).slice('sha256:'.length)),
    groups: user?.groups ?? [],
    admin: user?.admin ?? false,
  }));
}

export function normalizeOidc(gw: Gateway): OidcSpec | undefined {
  const oidc = gw.auth?.oidc;
  if (!oidc) return undefined;
  return {
    issuer: oidc.issuer.replace(/\/+$/, ''),
    userClaim: oidc.userClaim ?? 'sub',
    ...(oidc.groupsClaim !== undefined ? { groupsClaim: oidc.groupsClaim } : {}),
    scopes: oidc.scopes ?? [],
    allowInsecureHttp: oidc.allowInsecureHttp ?? false,
  };
}

/** Team mode: named users or an identity provider. */
export function isTeamMode(gw: Gateway): boolean {
  return Object.keys(gw.auth?.users ?? {}).length > 0 || gw.auth?.oidc !== undefined;
}

export function normalizeAudit(gw: Gateway, dir: string, dataDir: string): AuditSpec {
  const audit = gw.audit ?? isTeamMode(gw);
  if (audit === false) return { kind: 'off' };
  const file = audit === true ? undefined : audit.file;
  if (file === '-') return { kind: 'stdout' };
  if (file === undefined) return { kind: 'file', path: join(dataDir, 'audit.jsonl') };
  return { kind: 'file', path: isAbsolute(file) ? file : resolve(dir, file) };
}

export function normalizeAccess(profile: Profile | undefined): AccessSpec | undefined {
  const access = profile?.access;
  if (!access) return undefined;
  return { users: access.users ?? [], groups: access.groups ?? [] };
}

/** An OAuth server whose calls each use the caller's own authorization and connection (SPEC section 10). */
export function tokensPerUser(spec: Pick<ServerSpec, 'auth'>): boolean {
  return spec.auth.type === 'oauth' && spec.auth.tokens === 'perUser';
}

/**
 * A server the gateway starts itself as it applies a config, one connection shared by every
 * caller; the others are started per session or per identity on first use (gateway/on-demand.ts).
 */
export function startsWithGateway(spec: Pick<ServerSpec, 'enabled' | 'isolation' | 'auth'>): boolean {
  return spec.enabled && spec.isolation === 'shared' && !tokensPerUser(spec);
}
