import { parseJson, readText } from './read.js';
import { serversAt, requireObject } from './json-servers.js';
import type { PlaceholderContext } from './placeholders.js';
import type { Host } from './sources.js';
import type { SourceFile, SourceResult } from './types.js';

/**
 * The "mcpServers" files: Claude Desktop (claude_desktop_config.json, which expands no
 * placeholders), Cursor (mcp.json: ${env:X}, ${userHome}, ${workspaceFolder}) and Claude Code
 * (~/.claude.json and .mcp.json: ${X} and ${X:-default}). ~/.claude.json holds the user's
 * servers at the top and each project's local ones under projects["/path"].mcpServers: the
 * working folder's are imported too.
 */
export function readClaudeFormat(source: SourceFile, host: Host): SourceResult[] {
  const doc = parseJson(source, readText(source));
  const root = requireObject(doc, source);
  const syntax = source.format === 'cursor' ? 'cursor' : source.format === 'claude-code' ? 'claude-code' : 'none';
  const placeholders = (workspace: string | undefined): PlaceholderContext => ({
    syntax,
    home: host.home,
    workspace: workspace ?? host.cwd,
    inProject: workspace !== undefined,
    file: source.path,
  });
  const results = [serversAt(doc, ['mcpServers'], source, 'json', placeholders(source.workspace))];
  if (source.format === 'claude-code' && !source.workspace) {
    const projects = root.projects as Record<string, unknown> | undefined;
    if (projects && typeof projects === 'object' && host.cwd in projects) {
      const local: SourceFile = { ...source, label: `${source.label}, local to ${host.cwd}`, workspace: host.cwd };
      results.push(serversAt(doc, ['projects', host.cwd, 'mcpServers'], local, 'json', placeholders(host.cwd)));
    }
  }
  return results;
}
