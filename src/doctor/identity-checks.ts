import { isLoopbackHost } from '../config/checks.js';
import type { AccessSpec, ConfigModel, GatewaySpec, OidcSpec, ProfileSpec, ServerSpec } from '../config/types.js';
import { mayUse } from '../identity/access.js';
import { resourceUrl } from '../identity/resource.js';
import { inboundAuth } from '../identity/tokens.js';
import { LOCAL, OWNER, type Identity } from '../identity/types.js';
import type { DoctorContext } from './context.js';
import { at } from './where.js';
import type { CheckResult } from './types.js';

/**
 * Team mode read from the config alone (SPEC section 10, issue 15 item 6): the audience OIDC
 * tokens must carry, profiles nobody can use, perUser tokens with one identity. Doctor sees
 * no token, so it reasons about who can exist: the users of gateway.auth.users, `owner` with
 * bearerTokens, `local` without inbound auth, and (with oidc) whoever the provider names.
 */

/** How many resource URLs a message lists before "and N more". */
const MAX_LISTED = 5;

/** The aud of each MCP endpoint: /mcp serves the profile "default", /mcp/NAME every profile. */
function audiences(model: ConfigModel): string[] {
  const paths = model.profiles.map((p) => `/mcp/${encodeURIComponent(p.name)}`);
  if (model.profiles.some((p) => p.name === 'default')) paths.unshift('/mcp');
  return paths.map((path) => resourceUrl(model.gateway, path));
}

export function checkAudience(ctx: DoctorContext): CheckResult[] {
  const model = ctx.model;
  if (!model?.gateway.oidc) return [];
  const all = audiences(model);
  const list = all.slice(0, MAX_LISTED).join(', ') + (all.length > MAX_LISTED ? ` and ${all.length - MAX_LISTED} more` : '');
  const { listen, publicUrl } = model.gateway;
  const derived = ctx.raw(['gateway', 'publicUrl']) === undefined;
  // Beyond loopback, clients come by a host name or through a proxy: the derived URL is
  // rarely theirs, and a token for the URL they use has the wrong aud (401).
  if (derived && !isLoopbackHost(listen.host))
    return [
      {
        code: 'MCPGW_W_OIDC_AUDIENCE',
        severity: 'warning',
        message: `gateway.publicUrl is not set, so it is ${publicUrl} (from listen) and access tokens must carry aud = ${list}; tokens for the URL clients actually use are refused`,
        hint: `set gateway.publicUrl to the URL clients use (e.g. https://mcp.example.com behind a proxy, or ${publicUrl} if it is that), and have the identity provider put <publicUrl>/mcp/NAME in aud`,
        ...ctx.at(['gateway', 'listen']),
      },
    ];
  const from = derived ? ` (publicUrl is not set: behind a proxy, set gateway.publicUrl to the URL clients use)` : '';
  return [{ code: 'MCPGW_I_OIDC_AUDIENCE', severity: 'info', message: `OIDC access tokens must carry aud = ${list}${from}` }];
}

/** Who can call without oidc: each named user, `owner` with bearerTokens, `local` without inbound auth. */
function configuredIdentities(gw: GatewaySpec): Identity[] {
  const users: Identity[] = gw.users.map((u) => ({ name: u.name, groups: u.groups, admin: u.admin, via: 'users' }));
  if (gw.bearerTokens.length > 0) users.push(OWNER);
  if (!inboundAuth(gw)) users.push(LOCAL);
  return users;
}

export function checkAccess(ctx: DoctorContext): CheckResult[] {
  const model = ctx.model;
  if (!model) return [];
  const known = configuredIdentities(model.gateway);
  const results: CheckResult[] = [];
  for (const profile of model.profiles) {
    if (!profile.access || known.some((identity) => mayUse(profile, identity))) continue;
    results.push(accessFinding(ctx, profile, profile.access, known));
  }
  return results;
}

