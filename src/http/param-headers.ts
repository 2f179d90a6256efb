import type { IncomingMessage } from 'node:http';
import type { Tool } from '@modelcontextprotocol/client';
import { McpgwError } from '../errors/error.js';
import { annotatedParams, decodeHeaderValue, valueAt } from '../upstream/headers.js';

/** The tools a profile exposes (exposed names), for the checks below. */
/** The tools a caller (identity name) sees on a profile: perUser members make them differ by identity. */
export type ToolLookup = (profile: string, identity: string) => readonly Tool[];

/** A catalog's tools by name, made once per catalog (a new catalog is a new array). */
const byName = new WeakMap<readonly Tool[], Map<string, Tool>>();

function toolNamed(tools: readonly Tool[], name: unknown): Tool | undefined {
  let index = byName.get(tools);
  if (!index) byName.set(tools, (index = new Map(tools.map((t) => [t.name, t]))));
  return typeof name === 'string' ? index.get(name) : undefined;
}

function same(header: string, value: unknown): boolean {
  if (typeof value === 'number') return Number(header) === value;
  if (typeof value === 'boolean') return header === String(value);
  return header === value;
}

/**
 * SEP-2243 custom headers, checked where the gateway reads the body: for a `tools/call` of
 * a tool whose schema marks parameters with `x-mcp-header`, each `Mcp-Param-NAME` header must
 * be present exactly when the argument is, and say the same (after Base64 decoding). A
 * mismatch is -32020 on 400, so that what an intermediary routed on is what runs.
 */
export function checkParamHeaders(
  req: IncomingMessage,
  method: string,
  params: Record<string, unknown>,
  tools: readonly Tool[],
): McpgwError | undefined {
  if (method !== 'tools/call') return undefined;
  const tool = toolNamed(tools, params.name);
  if (!tool) return undefined;
  for (const { path, header: name } of annotatedParams(tool.inputSchema)) {
    const value = valueAt(params.arguments, path);
    const raw = req.headers[`mcp-param-${name.toLowerCase()}`] as string | undefined;
    const present = value !== undefined && value !== null;
    if (!present && raw === undefined) continue;
    if (present && raw === undefined)
      return new McpgwError(
        'MCPGW_E_MCP_HEADER_MISMATCH',
        `Header mismatch: the Mcp-Param-${name} header is required (the argument ${path.join('.')} is set)`,
      );
    const decoded = raw === undefined ? undefined : decodeHeaderValue(raw);
    if (decoded === undefined)
      return new McpgwError('MCPGW_E_MCP_HEADER_MISMATCH', `Header mismatch: the Mcp-Param-${name} header is not valid`);
    if (!present || !same(decoded, value))
      return new McpgwError(
        'MCPGW_E_MCP_HEADER_MISMATCH',
        `Header mismatch: the Mcp-Param-${name} header does not match the argument ${path.join('.')}`,
      );
  }
  return undefined;
}
