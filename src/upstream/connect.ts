import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ServerSpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import { childEnvironment } from './env.js';
import { StdioProcessTransport } from './stdio.js';
import type { AuthProvider } from './types.js';

export interface TransportOptions {
  readonly auth?: AuthProvider;
  readonly onStderr?: (line: string) => void;
}

/** The SDK transport (or ours, for stdio) for a server definition. */
export function createTransport(spec: ServerSpec, options: TransportOptions): Transport {
  const t = spec.transport;
  if (t.kind === 'stdio') {
    return new StdioProcessTransport({
      command: t.command,
      args: t.args,
      env: childEnvironment(t),
      cwd: t.cwd,
      onStderr: options.onStderr,
    });
  }
  const fetch = authenticatedFetch(t.headers, options.auth);
  const url = new URL(t.url);
  if (t.transport === 'sse') return new SSEClientTransport(url, { fetch, eventSourceInit: { fetch } });
  return new StreamableHTTPClientTransport(url, { fetch });
}

/**
 * A fetch that adds the static headers and the auth provider's headers to every request,
 * and lets the provider retry once after a 401/403 (token refresh, step-up).
 */
export function authenticatedFetch(
  staticHeaders: Readonly<Record<string, string>>,
  auth?: AuthProvider,
): (url: string | URL, init?: RequestInit) => Promise<Response> {
  return async (url, init) => {
    const send = async () => {
      const headers = new Headers(init?.headers);
      for (const [k, v] of Object.entries(staticHeaders)) headers.set(k, v);
      if (auth) for (const [k, v] of Object.entries(await auth.headers())) headers.set(k, v);
      return fetch(url, { ...init, headers });
    };
    let response = await send();
    for (let tries = 0; (response.status === 401 || response.status === 403) && auth?.onRejected && tries < 3; tries++) {
      if (!(await auth.onRejected(response))) break;
      response = await send();
    }
    return response;
  };
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running?)',
  ENOTFOUND: 'host not found (check the url)',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset by the server',
  EHOSTUNREACH: 'host unreachable',
};

/** How a failure to connect should be treated: retried later, or an error until fixed. */
export function describeConnectError(
  err: unknown,
  spec: ServerSpec,
  transport?: Transport,
): { message: string; permanent: boolean; needsAuth: boolean } {
  const transient = (message: string) => ({ message, permanent: false, needsAuth: false });
  const permanent = (message: string) => ({ message, permanent: true, needsAuth: false });
  if (err instanceof McpgwError) {
    if (err.code === 'MCPGW_E_SERVER_NEEDS_AUTH') return { message: err.message, permanent: false, needsAuth: true };
    // details.transient: a failure of something else that will pass (the OAuth token endpoint down).
    if (err.code === 'MCPGW_E_SERVER_TIMEOUT' || err.details?.transient === true) return transient(err.message);
    return permanent(err.message);
  }
  if (transport instanceof StdioProcessTransport) {
    const code = (err as NodeJS.ErrnoException).code;
    const command = spec.transport.kind === 'stdio' ? spec.transport.command : '';
    if (code === 'ENOENT') return permanent(`command "${command}" not found (is it installed and on PATH?)`);
    if (code === 'EACCES') return permanent(`command "${command}" is not executable`);
    if (transport.exit) {
      const how = transport.exit.signal ? `was killed by ${transport.exit.signal}` : `exited with code ${transport.exit.code}`;
      const said = transport.lastStderr.at(-1);
      return transient(`the process ${how}${said ? `: ${said}` : ''}`);
    }
    return transient((err as Error)?.message ?? String(err));
  }
  if (err instanceof StreamableHTTPError || /HTTP (\d{3})/.test((err as Error)?.message ?? '')) {
    const status = err instanceof StreamableHTTPError ? err.code : Number(/HTTP (\d{3})/.exec((err as Error).message)?.[1]);
    if (status === 401 || status === 403) {
      if (spec.auth.type === 'oauth') return { message: `HTTP ${status}: authorization required`, permanent: false, needsAuth: true };
      if (spec.auth.type === 'apiKey') return permanent(`the server rejected the API key (HTTP ${status})`);
      return permanent(`the server requires authentication (HTTP ${status}); configure auth for it`);
    }
    if (status === 404 || status === 405) return permanent(`HTTP ${status}: no MCP endpoint at this URL (check the url and transport)`);
    if (status !== undefined && status >= 500) return transient(`HTTP ${status} from the server`);
    return permanent(`HTTP ${status ?? '?'} from the server`);
  }
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code && NETWORK_REASONS[cause.code]) return transient(NETWORK_REASONS[cause.code]!);
  if (cause?.code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(cause.code)) return permanent(`TLS error: ${cause.code}`);
  if (err instanceof McpError) return permanent(`initialize failed: ${err.message}`);
  const message = (err as Error)?.message ?? String(err);
  return transient(cause?.message ? `${message}: ${cause.message}` : message);
}
