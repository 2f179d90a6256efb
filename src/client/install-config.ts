import { McpgwError } from '../errors/error.js';

/**
 * What `connect --install` reads of gateway.yaml as written (templates unexpanded, not
 * validated: connect works while the file is broken elsewhere): which servers a profile
 * serves, why one is not served, the variable the clients' token comes from. Pure.
 */

type Raw = Readonly<Record<string, unknown>>;

/** The enabled servers a profile exposes (SPEC section 2: without profiles:, "default" has every server). */
export function profileServers(raw: Raw, profile: string, configDisplay: string): Set<string> {
  const servers = isRecord(raw.servers) ? raw.servers : {};
  let names: string[];
  if (raw.profiles === undefined || raw.profiles === null) {
    if (profile !== 'default') throw noProfile(configDisplay, profile, ['default']);
    names = Object.keys(servers);
  } else {
    const profiles = isRecord(raw.profiles) ? raw.profiles : {};
    const p = profiles[profile];
    if (!isRecord(p)) throw noProfile(configDisplay, profile, Object.keys(profiles));
    names = Array.isArray(p.servers) ? p.servers.filter((s): s is string => typeof s === 'string') : [];
  }
  return new Set(names.filter((n) => !(isRecord(servers[n]) && servers[n].enabled === false)));
}

/** Why a server of gateway.yaml is not served in a profile. */
export function whyNotServed(raw: Raw, server: string, profile: string): string {
  const spec = isRecord(raw.servers) ? raw.servers[server] : undefined;
  return isRecord(spec) && spec.enabled === false ? 'is disabled' : `is not in profile ${profile}`;
}

/** The variable the config's first bearer token names, for the hint about stdio clients. */
export function tokenVariable(raw: Raw): string | undefined {
  const gateway = isRecord(raw.gateway) ? raw.gateway : {};
  const first = isRecord(gateway.auth) && Array.isArray(gateway.auth.bearerTokens) ? gateway.auth.bearerTokens[0] : undefined;
  return typeof first === 'string' ? /\$<env:([A-Za-z_][A-Za-z0-9_]*)>/.exec(first)?.[1] : undefined;
}

function noProfile(configDisplay: string, profile: string, there: string[]): McpgwError {
  return new McpgwError('MCPGW_E_INSTALL_PROFILE', `${configDisplay} has no profile "${profile}"`, {
    hint: there.length > 0 ? `its profiles: ${there.join(', ')}` : 'add it under profiles:, or install the default profile',
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
