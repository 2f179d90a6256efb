import { McpgwError } from '../errors/error.js';
import { describe, isObject } from './entry-fields.js';
import { parseJson, readText, type JsonDocument } from './read.js';
import { requireObject, serversAt, valueAt } from './json-servers.js';
import type { Host } from './sources.js';
import type { SourceFile, SourceResult } from './types.js';

/**
 * VS Code: mcp.json (.vscode/mcp.json in a workspace, or the user's) with `servers` and
 * `inputs`, or the user's settings.json with the same under `mcp`. Both are JSONC (comments,
 * trailing commas). ${input:id} becomes a variable the user sets (its description and default
 * come from `inputs`); ${env:X}, ${workspaceFolder} and ${userHome} are expanded.
 */
export function readVscode(source: SourceFile, host: Host): SourceResult[] {
  const doc = parseJson(source, readText(source));
  const root = requireObject(doc, source);
  const dotted = source.format === 'vscode-settings' && root['mcp.servers'] !== undefined;
  const base = source.format === 'vscode-settings' && !dotted ? ['mcp'] : [];
  const serversPath = dotted ? ['mcp.servers'] : [...base, 'servers'];
  const inputsPath = dotted ? ['mcp.inputs'] : [...base, 'inputs'];
  return [
    serversAt(doc, serversPath, source, 'json', {
      syntax: 'vscode',
      home: host.home,
      workspace: source.workspace ?? host.cwd,
      inProject: source.workspace !== undefined,
      file: source.path,
      inputs: inputsOf(doc, inputsPath, source),
    }),
  ];
}

function inputsOf(doc: JsonDocument, path: string[], source: SourceFile): Map<string, { description?: string; default?: string }> {
  const inputs = new Map<string, { description?: string; default?: string }>();
  const list = valueAt(doc.value, path);
  if (list === undefined) return inputs;
  if (!Array.isArray(list)) {
    throw new McpgwError('MCPGW_E_IMPORT_FORMAT', `${path.join('.')} must be a list of inputs, not ${describe(list)}`, {
      hint: 'fix the file (VS Code would not read it either), then import again',
      location: { file: source.display, ...doc.at(path) },
    });
  }
  for (const input of list) {
    if (!isObject(input) || typeof input.id !== 'string') continue;
    inputs.set(input.id, {
      ...(typeof input.description === 'string' ? { description: input.description } : {}),
      ...(typeof input.default === 'string' ? { default: input.default } : {}),
    });
  }
  return inputs;
}
