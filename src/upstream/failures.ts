import {
  InsufficientScopeError,
  ProtocolError,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import type { ServerSpec } from '../config/types.js';
import { codeInfo, type Code } from '../errors/codes.js';
import { McpgwError } from '../errors/error.js';
import { StdioProcessTransport } from './stdio.js';

/**
 * The one translation of connection failures (SDK errors, child_process and network errors)
 * into registered codes: what `lastError` and `/status` show, what doctor reports, and
 * whether a retry makes sense (the code's `retry` in the registry). Nothing downstream reads
 * codes or HTTP statuses back out of messages.
 */
export interface ConnectFailure {
  readonly code: Code;
  readonly message: string;
  /** Retried with backoff; otherwise an error until the config changes or a login happens. */
  readonly retry: boolean;
}

const NETWORK: Record<string, [Code, string]> = {
  ECONNREFUSED: ['MCPGW_E_UPSTREAM_REFUSED', 'connection refused (is the server running?)'],
  ENOTFOUND: ['MCPGW_E_UPSTREAM_DNS', 'host not found (check the url)'],
  EAI_AGAIN: ['MCPGW_E_UPSTREAM_DNS', 'DNS lookup failed (temporary)'],
  ETIMEDOUT: ['MCPGW_E_UPSTREAM_UNREACHABLE', 'connection timed out'],
  ECONNRESET: ['MCPGW_E_UPSTREAM_UNREACHABLE', 'connection reset by the server'],
  EHOSTUNREACH: ['MCPGW_E_UPSTREAM_UNREACHABLE', 'host unreachable'],
  ENETUNREACH: ['MCPGW_E_UPSTREAM_UNREACHABLE', 'network unreachable'],
};

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

function failure(code: Code, message: string, retry = codeInfo(code).retry === true): ConnectFailure {
  return { code, message, retry };
}

/** An error and what it wraps (`cause`), outermost first: the SDK wraps what a probe or a send met. */
function* chain(err: unknown): Generator<unknown> {
  let current = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 6; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

/** The HTTP status of an SDK transport error (Streamable HTTP or the legacy SSE transport), wrapped or not. */
export function httpStatusOf(err: unknown): number | undefined {
  for (const e of chain(err)) {
    if (e instanceof SdkHttpError) return e.status;
    // The SDK's answers to a 401, and to a 403 insufficient_scope it could not step up.
    if (e instanceof InsufficientScopeError) return 403;
    if (e instanceof UnauthorizedError) return 401;
    const status = (e as { name?: string })?.name === 'SseError' ? (e as { code?: unknown }).code : undefined;
    if (typeof status === 'number') return status;
  }
  return undefined;
}

/** Our own error inside an SDK error (an auth provider's, thrown from the fetch under a transport). */
export function ownErrorIn(err: unknown): McpgwError | undefined {
  for (const e of chain(err)) if (e instanceof McpgwError) return e;
  return undefined;
}

function fromStatus(status: number, spec: ServerSpec): ConnectFailure {
  if (status === 401 || status === 403) {
    if (spec.auth.type === 'oauth') return failure('MCPGW_E_SERVER_NEEDS_AUTH', `HTTP ${status}: authorization required`);
    if (spec.auth.type === 'apiKey') return failure('MCPGW_E_UPSTREAM_API_KEY', `the server rejected the API key (HTTP ${status})`);
    return failure('MCPGW_E_UPSTREAM_AUTH_REQUIRED', `the server requires authentication (HTTP ${status}); configure auth for it`);
  }
  if (status === 404 || status === 405)
    return failure('MCPGW_E_UPSTREAM_NOT_FOUND', `HTTP ${status}: no MCP endpoint at this URL (check the url and transport)`);
  if (status >= 500) return failure('MCPGW_E_UPSTREAM_SERVER_ERROR', `HTTP ${status} from the server`);
  return failure('MCPGW_E_UPSTREAM_HTTP_STATUS', `HTTP ${status} from the server`);
}

function fromStdio(err: unknown, spec: ServerSpec, transport: StdioProcessTransport): ConnectFailure | undefined {
  const errno = (err as NodeJS.ErrnoException)?.code;
  const command = spec.transport.kind === 'stdio' ? spec.transport.command : '';
  if (errno === 'ENOENT') return failure('MCPGW_E_UPSTREAM_COMMAND', `command "${command}" not found (is it installed and on PATH?)`);
  if (errno === 'EACCES') return failure('MCPGW_E_UPSTREAM_COMMAND', `command "${command}" is not executable`);
  // The transport stopped the server itself (a message over the cap): that is the reason, not the signal.
  if (transport.failure) return failure(transport.failure.code, transport.failure.message);
  if (transport.exit) {
    const how = transport.exit.signal ? `was killed by ${transport.exit.signal}` : `exited with code ${transport.exit.code}`;
    const said = transport.lastStderr.at(-1);
    return failure('MCPGW_E_UPSTREAM_EXITED', `the process ${how}${said ? `: ${said}` : ''}`);
  }
  return undefined;
}

/** How a failure to connect (or a lost connection) is reported and whether it is retried. */
export function classifyConnectError(err: unknown, spec: ServerSpec, transport?: unknown): ConnectFailure {
  const own = ownErrorIn(err);
  if (own) {
    // details.transient: a failure of something else that will pass (the OAuth token endpoint down).
    return failure(own.code, own.message, own.details?.transient === true || codeInfo(own.code).retry === true);
  }
  if (transport instanceof StdioProcessTransport) {
    const stdio = fromStdio(err, spec, transport);
    if (stdio) return stdio;
  }
  const status = httpStatusOf(err);
  if (status !== undefined) return fromStatus(status, spec);
  for (const e of chain(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    const network = NETWORK[code];
    if (network) return failure(network[0], network[1]);
    if (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))
      return failure('MCPGW_E_UPSTREAM_TLS', `TLS error: ${code}`);
  }
  if (err instanceof SdkError && err.code === SdkErrorCode.EraNegotiationFailed) {
    return failure('MCPGW_E_UPSTREAM_PROTOCOL', `protocol negotiation failed: ${err.message}`);
  }
  if (err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout) {
    return failure('MCPGW_E_SERVER_TIMEOUT', `did not answer the handshake in time: ${err.message}`);
  }
  if (err instanceof ProtocolError) return failure('MCPGW_E_UPSTREAM_INITIALIZE', `initialize failed: ${err.message}`);
  const message = (err as Error)?.message ?? String(err);
  const cause = (err as { cause?: { message?: string } })?.cause;
  const detail = cause?.message ? `${message}: ${cause.message}` : message;
  return failure(spec.transport.kind === 'stdio' ? 'MCPGW_E_UPSTREAM_EXITED' : 'MCPGW_E_UPSTREAM_UNREACHABLE', detail);
}

/**
 * Whether a call's failure means an OAuth server refused us mid-session (a token revoked, a
 * refresh refused, more scope needed), and why: the server then needs authorization again.
 */
export function authorizationLost(err: unknown, spec: ServerSpec): { code: Code; message: string } | undefined {
  if (spec.auth.type !== 'oauth') return undefined;
  const status = httpStatusOf(err);
  const own = ownErrorIn(err);
  if (!(status === 401 || status === 403 || own?.code === 'MCPGW_E_SERVER_NEEDS_AUTH')) return undefined;
  return { code: 'MCPGW_E_SERVER_NEEDS_AUTH', message: own?.message ?? `HTTP ${status}: authorization required` };
}
