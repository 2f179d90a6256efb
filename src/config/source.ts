import { readFileSync, statSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { Finding } from '../errors/error.js';

/** A config file parsed with its source positions kept, so any path can be located. */
export interface ConfigSource {
  readonly file: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** The document as plain data (aliases expanded), converted once. */
  readonly value: unknown;
}

export type PathSegment = string | number;

/** A config is a few KB; anything this big is the wrong file, not a config. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const YAML_HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'YAML indents with spaces only: replace the tabs',
  MULTIPLE_DOCS: 'keep one document: remove the "---" line and what follows it, or merge the two',
  BAD_INDENT: 'align the line with its siblings (YAML nesting is by indentation)',
  DUPLICATE_KEY: 'each key may appear once in a mapping: remove or rename one of them',
  MISSING_CHAR: 'close the quote or bracket that is left open',
  BLOCK_AS_IMPLICIT_KEY: 'indent the next line like its siblings, or quote a value that contains ": "',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; check the indentation and quotes',
  UNEXPECTED_TOKEN: 'check the quotes, brackets and indentation around this point',
};

/**
 * Reads and parses a config file; returns findings instead of throwing. With `text`, that is
 * the file's contents and nothing is read (`mcpgw import` checks a merge before writing it).
 */
export function readConfigSource(file: string, contents?: string): { source?: ConfigSource; findings: Finding[] } {
  if (contents !== undefined) return parseConfigText(file, contents);
  const fail = (message: string, hint: string, line?: number, column?: number) => ({
    findings: [{ code: 'MCPGW_E_CONFIG_READ' as const, severity: 'error' as const, message, hint, file, line, column }],
  });
  let buffer: Buffer;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) return fail('is a folder, not a config file', 'pass the YAML file itself, e.g. -c ./gateway.yaml');
    if (stat.size > MAX_CONFIG_BYTES) {
      return fail(`is ${(stat.size / 1024 / 1024).toFixed(1)} MB; a config file is at most 1 MB`, 'check that -c names your gateway.yaml');
    }
    buffer = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail('no such file', 'create it (see examples/gateway.yaml) or pass -c FILE or set MCPGW_CONFIG');
    if (code === 'EACCES') return fail('permission denied', 'make the file readable by the user running mcpgw');
    return fail(`cannot be read (${code ?? 'unknown error'})`, 'check the path and its permissions');
  }
  const nul = buffer.indexOf(0);
  if (nul >= 0) {
    const at = positionOfByte(buffer, nul);
    return fail('is not a text file (it contains NUL bytes)', 'check that -c names your gateway.yaml', at.line, at.column);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    // Point at the first byte that is not UTF-8 (a Latin-1 "é" is the usual one).
    const loose = new TextDecoder('utf-8').decode(buffer);
    const bad = loose.indexOf('\uFFFD');
    const line = loose.slice(0, bad).split('\n').length;
    const column = bad - loose.lastIndexOf('\n', bad - 1);
    return fail('is not UTF-8 text', 'save the file as UTF-8', line, column);
  }
  return parseConfigText(file, text);
}

function parseConfigText(file: string, text: string): { source?: ConfigSource; findings: Finding[] } {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true, keepSourceTokens: false });
  const findings: Finding[] = [];
  const seen = new Set<number>();
  for (const e of doc.errors) {
    // yaml often reports one mistake twice at the same offset (BLOCK_AS_IMPLICIT_KEY then
    // MULTILINE_IMPLICIT_KEY): one line per problem, the first is the clearer.
    if (seen.has(e.pos[0])) continue;
    seen.add(e.pos[0]);
    // yaml fills linePos only with prettyErrors (which also rewrites the message), so the
    // position comes from the line counter instead.
    const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    findings.push({
      code: 'MCPGW_E_CONFIG_PARSE',
      severity: 'error',
      message: describeYamlError(e.code, e.message, text, e.pos[0]),
      hint: YAML_HINTS[e.code] ?? 'fix the YAML syntax at this point',
      file,
      line: pos.line,
      column: pos.col,
    });
  }
  if (findings.length === 0) {
    // A list or mapping as a key ("? [a, b]") would be stringified by toJS, with a process
    // warning on stderr; no key of the format is like that.
    visit(doc, {
      Pair(_, pair) {
        if (pair.key === null || isScalar(pair.key)) return undefined;
        const pos = lines.linePos((pair.key as Node).range?.[0] ?? 0);
        findings.push({
          code: 'MCPGW_E_CONFIG_PARSE',
          severity: 'error',
          file,
          line: pos.line,
          column: pos.col,
          message: 'a key must be a plain name, not a list or mapping',
          hint: 'write the key as a name: "name: value"',
        });
        return visit.BREAK;
      },
    });
  }
  if (findings.length === 0 && (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null))) {
    findings.push({
      code: 'MCPGW_E_CONFIG_EMPTY',
      severity: 'error',
      message: text.trim() === '' ? 'the config file is empty' : 'the config file holds only comments',
      hint: 'start from examples/gateway.yaml: at least "version: 1"',
      file,
      line: 1,
      column: 1,
    });
  }
  if (findings.length > 0) return { findings };
  const converted = toValue(doc, lines, file);
  if ('finding' in converted) return { findings: [converted.finding] };
  return { source: { file, text, doc, lines, value: converted.value }, findings };
}

