import { McpgwError } from '../errors/error.js';
import type { Upstream, UpstreamFailure, UpstreamState, UpstreamStatus } from './types.js';

/**
 * What others see of a connection: the error a call gets while its server is not ready (SPEC
 * section 5, with what to do about it), and its /status snapshot.
 */

/** The error a call gets while its server is not ready, with what to do about it. */
export function unavailableError(
  server: string,
  state: UpstreamState,
  lastError: UpstreamFailure | null,
  authorizationUrl?: string,
): McpgwError {
  const reason = lastError ? `: ${lastError.message}` : '';
  const details = { server, state, ...(lastError ? { cause: lastError.code } : {}) };
  switch (state) {
    case 'needs_auth':
      return new McpgwError('MCPGW_E_SERVER_NEEDS_AUTH', `server "${server}" needs authorization`, {
        hint: authorizationUrl ? `open ${authorizationUrl}, or run: mcpgw auth login ${server}` : `run: mcpgw auth login ${server}`,
        details: { ...details, ...(authorizationUrl ? { authorizationUrl } : {}) },
      });
    case 'starting':
      return new McpgwError('MCPGW_E_SERVER_UNAVAILABLE', `server "${server}" is still starting`, { hint: 'retry in a moment', details });
    case 'restarting':
      return new McpgwError('MCPGW_E_SERVER_UNAVAILABLE', `server "${server}" is restarting${reason}`, {
        hint: 'retry in a moment; see mcpgw doctor if it persists',
        details,
      });
    case 'disabled':
      return new McpgwError('MCPGW_E_SERVER_UNAVAILABLE', `server "${server}" is stopped`, {
        hint: 'check enabled: in the config',
        details,
      });
    default:
      return new McpgwError('MCPGW_E_SERVER_UNAVAILABLE', `server "${server}" is unavailable${reason}`, {
        hint: `run: mcpgw doctor ${server}`,
        details,
      });
  }
}

export function snapshot(u: Upstream, since: Date, pid: number | undefined): UpstreamStatus {
  const t = u.spec.transport;
  return {
    state: u.state,
    transport: t.kind === 'stdio' ? 'stdio' : t.transport,
    protocol: u.protocolVersion ?? null,
    tools: u.lists.tools.length,
    prompts: u.lists.prompts.length,
    resources: u.lists.resources.length,
    restarts: u.restarts,
    lastError: u.lastError,
    since: since.toISOString(),
    ...(pid !== undefined ? { pid } : {}),
  };
}
