import { formatPath, type PathSegment } from '../config/source.js';
import type { Finding } from '../errors/error.js';
import { McpgwError } from '../errors/error.js';
import { convertEntry } from './entry.js';
import { describe, isObject, type Dialect } from './entry-fields.js';
import type { PlaceholderContext } from './placeholders.js';
import type { JsonDocument } from './read.js';
import type { Candidate, SourceFile, SourceResult } from './types.js';

/**
 * The servers of a JSON client file under one key (mcpServers, servers): each entry through
 * convertEntry, with positions from the JSON document.
 */
export function serversAt(
  doc: JsonDocument,
  path: readonly PathSegment[],
  source: SourceFile,
  dialect: Dialect,
  placeholders: PlaceholderContext,
): SourceResult {
  const findings: Finding[] = [];
  const candidates: Candidate[] = [];
  const map = valueAt(doc.value, path);
  if (map === undefined || map === null) return { source, candidates, findings };
  if (!isObject(map)) {
    throw new McpgwError('MCPGW_E_IMPORT_FORMAT', `${path.join('.')} must be an object of servers by name, not ${describe(map)}`, {
      hint: 'fix the file (the client would not read it either), then import again',
      location: { file: source.display, ...doc.at(path) },
    });
  }
  for (const dup of doc.duplicates(path)) {
    findings.push({
      code: 'MCPGW_W_IMPORT_DUPLICATE',
      severity: 'warning',
      message: `server "${dup.key}" is defined more than once; the last definition counts, as for the client`,
      hint: 'remove the definitions the client ignores',
      file: source.display,
      line: dup.line,
      column: dup.column,
      path: formatPath([...path, dup.key]),
    });
  }
  for (const [name, entry] of Object.entries(map)) {
    const candidate = convertEntry(name, entry, {
      source,
      dialect,
      placeholders,
      path: [...path, name],
      at: (p, key) => doc.at(p, key),
      findings,
    });
    if (candidate) candidates.push(candidate);
  }
  return { source, candidates, findings };
}

export function valueAt(value: unknown, path: readonly PathSegment[]): unknown {
  let v = value;
  for (const segment of path) {
    if (!isObject(v)) return undefined;
    v = v[String(segment)];
  }
  return v;
}

/** The top level must be an object. */
export function requireObject(doc: JsonDocument, source: SourceFile): Record<string, unknown> {
  if (!isObject(doc.value)) {
    throw new McpgwError('MCPGW_E_IMPORT_FORMAT', `the file must hold a JSON object, not ${describe(doc.value)}`, {
      hint: 'check that this is the client config file',
      location: { file: source.display, ...doc.at([]) },
    });
  }
  return doc.value;
}
