import type { ConfigModel } from '../config/types.js';
import { CODES, type Code } from '../errors/codes.js';
import { McpgwError } from '../errors/error.js';

/**
 * Talking to a running daemon from a command (`auth`, `doctor`, `connect`): where it listens
 * according to the config, and the bearer token it wants (SPEC section 3).
 */
export interface DaemonClient {
  readonly url: string;
  /** Where the bearer token it sends comes from, for messages (never the token); undefined: none is sent. */
  readonly tokenSource?: string;
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
    tokenSource: tokenSource(model, env),
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

/** Which token a command sends: the config's first bearer token (with its template), else $MCPGW_TOKEN. */
function tokenSource(model: ConfigModel, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const first = model.gateway.bearerTokens[0];
  if (first === undefined) return env.MCPGW_TOKEN ? '$MCPGW_TOKEN' : undefined;
  const label = model.secrets.find((s) => s.value === first)?.label;
  return `gateway.auth.bearerTokens[0] of ${model.file}${label ? `, ${label}` : ' (written in the file)'}`;
}

/**
 * Why the daemon did not answer `what` (e.g. `GET /status`) with a success: a refused token
 * (401: the command sent another token than the daemon's, or none), or another error status,
 * under the daemon's own code when its body names one. Undefined for a 2xx.
 */
export async function daemonRefusal(daemon: DaemonClient, response: Response, what: string): Promise<McpgwError | undefined> {
  if (response.ok) return undefined;
  if (response.status === 401) {
    return daemon.tokenSource
      ? new McpgwError('MCPGW_E_DAEMON_TOKEN', `the daemon at ${daemon.url} refused the bearer token from ${daemon.tokenSource}`, {
          hint: "send one of the daemon's gateway.auth.bearerTokens: a command sends the first token of the config it reads (-c), resolved in its own environment, else $MCPGW_TOKEN",
        })
      : new McpgwError('MCPGW_E_DAEMON_TOKEN', `the daemon at ${daemon.url} requires a bearer token, and this command has none`, {
          hint: "set gateway.auth.bearerTokens in the config this command reads (-c), or MCPGW_TOKEN, to one of the daemon's tokens",
        });
  }
  // The daemon's own error (a locked store, an unknown server) keeps its code and hint.
  const own = await errorBody(response);
  const known = own.code !== undefined && own.code in CODES ? (own.code as Code) : undefined;
  const said = own.message ? `: ${own.message}` : '';
  return new McpgwError(
    known ?? 'MCPGW_E_DAEMON_RESPONSE',
    `the daemon at ${daemon.url} answered ${what} with HTTP ${response.status}${said}`,
    {
      hint: known ? own.hint : undefined,
    },
  );
}

/** GET (or `init`) a JSON document of the daemon's, or throw why not. */
export async function daemonJson<T>(daemon: DaemonClient, path: string, init?: RequestInit): Promise<T> {
  const what = `${init?.method ?? 'GET'} ${path.split('?')[0]}`;
  const response = await daemon.fetch(path, init);
  const refused = await daemonRefusal(daemon, response, what);
  if (refused) throw refused;
  try {
    return (await response.json()) as T;
  } catch {
    throw new McpgwError('MCPGW_E_DAEMON_RESPONSE', `the daemon at ${daemon.url} answered ${what} with something that is not JSON`);
  }
}

/** The daemon's error body (JSON, src/errors/render.ts; or an HTML page), its message shortened. */
async function errorBody(response: Response): Promise<{ code?: string; message?: string; hint?: string }> {
  const text = await response.text().catch(() => '');
  let error: { code?: unknown; message?: unknown; hint?: unknown } | undefined;
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error;
  } catch {
    error = { message: text.replace(/<[^>]+>/g, ' ') };
  }
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.replace(/\s+/g, ' ').trim().slice(0, 300) : undefined);
  return { code: str(error?.code), message: str(error?.message), hint: str(error?.hint) };
}
