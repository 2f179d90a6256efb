import { SSEClientTransport, type Transport } from '@modelcontextprotocol/client';
import type { HttpSpec } from '../config/types.js';
import { nodeFetch, type FetchLike } from './http-fetch.js';
import { NodeStreamableHttpTransport } from './http-transport.js';
import type { AuthProvider } from './types.js';

/** The SDK's HTTP transports for a remote server: Streamable HTTP on node:http (http-fetch.ts, http-transport.ts), or legacy SSE. */
export function remoteTransport(t: HttpSpec, auth?: AuthProvider): Transport {
  const url = new URL(t.url);
  if (t.transport === 'sse') {
    // The legacy SSE transport keeps the global fetch: one long stream, not a request per call.
    const fetch = authenticatedFetch(t.headers, auth);
    return new SSEClientTransport(url, { fetch, eventSourceInit: { fetch } });
  }
  return new NodeStreamableHttpTransport(url, { fetch: authenticatedFetch(t.headers, auth, nodeFetch) });
}

/**
 * A fetch that adds the static headers and the auth provider's headers to every request,
 * and lets the provider retry once after a 401/403 (token refresh, step-up).
 */
export function authenticatedFetch(
  staticHeaders: Readonly<Record<string, string>>,
  auth?: AuthProvider,
  base: FetchLike = fetch,
): FetchLike {
  const noStatic = Object.keys(staticHeaders).length === 0;
  // Nothing to add and no one to retry for: the base fetch itself (two async frames less per call).
  if (noStatic && !auth) return base;
  return async (url, init) => {
    const send = async () => {
      const headers = new Headers(init?.headers);
      for (const [k, v] of Object.entries(staticHeaders)) headers.set(k, v);
      if (auth) for (const [k, v] of Object.entries(await auth.headers())) headers.set(k, v);
      return base(url, { ...init, headers });
    };
    let response = await send();
    for (let tries = 0; (response.status === 401 || response.status === 403) && auth?.onRejected && tries < 3; tries++) {
      if (!(await auth.onRejected(response))) break;
      // The refused answer's body is read to its end, so that its connection can carry the retry.
      await response.text().catch(() => undefined);
      response = await send();
    }
    return response;
  };
}
