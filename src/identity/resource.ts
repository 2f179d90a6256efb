import type { GatewaySpec } from '../config/types.js';

/**
 * The gateway as an OAuth 2.1 protected resource (MCP authorization, RFC 9728): the resource
 * URL of each MCP endpoint, its metadata document and the challenge of a 401.
 */

/** `<publicUrl>/mcp` for /mcp, `<publicUrl>/mcp/NAME` for /mcp/NAME: the audience its tokens must carry. */
export function resourceUrl(gw: Pick<GatewaySpec, 'publicUrl'>, path: string): string {
  return `${gw.publicUrl}${path}`;
}

/** RFC 9728 section 3.1: the well-known URL is inserted before the resource's path. */
export function metadataUrl(gw: Pick<GatewaySpec, 'publicUrl'>, path: string): string {
  const base = new URL(gw.publicUrl);
  return `${base.origin}/.well-known/oauth-protected-resource${base.pathname.replace(/\/$/, '')}${path}`;
}

/** The path of an MCP endpoint from its metadata URL path, or undefined when it is not one. */
export function endpointOfMetadataPath(gw: Pick<GatewaySpec, 'publicUrl'>, path: string): string | undefined {
  const prefix = `/.well-known/oauth-protected-resource${new URL(gw.publicUrl).pathname.replace(/\/$/, '')}`;
  if (!path.startsWith(`${prefix}/mcp`)) return undefined;
  const endpoint = path.slice(prefix.length);
  return endpoint === '/mcp' || /^\/mcp\/[^/]+$/.test(endpoint) ? endpoint : undefined;
}

export function protectedResourceMetadata(gw: GatewaySpec, endpoint: string): Record<string, unknown> {
  const oidc = gw.oidc!;
  return {
    resource: resourceUrl(gw, endpoint),
    authorization_servers: [oidc.issuer],
    scopes_supported: [...oidc.scopes],
    bearer_methods_supported: ['header'],
    resource_name: `mcpgw ${endpoint === '/mcp' ? 'default' : decodeURIComponent(endpoint.slice(5))}`,
  };
}

const quoted = (s: string) => `"${s.replace(/["\\]/g, '')}"`;

/**
 * WWW-Authenticate of a refusal on an MCP endpoint (RFC 6750 section 3, MCP authorization):
 * with oidc it points at the endpoint's metadata and names the scopes; `error` is
 * invalid_token (401) or insufficient_scope (403) when a token was presented.
 */
export function bearerChallenge(
  gw: GatewaySpec,
  endpoint: string,
  error?: { code: 'invalid_token' | 'insufficient_scope'; description: string },
): string {
  if (!gw.oidc) return 'Bearer realm="mcpgw"';
  const parts = [`resource_metadata=${quoted(metadataUrl(gw, endpoint))}`];
  if (gw.oidc.scopes.length > 0) parts.push(`scope=${quoted(gw.oidc.scopes.join(' '))}`);
  if (error) parts.push(`error=${quoted(error.code)}`, `error_description=${quoted(error.description)}`);
  return `Bearer ${parts.join(', ')}`;
}
