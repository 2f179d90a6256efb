import { discoverOAuthServerInfo, IssuerMismatchError, selectResourceURL, type OAuthClientProvider } from '@modelcontextprotocol/client';
import { isLoopbackHost } from '../config/checks.js';
import { McpgwError } from '../errors/error.js';

/**
 * Finding out where and how to authorize for an MCP server (MCP authorization 2025-11-25 and
 * 2026-07-28): RFC 9728 protected-resource metadata, then RFC 8414 / OIDC metadata in the
 * spec's order. The SDK v2 helpers do the well-known URL dance (openid-client's discovery()
 * tries one URL per algorithm and fails on MCP layouts) and refuse metadata whose `issuer` is
 * not the issuer the well-known URL was built from (RFC 8414 section 3.3, which 2026-07-28
 * makes a MUST: the SDK v1 helpers used before took any issuer); the other checks the spec
 * adds are ours.
 */

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

export interface Discovered {
  /** The RFC 8707 resource indicator, sent as is (a URL's href would add a trailing '/'). */
  readonly resource: string;
  readonly authorizationServer: string;
  /** Authorization server metadata; for 2025-03-26 servers without any, the default endpoints. */
  readonly asMetadata: Record<string, unknown> & {
    issuer: string;
    authorization_endpoint: string;
    token_endpoint: string;
    registration_endpoint?: string;
  };
  readonly scopesSupported?: readonly string[];
  /** The server published no metadata at all (2025-03-26 fallback endpoints in use). */
  readonly fallback: boolean;
}

export interface DiscoverOptions {
  /** From the WWW-Authenticate of a 401, when there was one. */
  readonly resourceMetadataUrl?: string;
  readonly fetch?: FetchLike;
  /** auth.allowInsecureHttp: plain http beyond loopback. */
  readonly allowInsecureHttp?: boolean;
}

export async function discover(serverUrl: string, options: DiscoverOptions = {}): Promise<Discovered> {
  const server = new URL(serverUrl);
  assertSecure(server, 'the MCP server', options.allowInsecureHttp);
  const info = await fetchServerInfo(server, options);
  const prm = info.resourceMetadata as (Record<string, unknown> & { resource?: string; scopes_supported?: string[] }) | undefined;
  if (prm) await assertResourceIsServer(server, prm);
  const authorizationServer = new URL(info.authorizationServerUrl);
  assertSecure(authorizationServer, 'the authorization server', options.allowInsecureHttp);
  const metadata = info.authorizationServerMetadata as Discovered['asMetadata'] | undefined;
  if (metadata) checkAsMetadata(metadata, options);
  return {
    resource: prm?.resource ?? canonicalResource(server),
    authorizationServer: authorizationServer.href,
    asMetadata: metadata ?? fallbackMetadata(authorizationServer),
    scopesSupported: prm?.scopes_supported,
    fallback: metadata === undefined,
  };
}

async function fetchServerInfo(server: URL, options: DiscoverOptions): Promise<Awaited<ReturnType<typeof discoverOAuthServerInfo>>> {
  try {
    return await discoverOAuthServerInfo(server, {
      resourceMetadataUrl: options.resourceMetadataUrl ? new URL(options.resourceMetadataUrl) : undefined,
      fetchFn: options.fetch,
    });
  } catch (err) {
    if (err instanceof IssuerMismatchError) {
      throw new McpgwError(
        'MCPGW_E_OAUTH_DISCOVERY',
        `the authorization server metadata found for ${err.expected} names another issuer (${err.received}); it is not used`,
        { hint: 'the authorization server is misconfigured, or someone serves metadata in its name', cause: err },
      );
    }
    throw new McpgwError('MCPGW_E_OAUTH_DISCOVERY', `OAuth discovery failed for ${server.origin}: ${(err as Error).message}`, {
      hint: 'check that the url is the MCP endpoint and the server supports OAuth (mcpgw doctor shows each step)',
      cause: err,
    });
  }
}

