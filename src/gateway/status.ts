import type { ConfigStatus, ServerStatusJson, StatusJson } from '../api/status-json.js';
import { tokensPerUser } from '../config/team.js';
import type { ProfileSpec } from '../config/types.js';
import type { Finding } from '../errors/error.js';
import type { AuthStatus } from '../upstream/types.js';
import type { Gateway } from './runtime.js';

/** /status (SPEC section 4): no secret appears here, only names, states and counts. */
export function buildStatus(
  gateway: Gateway,
  config: ConfigStatus,
  authStatus: (server: string) => AuthStatus | undefined,
  visible: (profile: ProfileSpec) => boolean = () => true,
  /** Who asks: a `tokens: perUser` server is shown as the caller's own upstream. */
  caller?: string,
): StatusJson {
  const model = gateway.model!;
  const servers: Record<string, ServerStatusJson> = {};
  for (const spec of model.servers) {
    const upstream = gateway.upstreamFor(spec.name, caller);
    const s = upstream?.status();
    const auth = authStatus(spec.name) ?? { type: spec.auth.type, status: 'none' as const };
    // Without a live upstream, one that connects on first use is as ready as its authorization.
    const onDemand = spec.isolation === 'session' || tokensPerUser(spec);
    const idle = onDemand ? (auth.status === 'needs_authorization' ? 'needs_auth' : 'ready') : 'starting';
    servers[spec.name] = {
      state: !spec.enabled ? 'disabled' : (s?.state ?? idle),
      enabled: spec.enabled,
      transport: spec.transport.kind === 'stdio' ? 'stdio' : spec.transport.transport,
      isolation: spec.isolation,
      tools: s?.tools ?? 0,
      prompts: s?.prompts ?? 0,
      resources: s?.resources ?? 0,
      restarts: s?.restarts ?? 0,
      lastError: s?.lastError ?? null,
      protocol: s?.protocol ?? null,
      since: s?.since,
      auth: { ...auth, expiresAt: auth.expiresAt ?? null, authorizationUrl: auth.authorizationUrl ?? null },
    };
  }
  const profiles: StatusJson['profiles'] = {};
  for (const profile of model.profiles) {
    // An identity never learns of a profile it may not use (SPEC section 10).
    if (!visible(profile)) continue;
    const catalog = gateway.profileCatalog(profile.name);
    profiles[profile.name] = {
      url: `${model.gateway.publicUrl}/mcp/${profile.name}`,
      servers: [...profile.servers],
      tools: catalog?.tools.length ?? 0,
      sessions: gateway.sessionCount(profile.name),
      warnings: [...(catalog?.warnings ?? [])],
      dropped: [...(catalog?.drops ?? [])],
    };
  }
  return { version: gateway.version, startedAt: gateway.startedAt.toISOString(), config, servers, profiles };
}

/** A refused reload as /status shows it. */
export function configError(f: Finding): ConfigStatus['lastError'] {
  return { message: f.message, file: f.file, line: f.line, column: f.column, at: new Date().toISOString() };
}
