import { SSEClientTransport, StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import type { ServerSpec } from '../config/types.js';
import { childEnvironment } from './env.js';
import { defaultResultType } from './result-type.js';
import { StdioProcessTransport } from './stdio.js';
import type { AuthProvider } from './types.js';

export interface TransportOptions {
  readonly auth?: AuthProvider;
  readonly onStderr?: (line: string) => void;
}

/**
 * The SDK's HTTP transports, or ours for stdio (process groups), for a server definition;
 * results without a `resultType` read as complete (result-type.ts).
 */
export function createTransport(spec: ServerSpec, options: TransportOptions): Transport {
  return defaultResultType(rawTransport(spec, options));
}

function rawTransport(spec: ServerSpec, options: TransportOptions): Transport {
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
