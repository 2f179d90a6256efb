import { McpgwError } from '../errors/error.js';
import { memberToBlame, type Catalog, type MemberView } from './catalog.js';

/**
 * Where a request goes (pure): an exposed tool or prompt name to its member and the
 * upstream's own name, a resource URI to the member that serves it, a completion reference
 * to its member. Routing uses the catalog's tables, never a split on `__` (SPEC section 2).
 */

export type RouteResult =
  /** Send to `server` with these params (names translated back to the upstream's). */
  | { readonly kind: 'route'; readonly server: string; readonly params: Record<string, unknown> }
  /** A member that is not ready explains the miss: the caller gets that member's error. */
  | { readonly kind: 'blame'; readonly server: string }
  | { readonly kind: 'error'; readonly error: McpgwError };

/** RFC 6570 level-1 matching, enough to route a URI to the member whose template made it. */
export function matchesTemplate(template: string, uri: string): boolean {
  const pattern = template
    .split(/(\{[^}]*\})/)
    .map((part) =>
      part.startsWith('{')
        ? part.startsWith('{+') || part.startsWith('{#')
          ? '.*'
          : '[^/]*'
        : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${pattern}$`).test(uri);
}

export function routeName(
  kind: 'tool' | 'prompt',
  params: Record<string, unknown>,
  catalog: Catalog,
  members: readonly MemberView[],
): RouteResult {
  const name = String(params.name ?? '');
  const route = (kind === 'tool' ? catalog.toolRoutes : catalog.promptRoutes).get(name);
  if (route) return { kind: 'route', server: route.server, params: { ...params, name: route.name } };
  const blame = memberToBlame(name, members);
  if (blame) return { kind: 'blame', server: blame };
  return { kind: 'error', error: new McpgwError('MCPGW_E_MCP_UNKNOWN_NAME', `Unknown ${kind}: ${name}`) };
}

/** The member serving a URI: exact resource, then a matching template, then the only member with resources. */
export function serverForUri(uri: string, catalog: Catalog, withResources: readonly string[]): string | undefined {
  const exact = catalog.resourceRoutes.get(uri);
  if (exact) return exact;
  for (const [template, server] of catalog.templateRoutes) if (matchesTemplate(template, uri)) return server;
  return withResources.length === 1 ? withResources[0] : undefined;
}

export function routeUri(params: Record<string, unknown>, catalog: Catalog, withResources: readonly string[]): RouteResult {
  const uri = String(params.uri ?? '');
  const server = serverForUri(uri, catalog, withResources);
  if (server) return { kind: 'route', server, params };
  return { kind: 'error', error: new McpgwError('MCPGW_E_MCP_RESOURCE_NOT_FOUND', `Resource not found: ${uri}`, { details: { uri } }) };
}

export function routeCompletion(params: Record<string, unknown>, catalog: Catalog, members: readonly MemberView[]): RouteResult {
  const ref = (params.ref ?? {}) as Record<string, unknown>;
  if (ref.type === 'ref/prompt') {
    const routed = routeName('prompt', { name: ref.name }, catalog, members);
    if (routed.kind !== 'route') return routed;
    return { kind: 'route', server: routed.server, params: { ...params, ref: { ...ref, name: routed.params.name } } };
  }
  if (ref.type === 'ref/resource') {
    const uri = String(ref.uri ?? '');
    const server = catalog.templateRoutes.get(uri) ?? catalog.resourceRoutes.get(uri);
    if (server) return { kind: 'route', server, params };
    return { kind: 'error', error: new McpgwError('MCPGW_E_MCP_INVALID_PARAMS', `Resource template ${uri} not found`) };
  }
  return {
    kind: 'error',
    error: new McpgwError('MCPGW_E_MCP_INVALID_PARAMS', 'completion/complete needs ref of type ref/prompt or ref/resource'),
  };
}

/** The error for a member that is gone from the scope entirely. */
export function notRunning(server: string): McpgwError {
  return new McpgwError('MCPGW_E_SERVER_UNAVAILABLE', `server "${server}" is not running`);
}
