import type { Tool } from '@modelcontextprotocol/client';

/**
 * SEP-2243 custom headers (2026-07-28, Streamable HTTP): a tool parameter whose schema has
 * `x-mcp-header: NAME` is mirrored into `Mcp-Param-NAME` on every `tools/call`, so that
 * intermediaries can route on it. Clients MUST send them; the SDK does so only in
 * `callTool`, and the gateway sends raw requests. Also the value encoding of `Mcp-Name`.
 */

const SENTINEL = /^=\?base64\?.*\?=$/;

/** A header value as is when it is plain visible ASCII, else the Base64 sentinel form. */
export function encodeHeaderValue(value: string): string {
  const plain = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value) && !SENTINEL.test(value);
  return plain ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** The inverse of encodeHeaderValue; undefined for a malformed sentinel. */
export function decodeHeaderValue(value: string): string | undefined {
  if (!value.startsWith('=?base64?') || !value.endsWith('?=')) return value;
  const body = value.slice(9, -2);
  // Strict Base64: whole quads, padding only at the end (SEP-2243 refuses anything looser).
  if (body.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return undefined;
  return Buffer.from(body, 'base64').toString('utf8');
}

type Annotated = { readonly path: readonly string[]; readonly header: string };

/** The annotated parameters of a schema: the chain of `properties` keys to each, and its header name. */
export function annotatedParams(schema: unknown, path: readonly string[] = []): Annotated[] {
  const properties = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!properties || typeof properties !== 'object') return [];
  const found: Annotated[] = [];
  for (const [key, sub] of Object.entries(properties)) {
    const header = (sub as { 'x-mcp-header'?: unknown } | undefined)?.['x-mcp-header'];
    if (typeof header === 'string') found.push({ path: [...path, key], header });
    found.push(...annotatedParams(sub, [...path, key]));
  }
  return found;
}

/** The instance value at a chain of `properties` keys (undefined when any step is missing). */
export function valueAt(args: unknown, path: readonly string[]): unknown {
  let value = args;
  for (const key of path) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function asHeaderText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** The Mcp-Param-* headers of a call of `tool` with `args` (absent and null values send none). */
export function paramHeaders(tool: Tool | undefined, args: unknown): Record<string, string> | undefined {
  if (!tool) return undefined;
  const headers: Record<string, string> = {};
  for (const { path, header } of annotatedParams(tool.inputSchema)) {
    const text = asHeaderText(valueAt(args, path));
    if (text !== undefined) headers[`mcp-param-${header.toLowerCase()}`] = encodeHeaderValue(text);
  }
  return Object.keys(headers).length > 0 ? headers : undefined;
}