function accessFinding(ctx: DoctorContext, profile: ProfileSpec, access: AccessSpec, known: Identity[]): CheckResult {
  const oidc = ctx.model!.gateway.oidc;
  const name = JSON.stringify(profile.name);
  const where = ctx.at(['profiles', profile.name, 'access']);
  if (access.users.length === 0 && access.groups.length === 0)
    return {
      code: 'MCPGW_W_PROFILE_UNREACHABLE',
      severity: 'warning',
      message: `nobody can use profile ${name}: its access list is empty`,
      hint: `list users or groups in profiles.${profile.name}.access, or remove access to open it to every identified caller`,
      ...where,
    };
  const allows = describe(access);
  // With oidc, a listed user can be any subject of the provider, and a group can come from
  // the groups claim: then someone may well reach it, only not anyone configured here.
  if (oidc && (access.users.length > 0 || oidc.groupsClaim))
    return {
      code: 'MCPGW_I_PROFILE_OIDC_ONLY',
      severity: 'info',
      message: `profile ${name} is for OIDC users only: ${viaTokens(oidc, access)}`,
    };
  const who = known.map((i) => (i.via === 'users' ? i.name : i.via === 'none' ? 'local (no inbound auth)' : 'owner (bearerTokens)'));
  const message = oidc
    ? `nobody can use profile ${name}: it allows ${allows}, no user of gateway.auth.users is in ${access.groups.length === 1 ? 'it' : 'any of them'}, and gateway.auth.oidc has no groupsClaim to take groups from tokens`
    : `nobody can use profile ${name}: it allows ${allows}, and the gateway's identities (${who.join(', ') || 'none'}) are not among them`;
  const hint = oidc
    ? 'set gateway.auth.oidc.groupsClaim (often "groups"), or give users those groups in gateway.auth.users'
    : `add the users to gateway.auth.users or give one of them a listed group, or fix profiles.${profile.name}.access`;
  return { code: 'MCPGW_W_PROFILE_UNREACHABLE', severity: 'warning', message, hint, ...where };
}

function describe(access: AccessSpec): string {
  const parts = [];
  if (access.users.length > 0) parts.push(`the user${access.users.length === 1 ? '' : 's'} ${access.users.join(', ')}`);
  if (access.groups.length > 0) parts.push(`the group${access.groups.length === 1 ? '' : 's'} ${access.groups.join(', ')}`);
  return parts.join(' and ');
}

function viaTokens(oidc: OidcSpec, access: AccessSpec): string {
  const parts = [];
  if (access.users.length > 0) parts.push(`a token whose ${oidc.userClaim} is ${access.users.join(' or ')}`);
  if (access.groups.length > 0 && oidc.groupsClaim) parts.push(`a token whose ${oidc.groupsClaim} has ${access.groups.join(' or ')}`);
  return `no user of gateway.auth.users matches its access list; it needs ${parts.join(', or ')}`;
}

/** perUser keeps tokens per identity: with a single identity that is one authorization for all. */
export function checkPerUser(ctx: DoctorContext, spec: ServerSpec): CheckResult[] {
  const gw = ctx.model?.gateway;
  if (!gw || spec.auth.type !== 'oauth' || spec.auth.tokens !== 'perUser') return [];
  if (gw.users.length > 0 || gw.oidc) return [];
  const one = gw.bearerTokens.length > 0 ? 'owner (gateway.auth.bearerTokens)' : 'local (no inbound auth)';
  const written = ctx.raw(['servers', spec.name, 'auth', 'tokens']) !== undefined;
  return [
    {
      code: 'MCPGW_W_PERUSER_ONE_IDENTITY',
      severity: 'warning',
      message: `auth.tokens is perUser, but the gateway has one identity, ${one}: every call uses its one authorization, as with shared`,
      hint: 'give each person an identity (gateway.auth.users or gateway.auth.oidc), or write tokens: shared to say what happens',
      ...(written ? at(ctx, spec.name, 'auth', 'tokens') : at(ctx, spec.name, 'auth')),
    },
  ];
}
