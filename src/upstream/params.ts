import { CLIENT_CAPABILITIES_META_KEY, LOG_LEVEL_META_KEY, TRACEPARENT_META_KEY, type Tool } from '@modelcontextprotocol/client';
import type { ServerSpec } from '../config/types.js';
import { GATEWAY_CLIENT_CAPABILITIES } from './client.js';
import { paramHeaders } from './headers.js';
import type { CallOptions, Era } from './types.js';

/**
 * What a call sends in each era. A modern server gets the downstream caller's capabilities
 * and log level in the request's `_meta` (the SDK adds the version and client info, and
 * keys given here win), and over HTTP the Mcp-Param-* headers of the tool's annotated
 * parameters. Both eras get the caller's `traceparent` (SEP-414).
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
  if (era !== 'modern' || method !== 'tools/call' || spec.transport.kind !== 'http') return { params: withMeta };
  const tool = tools.find((t) => t.name === params?.name);
  return { params: withMeta, headers: paramHeaders(tool, params?.arguments) };
}
