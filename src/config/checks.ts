import type { Code } from '../errors/codes.js';
import type { McpgwGatewayConfiguration, Server } from './schema.gen.js';
import type { PathSegment } from './source.js';
import { checkStore } from './checks-store.js';
import { checkTeam } from './team-checks.js';

/** A problem found by a check, located by config path (load.ts adds file positions). */
export interface CheckIssue {
  readonly code: Code;
  readonly severity: 'error' | 'warning';
  readonly path: readonly PathSegment[];
  /** Point at the key rather than the value. */
  readonly key?: boolean;
  readonly message: string;
  readonly hint: string;
}

const STDIO_KEYS = ['command', 'args', 'env', 'cwd', 'inheritEnv'] as const;
const HTTP_KEYS = ['url', 'transport', 'headers', 'auth'] as const;

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The servers a profile has: its own list, or (implicit default) every server in file order. */
export function profileMembers(doc: McpgwGatewayConfiguration): Array<{ name: string; servers: string[]; implicit: boolean }> {
  // The checks also run on documents with schema errors ("servers: [a]", "default: ~"):
  // a part of the wrong shape has no members here, and the schema finding says why.
  if (doc.profiles === undefined)
    return [{ name: 'default', servers: Object.keys(isRecord(doc.servers) ? doc.servers : {}), implicit: true }];
  if (!isRecord(doc.profiles)) return [];
  return Object.entries(doc.profiles).map(([name, p]) => ({
    name,
    servers: Array.isArray(p?.servers) ? p.servers.filter((m): m is string => typeof m === 'string') : [],
    implicit: false,
  }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The effective prefix of a server: '' for none. */
export function effectivePrefix(name: string, server: Pick<Server, 'prefix'>): string {
  if (server.prefix === false) return '';
  if (typeof server.prefix === 'string') return server.prefix;
  return name;
}

type Servers = NonNullable<McpgwGatewayConfiguration['servers']>;

/**
 * The rules a schema cannot express (issue 2, SPEC sections 2 and 4), one function per part of
 * the document. `asWritten` is the resolved document before schema defaults were applied, to
 * tell keys the user wrote; `templated` has the paths of values that came from a template.
 */
export function checkConfig(
  doc: McpgwGatewayConfiguration,
  asWritten: McpgwGatewayConfiguration,
  templated: ReadonlyMap<string, string> = new Map(),
): CheckIssue[] {
  const servers = isRecord(doc.servers) ? (doc.servers as Servers) : {};
  return [
    ...Object.entries(servers).flatMap(([name, server]) => (isRecord(server) ? checkServer(name, server, asWritten.servers?.[name]) : [])),
    ...checkProfileNames(doc),
    ...checkProfiles(doc, servers),
    ...checkGateway(doc),
    ...checkStore(doc.gateway?.store, templated.has('gateway.store.url')),
    ...checkTeam(doc),
  ];
}

/** One server: its name and prefix, stdio or remote (not both, no key of the other), its url and OAuth client. */
function checkServer(name: string, server: Server, written: Server | undefined): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const at = ['servers', name];
  if (name.includes('__')) {
    issues.push({
      code: 'MCPGW_E_CONFIG_NAME',
      severity: 'error',
      path: at,
      key: true,
      message: `server name "${name}" contains "__"`,
      hint: '"__" separates a prefix from a tool name: use "-" or "_" instead',
    });
  }
  if (typeof server.prefix === 'string' && server.prefix.includes('__')) {
    issues.push({
      code: 'MCPGW_E_CONFIG_NAME',
      severity: 'error',
      path: [...at, 'prefix'],
      message: `prefix "${server.prefix}" contains "__"`,
      hint: 'use "-" or "_" instead',
    });
  }
  issues.push(...checkServerKind(server, written ?? {}, at));
  if (server.url !== undefined) issues.push(...checkServerUrl(server, at));
  if (server.auth?.type === 'oauth' && server.auth.clientSecret !== undefined && server.auth.clientId === undefined) {
    issues.push({
      code: 'MCPGW_E_CONFIG_SCHEMA',
      severity: 'error',
      path: [...at, 'auth', 'clientSecret'],
      key: true,
      message: 'clientSecret is set without clientId',
      hint: 'set clientId too, or remove clientSecret to use dynamic registration',
    });
  }
  return issues;
}

/** A local process (command) or a remote service (url), and no key that belongs to the other kind. */
function checkServerKind(server: Server, written: Server, at: PathSegment[]): CheckIssue[] {
  const hasCommand = server.command !== undefined;
  if (hasCommand === (server.url !== undefined)) {
    return [
      {
        code: 'MCPGW_E_CONFIG_SERVER_KIND',
        severity: 'error',
        path: at,
        key: true,
        message: hasCommand ? 'has both command and url' : 'has neither command nor url',
        hint: 'a server is either a local process (command) or a remote service (url)',
      },
    ];
  }
  const foreign = hasCommand ? HTTP_KEYS : STDIO_KEYS;
  return foreign
    .filter((key) => (written as Record<string, unknown>)[key] !== undefined)
    .map((key) => ({
      code: 'MCPGW_E_CONFIG_SERVER_KIND',
      severity: 'error',
      path: [...at, key],
      key: true,
      message: `"${key}" applies only to ${hasCommand ? 'remote servers (url)' : 'stdio servers (command)'}`,
      hint: `remove "${key}" from this ${hasCommand ? 'stdio' : 'remote'} server`,
    }));
}

function checkProfileNames(doc: McpgwGatewayConfiguration): CheckIssue[] {
  return Object.keys(doc.profiles ?? {})
    .filter((name) => name.includes('__'))
    .map((name) => ({
      code: 'MCPGW_E_CONFIG_NAME',
      severity: 'error',
      path: ['profiles', name],
      key: true,
      message: `profile name "${name}" contains "__"`,
      hint: 'use "-" or "_" instead',
    }));
}

/** Each profile's members exist and expose distinct prefixes; with profiles, every enabled server is in one. */
function checkProfiles(doc: McpgwGatewayConfiguration, servers: Servers): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const listed = new Set<string>();
  for (const profile of profileMembers(doc)) {
    for (const member of profile.servers) listed.add(member);
    issues.push(...checkMembers(profile, servers));
  }
  if (!doc.profiles) return issues;
  for (const [name, server] of Object.entries(servers)) {
    if (isRecord(server) && server.enabled !== false && !listed.has(name)) {
      issues.push({
        code: 'MCPGW_W_CONFIG_UNUSED_SERVER',
        severity: 'warning',
        path: ['servers', name],
        key: true,
        message: `server "${name}" is in no profile, so no client can reach it`,
        hint: 'add it to a profile, or set enabled: false',
      });
    }
  }
  return issues;
}

function checkMembers(profile: ReturnType<typeof profileMembers>[number], servers: Servers): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const prefixes = new Map<string, string>();
  profile.servers.forEach((member, i) => {
    const server = servers[member];
    // A server that is defined but malformed ("a: ~") has its own schema finding.
    if (Object.hasOwn(servers, member) && !isRecord(server)) return;
    if (!server) {
      const known = Object.keys(servers);
      issues.push({
        code: 'MCPGW_E_CONFIG_REFERENCE',
        severity: 'error',
        path: ['profiles', profile.name, 'servers', i],
        message: `profile "${profile.name}" names server "${member}", which is not defined`,
        hint: known.length > 0 ? `defined servers: ${known.join(', ')}` : 'define it under servers:',
      });
      return;
    }
    const prefix = effectivePrefix(member, server);
    if (prefix === '') return;
    const other = prefixes.get(prefix);
    // The same server listed twice is the schema's "lists the same item twice", not a collision.
    if (other !== undefined && other !== member) {
      issues.push({
        code: 'MCPGW_E_CONFIG_COLLISION',
        severity: 'error',
        path: profile.implicit ? ['servers', member] : ['profiles', profile.name, 'servers', i],
        key: profile.implicit,
        message: `servers "${other}" and "${member}" would both expose tools as "${prefix}__..." in profile "${profile.name}"`,
        hint: `give one of them another prefix (prefix: ${member}-2) or put them in different profiles`,
      });
    } else {
      prefixes.set(prefix, member);
    }
  });
  return issues;
}

