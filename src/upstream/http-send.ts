import {
  extractWWWAuthenticateParams,
  isInitializedNotification,
  PROTOCOL_VERSION_META_KEY,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  type JSONRPCMessage,
  type TransportSendOptions,
} from '@modelcontextprotocol/client';
import type { FetchLike } from './http-fetch.js';
import { responseHeader } from './http-fetch.js';
import { isJsonAnswer, isSseContentType, parseAnswer } from './http-answer.js';

/**
 * The SDK transport's `_send` (@modelcontextprotocol/client 2.4, index.mjs) for the messages of
 * every call: one message, not `initialize`, without a 2026-07-28 `_meta` envelope, no
 * resumption, on a transport without the SDK's auth provider or `requestInit` (mcpgw adds its
 * auth in the fetch: transports.ts). For those the SDK's `isInitializeRequest` and
 * `isJSONRPCRequest` (zod; the first fails on every call and builds a ZodError), its web
 * `Headers` and its zod parse of a JSON answer do nothing this does not do with a plain record
 * and `parseAnswer`. Everything else, and `send` when the internals are missing, is the SDK's.
 */

/** The SDK internals used (private by convention, not #private). */
export interface SendInternals {
  _abortController?: AbortController;
  _authProvider?: unknown;
  _requestInit?: unknown;
  _sessionId?: string;
  _protocolVersion?: string;
  _url: URL;
  _fetch?: FetchLike;
  _redirects(fetch: FetchLike): FetchLike;
  _unfollowedRedirect(url: URL, response: Response): string | undefined;
  _stepUpAuthorize(challenge: Record<string, unknown>, stepUpRetries: number): Promise<string>;
  _send(message: JSONRPCMessage, options: TransportSendOptions | undefined, isAuthRetry: boolean, stepUpRetries?: number): Promise<void>;
  _startOrAuthSse(options: { resumptionToken?: string }): Promise<void>;
  _handleSseStream(stream: unknown, options: Record<string, unknown>, isReconnectable: boolean): void;
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
}

// Headers the per-request `headers` option may not set (the SDK's RESERVED_REQUEST_HEADER_NAMES).
const RESERVED = new Set(['authorization', 'dpop', 'content-type', 'mcp-protocol-version', 'mcp-method', 'mcp-name', 'mcp-session-id']);

/** Whether the SDK's `_send` would do for `message` only what `plainSend` does. */
export function takesPlainSend(t: SendInternals, message: JSONRPCMessage, options?: TransportSendOptions): boolean {
  if (Array.isArray(message) || options?.resumptionToken || t._authProvider || t._requestInit) return false;
  const m = message as { method?: unknown; params?: { _meta?: Record<string, unknown> } };
  if (m.method === 'initialize') return false;
  return typeof m.params?._meta?.[PROTOCOL_VERSION_META_KEY] !== 'string';
}

function requestHeaders(t: SendInternals, options?: TransportSendOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  if (t._sessionId) headers['mcp-session-id'] = t._sessionId;
  if (t._protocolVersion) headers['mcp-protocol-version'] = t._protocolVersion;
  if (options?.headers !== undefined) {
    for (const [name, value] of Object.entries(options.headers)) {
      const lower = name.toLowerCase();
      if (!RESERVED.has(lower)) headers[lower] = String(value).trim();
    }
  }
  headers['content-type'] = 'application/json';
  const accept = headers.accept;
  headers.accept = accept
    ? [...new Set([...accept.split(',').map((s) => s.trim().toLowerCase()), 'application/json', 'text/event-stream'])].join(', ')
    : 'application/json, text/event-stream';
  return headers;
}

function combinedSignal(t: SendInternals, requestSignal?: AbortSignal): AbortSignal | undefined {
  const transportSignal = t._abortController?.signal;
  return requestSignal !== undefined && transportSignal !== undefined
    ? AbortSignal.any([transportSignal, requestSignal])
    : (requestSignal ?? transportSignal);
}

export async function plainSend(t: SendInternals, message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
  try {
    const init = {
      method: 'POST',
      headers: requestHeaders(t, options),
      body: JSON.stringify(message),
      signal: combinedSignal(t, options?.requestSignal),
    };
    const response = await t._redirects(t._fetch ?? fetch)(t._url, init);
    if (!response.ok) return await refused(t, response, message, options);
    if (response.status === 202) {
      await response.text?.().catch(() => {});
      if ((message as { method?: string }).method === 'notifications/initialized' && isInitializedNotification(message))
        t._startOrAuthSse({ resumptionToken: undefined }).catch((error) => t.onerror?.(error));
      return;
    }
    const m = message as { method?: unknown; id?: unknown };
    if (!('method' in m && 'id' in m && m.id !== undefined)) return void (await response.text?.().catch(() => {}));
    const contentType = responseHeader(response, 'content-type');
    if (isSseContentType(contentType)) {
      const sse = {
        onresumptiontoken: options?.onresumptiontoken,
        requestSignal: options?.requestSignal,
        onRequestStreamEnd: options?.onRequestStreamEnd,
      };
      return t._handleSseStream(response.body, sse, false);
    }
    if (isJsonAnswer(contentType)) {
      const data: unknown = await response.json();
      const messages = Array.isArray(data) ? data.map(parseAnswer) : [parseAnswer(data)];
      for (const msg of messages) t.onmessage?.(msg);
      return;
    }
    await response.text?.().catch(() => {});
    throw new SdkError(SdkErrorCode.ClientHttpUnexpectedContent, `Unexpected content type: ${contentType}`, { contentType });
  } catch (error) {
    if (options?.requestSignal?.aborted !== true) t.onerror?.(error as Error);
    throw error;
  }
}

/** A non-2xx answer, as the SDK reads it without an auth provider (its 401 retry and the 2026 400 body do not apply). */
async function refused(t: SendInternals, response: Response, message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
  const text = await response.text?.().catch(() => null);
  if (response.status === 403) {
    const { resourceMetadataUrl, scope, error, errorDescription } = extractWWWAuthenticateParams(response);
    if (error === 'insufficient_scope') {
      // Without the SDK's OAuth provider this throws its InsufficientScopeError, as the SDK's _send does.
      await t._stepUpAuthorize({ scope, resourceMetadataUrl, errorDescription, statusText: response.statusText, text }, 0);
      return t._send(message, options, false, 1);
    }
  }
  const reason = t._unfollowedRedirect(t._url, response) ?? text;
  throw new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${reason}`, {
    status: response.status,
    statusText: response.statusText,
    text,
  });
}