/**
 * Aliases are only checked when the document becomes data: an alias without an earlier
 * anchor, or a "billion laughs" alias bomb, throws there. Report it at the first alias.
 */
function toValue(doc: Document.Parsed, lines: LineCounter, file: string): { value: unknown } | { finding: Finding } {
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (err) {
    // The culprit: the first alias without an anchor before it, else the first alias.
    const aliases: Array<{ source: string; offset: number; resolved: boolean }> = [];
    visit(doc, {
      Alias(_, node) {
        aliases.push({ source: node.source, offset: node.range?.[0] ?? 0, resolved: node.resolve(doc) !== undefined });
      },
    });
    const culprit = aliases.find((a) => !a.resolved) ?? aliases[0];
    const offset = culprit?.offset ?? 0;
    const name = culprit?.source ?? '';
    const pos = lines.linePos(offset);
    const reason = String((err as Error)?.message ?? err).split('\n')[0]!;
    const [message, hint] = /Unresolved alias/.test(reason)
      ? [`invalid YAML: alias "*${name}" names no anchor defined before it`, `define "&${name}" before using "*${name}"`]
      : /Excessive alias count/.test(reason)
        ? ['invalid YAML: too many aliases (the document would expand enormously)', 'write the values out instead of nesting aliases']
        : [`invalid YAML: ${reason}`, 'fix the YAML at this point'];
    return { finding: { code: 'MCPGW_E_CONFIG_PARSE', severity: 'error', file, line: pos.line, column: pos.col, message, hint } };
  }
}

function describeYamlError(code: string, message: string, text: string, offset: number): string {
  if (code === 'DUPLICATE_KEY') {
    const key = /^\s*("[^"]*"|'[^']*'|[^:\n]+)/.exec(text.slice(offset))?.[1]?.trim();
    return key ? `duplicate key "${key.replace(/^["']|["']$/g, '')}"` : 'duplicate key';
  }
  if (code === 'TAB_AS_INDENT') return 'a tab is used for indentation';
  // yaml's wording for these names its own API or internals; say what the user did.
  if (code === 'MULTIPLE_DOCS') return 'the file holds more than one YAML document ("---")';
  if (code === 'BLOCK_AS_IMPLICIT_KEY')
    return 'invalid YAML: this value runs into a "key: value" (on this line or a more indented next line)';
  // yaml's own messages are one sentence; keep only the first line of it.
  const first = message
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+.*$/, '')
    .trim();
  return `invalid YAML: ${first.charAt(0).toLowerCase()}${first.slice(1)}`;
}

function positionOfByte(buffer: Buffer, index: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < index; i++)
    if (buffer[i] === 10) {
      line++;
      last = i;
    }
  return { line, column: index - last };
}

/**
 * The position of a config path: the value's node, or with `key` the key's node; for a path
 * that does not exist (a missing key) the deepest existing ancestor.
 */
export function locate(
  source: ConfigSource,
  path: readonly PathSegment[],
  options: { key?: boolean } = {},
): { line: number; column: number } {
  let node: unknown = source.doc.contents;
  let keyNode: unknown;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      keyNode = undefined;
      node = node.items[segment];
    } else {
      break;
    }
  }
  const target = (options.key && keyNode ? keyNode : (node ?? keyNode)) as Node | undefined;
  const offset = target?.range?.[0] ?? 0;
  const pos = source.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** servers.github.auth.scopes, args[2]. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
