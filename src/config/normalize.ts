import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { Finding } from '../errors/error.js';
import { effectivePrefix, isLoopbackHost, parseListen, profileMembers } from './checks.js';
import { parseDuration } from './duration.js';
import type { McpgwGatewayConfiguration, Server } from './schema.gen.js';
import type { Secret } from './templates.js';
import { normalizeAccess, normalizeAudit, normalizeOidc, normalizeUsers } from './team.js';
import type { AuthSpec, ConfigModel, FilterSpec, GatewaySpec, ProfileSpec, ServerSpec } from './types.js';

export interface NormalizeInput {
  readonly file: string;
  readonly dir: string;
  readonly doc: McpgwGatewayConfiguration;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly secrets: readonly Secret[];
  readonly files: readonly string[];
  readonly warnings: readonly Finding[];
  readonly sourceText: string;
}

const STDIO_CONNECT_MS = 60_000;
const HTTP_CONNECT_MS = 15_000;

/** Builds the frozen model from a schema-valid, checked document (defaults applied). */
export function normalize(input: NormalizeInput): ConfigModel {
  const { doc, dir } = input;
  // Team mode: several identities, so an OAuth server's tokens are each identity's own by default.
  const team = Boolean(doc.gateway?.auth?.users || doc.gateway?.auth?.oidc);
  const servers = Object.entries(doc.servers ?? {}).map(([name, s]) => normalizeServer(name, s!, dir, team));
  const profiles = profileMembers(doc).map((p) => ({
    name: p.name,
    servers: p.servers,
    tools: filterOf(p.implicit ? undefined : doc.profiles?.[p.name]?.tools),
    implicit: p.implicit,
    ...(p.implicit ? {} : withAccess(normalizeAccess(doc.profiles?.[p.name]))),
  }));
  const digest = createHash('sha256').update(input.sourceText).update('\0').update(JSON.stringify(doc)).digest('hex');
  return deepFreeze({
    file: input.file,
    dir,
    gateway: normalizeGateway(doc, dir, input.env),
    servers,
    profiles,
    secrets: input.secrets,
    files: input.files,
    warnings: input.warnings,
    digest,
  });
}

function normalizeGateway(doc: McpgwGatewayConfiguration, dir: string, env: NormalizeInput['env']): GatewaySpec {
  const gw = doc.gateway ?? {};
  const listen = parseListen(gw.listen ?? '127.0.0.1:8750')!;
  // An empty variable counts as unset (as for templates), not as "the config folder".
  const dataDir = gw.dataDir ?? (env.MCPGW_DATA_DIR || env.STATE_DIRECTORY?.split(':')[0] || '.mcpgw');
  const absoluteDataDir = isAbsolute(dataDir) ? dataDir : resolve(dir, dataDir);
  const oidc = normalizeOidc(gw);
  return {
    listen,
    publicUrl: (gw.publicUrl ?? defaultPublicUrl(listen)).replace(/\/+$/, ''),
    dataDir: absoluteDataDir,
    bearerTokens: gw.auth?.bearerTokens ?? [],
    users: normalizeUsers(gw),
    ...(oidc ? { oidc } : {}),
    audit: normalizeAudit(gw, dir, absoluteDataDir),
    allowedHosts: gw.allowedHosts ?? [],
    allowedOrigins: gw.allowedOrigins ?? [],
    allowUnauthenticatedNetwork: gw.allowUnauthenticatedNetwork ?? false,
    clientMetadataUrl: gw.oauth?.clientMetadataUrl,
    logLevel: gw.logLevel ?? 'info',
    sessionIdleTimeoutMs: parseDuration(gw.sessionIdleTimeout ?? '30m'),
    ...(gw.sessionKey !== undefined ? { sessionKey: gw.sessionKey } : {}),
    previousSessionKeys: gw.previousSessionKeys ?? [],
    sessionMaxAgeMs: parseDuration(gw.sessionMaxAge ?? '24h'),
    maxSessions: gw.maxSessions ?? 1000,
    maxSessionsPerProfile: gw.maxSessionsPerProfile ?? 250,
    shutdownGraceMs: parseDuration(gw.shutdownGracePeriod ?? '10s'),
    metrics: { enabled: gw.metrics?.enabled ?? true, auth: gw.metrics?.auth ?? true },
    // Absent unless configured: the file store is the default (and the model of most files stays as it was).
    ...(gw.store ? { store: gw.store.type === 'postgres' ? { type: 'postgres', url: gw.store.url! } : { type: 'file' } } : {}),
  };
}

