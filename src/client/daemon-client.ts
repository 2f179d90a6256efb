import type { ConfigModel } from '../config/types.js';

/**
 * Talking to a running daemon from a command (`auth`, `doctor`, `connect`): where it listens
 * according to the config, and the bearer token it wants (SPEC section 3).
 */
export interface DaemonClient {
  readonly url: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** The address a local client uses for the config's listen address (wildcards mean loopback). */
export function daemonUrl(model: ConfigModel): string {
  return localUrl(model.gateway.listen);
}

/** http://host:port for a listen address, a wildcard host being loopback. */
export function localUrl(listen: { readonly host: string; readonly port: number }): string {
  const { host, port } = listen;
  const local = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${local.includes(':') ? `[${local}]` : local}:${port}`;
}

/** The daemon, if one answers /healthz at the configured address within the timeout. */
export async function findDaemon(
  model: ConfigModel,
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs = 1500,
): Promise<DaemonClient | undefined> {
  const url = daemonUrl(model);
  const token = model.gateway.bearerTokens[0] ?? env.MCPGW_TOKEN;
  const client: DaemonClient = {
    url,
    fetch: (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      return fetch(`${url}${path}`, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(10_000) });
    },
  };
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json()) as { status?: string };
    return response.ok && body.status === 'ok' ? client : undefined;
  } catch {
    return undefined;
  }
}
