import { CLIENT_CAPABILITIES_META_KEY, LOG_LEVEL_META_KEY, TRACEPARENT_META_KEY, type Tool } from '@modelcontextprotocol/client';
import type { ServerSpec } from '../config/types.js';
import { GATEWAY_CLIENT_CAPABILITIES } from './client.js';
import { paramHeaders } from './headers.js';
import type { CallOptions, Era } from './types.js';

/**
 * What a call sends in each era. A modern server gets the downstream caller's capabilities
 * and log level in the request's `_meta` (the SDK adds the version and client info, and
 * keys given here win), and over HTTP the Mcp-Param-* headers of the tool's annotated
 * parameters. Both eras get the caller's `traceparent` (SEP-414), and over HTTP also its
 * `traceparent` header (W3C Trace Context), for proxies and servers that read only that.
 */
export function outgoingParams(
  era: Era,
  spec: ServerSpec,
  method: string,
  params: Record<string, unknown> | undefined,
  options: CallOptions,
  tools: readonly Tool[],
): { params: Record<string, unknown> | undefined; headers?: Record<string, string> } {
  const extra: Record<string, unknown> = {};
  if (options.traceparent) extra[TRACEPARENT_META_KEY] = options.traceparent;
  if (era === 'modern') {
    extra[CLIENT_CAPABILITIES_META_KEY] = options.clientCapabilities ?? GATEWAY_CLIENT_CAPABILITIES;
    if (options.logLevel) extra[LOG_LEVEL_META_KEY] = options.logLevel;
  }
  const withMeta =
    Object.keys(extra).length === 0
      ? params
      : { ...params, _meta: { ...(params?._meta as Record<string, unknown> | undefined), ...extra } };
  const trace = options.traceparent && spec.transport.kind === 'http' ? { traceparent: options.traceparent } : undefined;
  if (era !== 'modern' || method !== 'tools/call' || spec.transport.kind !== 'http') return { params: withMeta, headers: trace };
  const tool = tools.find((t) => t.name === params?.name);
  const headers = paramHeaders(tool, params?.arguments);
  return { params: withMeta, headers: trace ? { ...headers, ...trace } : headers };
}