/** http://localhost:PORT for loopback and wildcard hosts: what a browser on this machine uses. */
function defaultPublicUrl(listen: { host: string; port: number }): string {
  const wildcard = listen.host === '0.0.0.0' || listen.host === '::';
  const host = isLoopbackHost(listen.host) || wildcard ? 'localhost' : listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return `http://${host}:${listen.port}`;
}

function normalizeServer(name: string, s: Server, dir: string, team: boolean): ServerSpec {
  const transport: ServerSpec['transport'] =
    s.command !== undefined
      ? {
          kind: 'stdio',
          command: s.command.includes('/') && !isAbsolute(s.command) ? resolve(dir, s.command) : s.command,
          args: s.args ?? [],
          env: Object.fromEntries(Object.entries(s.env ?? {}).filter((e): e is [string, string] => e[1] !== undefined)),
          cwd: s.cwd === undefined ? dir : resolve(dir, s.cwd),
          inheritEnv: s.inheritEnv ?? false,
        }
      : {
          kind: 'http',
          url: s.url!,
          transport: s.transport ?? 'streamable-http',
          headers: Object.fromEntries(Object.entries(s.headers ?? {}).filter((e): e is [string, string] => e[1] !== undefined)),
        };
  const auth = normalizeAuth(s, team);
  const connectTimeoutMs = s.timeouts?.connect
    ? parseDuration(s.timeouts.connect)
    : transport.kind === 'stdio'
      ? STDIO_CONNECT_MS
      : HTTP_CONNECT_MS;
  const isolation = s.isolation ?? 'shared';
  const protocol = s.protocol ?? 'auto';
  const fingerprint = createHash('sha256').update(JSON.stringify({ transport, auth, isolation, protocol, connectTimeoutMs })).digest('hex');
  return {
    name,
    enabled: s.enabled ?? true,
    prefix: effectivePrefix(name, s),
    isolation,
    protocol,
    tools: filterOf(s.tools),
    connectTimeoutMs,
    callTimeoutMs: parseDuration(s.timeouts?.call ?? '120s'),
    transport,
    auth,
    fingerprint,
  };
}

function normalizeAuth(s: Server, team: boolean): AuthSpec {
  const auth = s.auth;
  if (!auth || auth.type === 'none' || auth.type === undefined) return { type: 'none' };
  if (auth.type === 'apiKey') return { type: 'apiKey', header: auth.header ?? 'Authorization', value: auth.value };
  return {
    type: 'oauth',
    ...(auth.clientId !== undefined ? { clientId: auth.clientId } : {}),
    ...(auth.clientSecret !== undefined ? { clientSecret: auth.clientSecret } : {}),
    ...(auth.scopes !== undefined ? { scopes: auth.scopes } : {}),
    allowInsecureHttp: auth.allowInsecureHttp ?? false,
    tokens: auth.tokens ?? (team ? 'perUser' : 'shared'),
  };
}

function withAccess(access: ProfileSpec['access']): Pick<ProfileSpec, 'access'> {
  return access ? { access } : {};
}

function filterOf(f: { allow?: string[]; deny?: string[] } | undefined): FilterSpec {
  return { ...(f?.allow ? { allow: f.allow } : {}), deny: f?.deny ?? [] };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