/** Metadata that names another resource than this server would make us a confused deputy. */
async function assertResourceIsServer(server: URL, prm: Record<string, unknown>): Promise<void> {
  try {
    await selectResourceURL(server, {} as OAuthClientProvider, prm as never);
  } catch (err) {
    throw new McpgwError('MCPGW_E_OAUTH_DISCOVERY', `the protected resource metadata is for ${String(prm.resource)}, not ${server.href}`, {
      hint: 'the server advertises metadata of another resource; check the url',
      cause: err,
    });
  }
}

function checkAsMetadata(metadata: Discovered['asMetadata'], options: DiscoverOptions): void {
  const methods = (metadata.code_challenge_methods_supported as string[] | undefined) ?? [];
  if (!methods.includes('S256')) {
    throw new McpgwError(
      'MCPGW_E_OAUTH_NO_PKCE',
      `the authorization server ${metadata.issuer} does not advertise PKCE S256 (code_challenge_methods_supported: ${methods.length ? methods.join(', ') : 'absent'})`,
      { hint: 'MCP requires PKCE with S256; the server must list it in its metadata' },
    );
  }
  for (const key of ['authorization_endpoint', 'token_endpoint', 'registration_endpoint'] as const) {
    if (typeof metadata[key] === 'string')
      assertSecure(new URL(metadata[key] as string), `the ${key.replace('_', ' ')}`, options.allowInsecureHttp);
  }
}

/** 2025-03-26: no metadata anywhere means the default endpoints at the server's origin. */
function fallbackMetadata(authorizationServer: URL): Discovered['asMetadata'] {
  const origin = authorizationServer.origin;
  return {
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    registration_endpoint: `${origin}/register`,
    code_challenge_methods_supported: ['S256'],
  };
}

/** The server URL without fragment, as RFC 8707 and the MCP spec want the resource. */
function canonicalResource(url: URL): string {
  const copy = new URL(url.href);
  copy.hash = '';
  return copy.href;
}

export function isInsecure(url: URL): boolean {
  return url.protocol === 'http:' && !isLoopbackHost(url.hostname);
}

function assertSecure(url: URL, what: string, allowInsecureHttp = false): void {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new McpgwError('MCPGW_E_OAUTH_INSECURE', `${what} (${url.href}) is not an http(s) URL`);
  }
  if (isInsecure(url) && !allowInsecureHttp) {
    throw new McpgwError('MCPGW_E_OAUTH_INSECURE', `${what} uses plain http (${url.origin}), which OAuth allows only on loopback`, {
      hint: 'use https, or set auth.allowInsecureHttp: true (tokens then travel in clear)',
    });
  }
}

/** How long a discovery result is reused: every /oauth/start used to run discovery again. */
export const DISCOVERY_TTL_MS = 5 * 60_000;

/**
 * Discovery results by server URL (and the challenge's metadata URL and allowInsecureHttp,
 * which change what discovery does), for DISCOVERY_TTL_MS. Concurrent starts share one
 * discovery in flight; a failure is not kept, so the next start tries again.
 */
export class DiscoveryCache {
  private readonly entries = new Map<string, { readonly at: number; readonly value: Promise<Discovered> }>();

  constructor(
    private readonly ttlMs = DISCOVERY_TTL_MS,
    private readonly max = 100,
  ) {}

  discover(serverUrl: string, options: DiscoverOptions = {}): Promise<Discovered> {
    const key = JSON.stringify([serverUrl, options.resourceMetadataUrl ?? '', options.allowInsecureHttp === true]);
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = discover(serverUrl, options);
    const entry = { at: now, value };
    this.entries.delete(key);
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    for (const k of this.entries.keys()) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(k);
    }
    return value;
  }

  /** Forgets what was found for `serverUrl`: the server refused a token, so its metadata may have changed (SEP-2352). */
  forget(serverUrl: string): void {
    for (const key of [...this.entries.keys()]) if ((JSON.parse(key) as string[])[0] === serverUrl) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