function checkServerUrl(server: Server, at: PathSegment[]): CheckIssue[] {
  const url = parseHttpUrl(server.url!);
  if (!url) {
    return [
      {
        code: 'MCPGW_E_CONFIG_URL',
        severity: 'error',
        path: [...at, 'url'],
        message: 'url must be an absolute http:// or https:// URL',
        hint: 'e.g. https://mcp.example.com/mcp',
      },
    ];
  }
  if (url.username || url.password) {
    return [
      {
        code: 'MCPGW_E_CONFIG_URL',
        severity: 'error',
        path: [...at, 'url'],
        message: 'url must not contain credentials',
        hint: 'send credentials with auth: { type: apiKey } or headers',
      },
    ];
  }
  if (server.auth?.type === 'oauth' && url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !server.auth.allowInsecureHttp) {
    return [
      {
        code: 'MCPGW_E_CONFIG_URL',
        severity: 'error',
        path: [...at, 'url'],
        message: 'OAuth over plain http is only accepted on loopback hosts',
        hint: 'use https, or set auth.allowInsecureHttp: true (insecure: tokens travel in clear)',
      },
    ];
  }
  return [];
}

function checkGateway(doc: McpgwGatewayConfiguration): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const gw = doc.gateway ?? {};
  const listen = parseListen(gw.listen ?? '127.0.0.1:8750');
  if (listen && listen.port > 65535) {
    issues.push({
      code: 'MCPGW_E_CONFIG_SCHEMA',
      severity: 'error',
      path: ['gateway', 'listen'],
      message: `port ${listen.port} is out of range`,
      hint: 'use a port from 1 to 65535 (0 picks a free one)',
    });
  }
  if (gw.publicUrl !== undefined) {
    const url = parseHttpUrl(gw.publicUrl);
    if (!url)
      issues.push({
        code: 'MCPGW_E_CONFIG_URL',
        severity: 'error',
        path: ['gateway', 'publicUrl'],
        message: 'publicUrl must be an absolute http:// or https:// URL',
        hint: 'e.g. http://localhost:8750',
      });
    else if (url.search || url.hash)
      issues.push({
        code: 'MCPGW_E_CONFIG_URL',
        severity: 'error',
        path: ['gateway', 'publicUrl'],
        message: 'publicUrl must not have a query or fragment',
        hint: 'give the base URL only, e.g. https://gw.example.com',
      });
  }
  const cimd = gw.oauth?.clientMetadataUrl;
  if (cimd !== undefined) {
    const url = parseHttpUrl(cimd);
    if (!url || url.protocol !== 'https:' || url.pathname === '/') {
      issues.push({
        code: 'MCPGW_E_CONFIG_URL',
        severity: 'error',
        path: ['gateway', 'oauth', 'clientMetadataUrl'],
        message: 'clientMetadataUrl must be an https URL with a path',
        hint: 'e.g. https://example.org/mcpgw/client.json, where you host the output of "mcpgw auth client-metadata"',
      });
    }
  }
  const inbound = (gw.auth?.bearerTokens ?? []).length > 0 || Object.keys(gw.auth?.users ?? {}).length > 0 || gw.auth?.oidc !== undefined;
  if (listen && !isLoopbackHost(listen.host) && !inbound && !gw.allowUnauthenticatedNetwork) {
    issues.push({
      code: 'MCPGW_E_CONFIG_INSECURE',
      severity: 'error',
      path: ['gateway', 'listen'],
      message: `listening on ${listen.host}, beyond loopback, without gateway.auth.bearerTokens`,
      hint: 'add gateway.auth.bearerTokens: ["$<env:MCPGW_TOKEN>"] (or, if you really mean it, gateway.allowUnauthenticatedNetwork: true)',
    });
  }
  return issues;
}

export function parseListen(text: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:]+):(\d+)$/.exec(text);
  if (!m) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export function parseHttpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
