import type { AuthStatus } from '../upstream/types.js';
import type { CatalogDrop } from './catalog.js';
import type { Gateway } from './runtime.js';

/** The config part of /status, kept by the daemon's reload loop. */
export interface ConfigStatus {
  readonly path: string;
  readonly generation: number;
  readonly loadedAt: string;
  readonly restartNeeded: boolean;
  readonly lastError: { message: string; file?: string; line?: number; column?: number; at: string } | null;
}

export interface ServerStatusJson {
  readonly state: string;
  readonly enabled: boolean;
  readonly transport: string;
  readonly isolation: string;
  readonly tools: number;
  readonly prompts: number;
  readonly resources: number;
  readonly restarts: number;
  /** Why the server is not ready: a registered code and a message. */
  readonly lastError: { readonly code: string; readonly message: string } | null;
  /** The protocol revision negotiated with the server (null until connected). */
  readonly protocol: string | null;
  readonly since?: string;
  readonly auth: Omit<AuthStatus, 'expiresAt' | 'authorizationUrl'> & { expiresAt: string | null; authorizationUrl: string | null };
}

export interface StatusJson {
  readonly version: string;
  readonly startedAt: string;
  readonly config: ConfigStatus;
  readonly servers: Record<string, ServerStatusJson>;
  readonly profiles: Record<
    string,
    { url: string; servers: string[]; tools: number; sessions: number; warnings: string[]; dropped: CatalogDrop[] }
  >;
}

/** /status (SPEC section 4): no secret appears here, only names, states and counts. */
export function buildStatus(gateway: Gateway, config: ConfigStatus, authStatus: (server: string) => AuthStatus | undefined): StatusJson {
  const model = gateway.model!;
  const servers: Record<string, ServerStatusJson> = {};
  for (const spec of model.servers) {
    const upstream = gateway.upstream(spec.name);
    const s = upstream?.status();
    const auth = authStatus(spec.name) ?? { type: spec.auth.type, status: 'none' as const };
    servers[spec.name] = {
      state: !spec.enabled ? 'disabled' : (s?.state ?? (spec.isolation === 'session' ? 'ready' : 'starting')),
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
