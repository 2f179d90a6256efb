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

/** RFC 9110 section 5.1 field-name token (`1*tchar`): no space, control character (CR, LF), delimiter or non-ASCII. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** The only types an annotated parameter may have (2026-07-28: `number` is not permitted). */
const HEADER_TYPES = new Set(['string', 'integer', 'boolean']);
/** Keywords whose subschemas are not statically reachable: an annotation under them makes the tool invalid. */
const UNREACHABLE_ONE = [
  'items',
  'contains',
  'additionalProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
];
const UNREACHABLE_MANY = ['prefixItems', 'oneOf', 'anyOf', 'allOf'];
const UNREACHABLE_MAP = ['patternProperties', 'dependentSchemas', '$defs', 'definitions'];

/**
 * Why a tool's `x-mcp-header` annotations are invalid, or undefined when they are fine
 * (2026-07-28 Streamable HTTP, "Schema Extension"): each value a non-empty token,
 * case-insensitively unique in the schema, only on a string, integer or boolean property
 * that a chain of `properties` keys alone reaches from the root (not through `items`,
 * composition, conditionals, `$defs`/`$ref`). A client on Streamable HTTP MUST leave such a
 * tool out of `tools/list`. Pure; the first fault found is the reason.
 */
export function invalidHeaderAnnotation(schema: unknown): string | undefined {
  const seen = new Map<string, string>();
  const where = (path: readonly string[]) => (path.length > 0 ? `property "${path.join('.')}"` : 'the schema root');
  const visit = (node: unknown, path: readonly string[], reachable: boolean): string | undefined => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
    const s = node as Record<string, unknown>;
    if ('x-mcp-header' in s) {
      const header = s['x-mcp-header'];
      const named = `x-mcp-header ${typeof header === 'string' && header !== '' ? `${JSON.stringify(header)} ` : ''}of ${where(path)}`;
      if (!reachable || path.length === 0) return `${named}: only properties reached through "properties" alone may carry one`;
      if (typeof header !== 'string' || header === '') return `${named} is empty`;
      if (!TOKEN.test(header)) return `${named} is not an HTTP header token`;
      if (typeof s.type !== 'string' || !HEADER_TYPES.has(s.type))
        return `${named} is on type ${JSON.stringify(s.type ?? null)} (only string, integer and boolean properties may carry one)`;
      const before = seen.get(header.toLowerCase());
      if (before !== undefined) return `${named} repeats ${JSON.stringify(before)} (header names are case-insensitive)`;
      seen.set(header.toLowerCase(), header);
    }
    const children: Array<[unknown, string, boolean]> = [];
    const props = s.properties;
    if (props && typeof props === 'object') for (const [key, sub] of Object.entries(props)) children.push([sub, key, reachable]);
    for (const k of UNREACHABLE_ONE) if (k in s) children.push([s[k], `<${k}>`, false]);
    for (const k of UNREACHABLE_MANY) if (Array.isArray(s[k])) for (const sub of s[k] as unknown[]) children.push([sub, `<${k}>`, false]);
    for (const k of UNREACHABLE_MAP) {
      const map = s[k];
      if (map && typeof map === 'object') for (const sub of Object.values(map)) children.push([sub, `<${k}>`, false]);
    }
    // `items` may be an array of schemas (draft 2019-09 and earlier).
    if (Array.isArray(s.items)) for (const sub of s.items) children.push([sub, '<items>', false]);
    for (const [sub, key, ok] of children) {
      const fault = visit(sub, [...path, key], ok);
      if (fault) return fault;
    }
    return undefined;
  };
  return visit(schema, [], true);
}

/** The tools whose annotations are valid; `excluded` hears of each one left out, with the reason. */
export function screenTools(tools: readonly Tool[], excluded: (tool: Tool, reason: string) => void): Tool[] {
  return tools.filter((tool) => {
    const reason = invalidHeaderAnnotation(tool.inputSchema);
    if (reason) excluded(tool, reason);
    return !reason;
  });
}

/** Per input schema (a tool list's schemas are replaced, never edited): checked on every call of the tool. */
const annotatedCache = new WeakMap<object, readonly Annotated[]>();

/** The annotated parameters of a schema: the chain of `properties` keys to each, and its header name. */
export function annotatedParams(schema: unknown): readonly Annotated[] {
  if (!schema || typeof schema !== 'object') return [];
  let found = annotatedCache.get(schema);
  if (!found) annotatedCache.set(schema, (found = findAnnotated(schema, [])));
  return found;
}

function findAnnotated(schema: unknown, path: readonly string[]): Annotated[] {
  const properties = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!properties || typeof properties !== 'object') return [];
  const found: Annotated[] = [];
  for (const [key, sub] of Object.entries(properties)) {
    const header = (sub as { 'x-mcp-header'?: unknown } | undefined)?.['x-mcp-header'];
    if (typeof header === 'string') found.push({ path: [...path, key], header });
    found.push(...findAnnotated(sub, [...path, key]));
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
