import { parseJson, readText } from './read.js';
import { requireObject, serversAt } from './json-servers.js';
import type { Host } from './sources.js';
import type { SourceFile, SourceResult } from './types.js';

/**
 * Gemini CLI's settings.json: mcpServers, where `url` is an SSE endpoint and `httpUrl` a
 * Streamable HTTP one; strings may name variables as $X or ${X}; timeout is in milliseconds;
 * includeTools/excludeTools filter tools.
 */
export function readGemini(source: SourceFile, host: Host): SourceResult[] {
  const doc = parseJson(source, readText(source));
  requireObject(doc, source);
  return [
    serversAt(doc, ['mcpServers'], source, 'gemini', {
      syntax: 'gemini',
      home: host.home,
      workspace: source.workspace ?? host.cwd,
      inProject: source.workspace !== undefined,
      file: source.path,
    }),
  ];
}
