import { McpgwError, type Finding } from '../errors/error.js';
import { convertEntry } from './entry.js';
import { describe, isObject } from './entry-fields.js';
import { positionOf, parseTomlDocument, readText } from './read.js';
import type { Host } from './sources.js';
import type { Candidate, SourceFile, SourceResult } from './types.js';

/**
 * Codex's config.toml: [mcp_servers.NAME] tables. command/args/env/cwd, env_vars (variables
 * passed through: inheritEnv), url (Streamable HTTP) with bearer_token_env_var (an apiKey auth
 * with a $<env:> template), http_headers and env_http_headers, startup/tool timeouts, enabled,
 * enabled_tools/disabled_tools. TOML strings are taken as they are (Codex expands nothing).
 */
export function readCodex(source: SourceFile, host: Host): SourceResult[] {
  const text = readText(source);
  const root = parseTomlDocument(source, text) as Record<string, unknown>;
  const findings: Finding[] = [];
  const candidates: Candidate[] = [];
  const servers = root.mcp_servers;
  const at = (path: readonly (string | number)[]) => locateToml(text, path);
  if (servers !== undefined) {
    if (!isObject(servers)) {
      throw new McpgwError('MCPGW_E_IMPORT_FORMAT', `mcp_servers must be a table of servers, not ${describe(servers)}`, {
        hint: 'write each server as a [mcp_servers.NAME] table',
        location: { file: source.display, ...at(['mcp_servers']) },
      });
    }
    for (const [name, entry] of Object.entries(servers)) {
      const candidate = convertEntry(name, entry, {
        source,
        dialect: 'codex',
        placeholders: { syntax: 'none', home: host.home, workspace: host.cwd, inProject: false, file: source.path },
        path: ['mcp_servers', name],
        at,
        findings,
      });
      if (candidate) candidates.push(candidate);
    }
  }
  return [{ source, candidates, findings }];
}

/**
 * smol-toml gives no positions of values: a server's messages point at its table header
 * ([mcp_servers.NAME] or a dotted key), and a key inside it at the key's line when found.
 */
function locateToml(text: string, path: readonly (string | number)[]): { line: number; column: number } {
  const [, name, key] = path;
  if (name === undefined) {
    const i = text.search(/^\s*\[?\s*mcp_servers\b/m);
    return positionOf(text, Math.max(i, 0));
  }
  const quoted = `(?:${escape(String(name))}|"${escape(String(name))}"|'${escape(String(name))}')`;
  const header = new RegExp(`^[ \\t]*\\[[ \\t]*mcp_servers[ \\t]*\\.[ \\t]*${quoted}[ \\t]*\\]`, 'm').exec(text);
  const start = header?.index ?? text.search(new RegExp(`mcp_servers[ \\t]*\\.[ \\t]*${quoted}`));
  if (start < 0) return { line: 1, column: 1 };
  if (key !== undefined && header) {
    const rest = text.slice(header.index + header[0].length);
    const end = rest.search(/^[ \t]*\[/m);
    const body = end < 0 ? rest : rest.slice(0, end);
    const k = new RegExp(`^[ \\t]*${escape(String(key))}[ \\t]*=`, 'm').exec(body);
    if (k) return positionOf(text, header.index + header[0].length + k.index + (k[0].length - k[0].trimStart().length));
  }
  return positionOf(text, start + (text.slice(start).length - text.slice(start).trimStart().length));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
