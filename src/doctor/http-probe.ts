import type { HttpSpec } from '../config/types.js';

/**
 * One plain request to an HTTP server, before any MCP: it tells apart what the SDK's errors
 * blur (refused, DNS, TLS, timeout, each HTTP status) and reads a 401's challenge for OAuth
 * discovery. Streamable HTTP gets an `initialize` POST (the session it may open is deleted
 * again); legacy SSE gets the GET of its event stream, closed at once.
 */

export type HttpAnswer =
  | { readonly kind: 'status'; readonly status: number; readonly challenge?: Challenge }
  | { readonly kind: 'network'; readonly reason: NetworkReason; readonly detail: string };

export interface Challenge {
  readonly scheme: string;
  readonly resourceMetadataUrl?: string;
  readonly scope?: string;
  readonly error?: string;
}

export type NetworkReason = 'refused' | 'dns' | 'tls' | 'timeout' | 'other';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'mcpgw-doctor', version: '0' } },
};

export async function probeHttp(t: HttpSpec, authHeaders: Readonly<Record<string, string>>, timeoutMs: number): Promise<HttpAnswer> {
  const headers = new Headers();
  for (const [k, v] of Object.entries(t.headers)) headers.set(k, v);
  for (const [k, v] of Object.entries(authHeaders)) headers.set(k, v);
  const sse = t.transport === 'sse';
  headers.set('accept', sse ? 'text/event-stream' : 'application/json, text/event-stream');
  if (!sse) headers.set('content-type', 'application/json');
  let response: Response;
  try {
    response = await fetch(t.url, {
      method: sse ? 'GET' : 'POST',
      headers,
      body: sse ? undefined : JSON.stringify(INITIALIZE),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { kind: 'network', ...classifyNetworkError(err, timeoutMs) };
  }
  await response.body?.cancel().catch(() => undefined);
  const session = response.headers.get('mcp-session-id');
  if (session && response.ok) {
    // Be a polite client: end the session the probe opened (best effort, never waited long).
    headers.set('mcp-session-id', session);
    headers.delete('content-type');
    await fetch(t.url, { method: 'DELETE', headers, signal: AbortSignal.timeout(1000) })
      .then((r) => r.body?.cancel())
      .catch(() => undefined);
  }
  return { kind: 'status', status: response.status, challenge: parseChallenge(response.headers.get('www-authenticate')) };
}

/** fetch's "fetch failed" with its cause, as a reason the user can act on. */
export function classifyNetworkError(err: unknown, timeoutMs: number): { reason: NetworkReason; detail: string } {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.cause?.name === 'ConnectTimeoutError') {
    return { reason: 'timeout', detail: `no answer within ${formatSeconds(timeoutMs)}` };
  }
  const code = e?.cause?.code ?? '';
  if (code === 'ECONNREFUSED') return { reason: 'refused', detail: 'connection refused' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return { reason: 'dns', detail: `host not found (${code})` };
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|EPROTO|HOSTNAME|ALTNAME/.test(code)) return { reason: 'tls', detail: code };
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return { reason: 'timeout', detail: 'connection timed out' };
  const why = code || e?.cause?.message || e?.message || String(err);
  return { reason: 'other', detail: why.split('\n')[0]! };
}

/** What a TLS error code means, and what to do about it. */
export function explainTls(code: string): { what: string; fix: string } {
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH|EPROTO|RECORD/.test(code)) {
    return {
      what: 'the server does not speak TLS on this port',
      fix: 'use http:// if the server has no TLS, or the port where it serves https',
    };
  }
  if (/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|CERT_UNTRUSTED/.test(code)) {
    return {
      what: "the server's certificate is not signed by a trusted authority",
      fix: 'give mcpgw the CA that signed it: set NODE_EXTRA_CA_CERTS=/path/to/ca.pem in its environment',
    };
  }
  if (/ALTNAME|HOSTNAME/.test(code))
    return { what: 'the certificate is for another host name', fix: 'use the host name the certificate names in the url' };
  if (/EXPIRED/.test(code)) return { what: "the server's certificate has expired", fix: "the server's operator must renew it" };
  return { what: 'the TLS handshake failed', fix: 'check the url and that the server serves https on this port' };
}

/** The first Bearer challenge of a WWW-Authenticate header (RFC 6750, RFC 9728). */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const scheme = /^\s*([A-Za-z-]+)/.exec(header)?.[1] ?? '';
  const params: Record<string, string> = {};
  for (const m of header.matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    params[m[1]!.toLowerCase()] = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme, resourceMetadataUrl: params.resource_metadata, scope: params.scope, error: params.error };
}

export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
