import { readFileSync, statSync } from 'node:fs';
import { parseTree, printParseErrorCode, findNodeAtLocation, getNodeValue, type Node, type ParseError } from 'jsonc-parser';
import { parse as parseToml, TomlError } from 'smol-toml';
import { McpgwError } from '../errors/error.js';
import type { SourceFile } from './types.js';

/**
 * Reading a client's file: a missing, unreadable, empty or malformed file is one located error
 * (file:line:column), and nothing is imported from any file.
 */

/** ~/.claude.json also keeps Claude Code's history: allow big files, not huge ones. */
const MAX_BYTES = 64 * 1024 * 1024;

export function readText(source: SourceFile): string {
  const fail = (message: string, hint: string, line?: number, column?: number): never => {
    throw new McpgwError('MCPGW_E_IMPORT_READ', message, { hint, location: { file: source.display, line, column } });
  };
  let buffer: Buffer;
  try {
    const stat = statSync(source.path);
    if (stat.isDirectory()) fail('is a folder, not a client config file', 'pass the JSON or TOML file itself');
    if (stat.size > MAX_BYTES) fail(`is ${Math.round(stat.size / 1024 / 1024)} MB, too big for a client config file`, 'check the path');
    buffer = readFileSync(source.path);
  } catch (err) {
    if (err instanceof McpgwError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail('no such file', `check the path, or name a client: --from ${CLIENT_LIST}`);
    if (code === 'EACCES') fail('permission denied', 'make the file readable by your user');
    fail(`cannot be read (${code ?? 'unknown error'})`, 'check the path and its permissions');
  }
  const nul = buffer!.indexOf(0);
  if (nul >= 0) {
    const pos = positionOf(buffer!.subarray(0, nul).toString('utf8'), nul);
    fail('is not a text file (it contains NUL bytes)', 'pass the JSON or TOML file itself', pos.line, pos.column);
  }
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer!);
  } catch {
    const loose = new TextDecoder('utf-8').decode(buffer!);
    const pos = positionOf(loose, loose.indexOf('\uFFFD'));
    fail('is not UTF-8 text', 'save the file as UTF-8', pos.line, pos.column);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') {
    throw new McpgwError('MCPGW_E_IMPORT_EMPTY', 'the file is empty', {
      hint: 'nothing to import: check that this is the client file with your servers',
      location: { file: source.display, line: 1, column: 1 },
    });
  }
  return text;
}

export const CLIENT_LIST = 'claude-desktop, claude-code, vscode, cursor, codex, gemini';

/** 1-based line and column of an offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

const JSON_ERRORS: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'a property name in double quotes is expected',
  ValueExpected: 'a value is expected',
  ColonExpected: 'a ":" is expected',
  CommaExpected: 'a "," is expected',
  CloseBraceExpected: 'a closing "}" is expected',
  CloseBracketExpected: 'a closing "]" is expected',
  EndOfFileExpected: 'unexpected text after the end of the document',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'unclosed comment',
  UnexpectedEndOfString: 'unclosed string',
  UnexpectedEndOfNumber: 'unfinished number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in a string (a raw line break or control character)',
};

/** A JSON (or JSONC: comments and trailing commas) document, with positions for messages. */
export interface JsonDocument {
  readonly value: unknown;
  /** Line and column of the value at `path` (or of its key, with `key`), for messages. */
  at(path: readonly (string | number)[], key?: boolean): { line: number; column: number };
  /** Keys of the object at `path` that appear more than once (the last one counts, as in JSON.parse). */
  duplicates(path: readonly (string | number)[]): Array<{ key: string; line: number; column: number }>;
}

export function parseJson(source: SourceFile, text: string): JsonDocument {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  if (errors.length > 0 || !tree) {
    const e = errors[0];
    const pos = positionOf(text, e?.offset ?? 0);
    const what = e ? (JSON_ERRORS[printParseErrorCode(e.error)] ?? printParseErrorCode(e.error)) : 'no JSON value';
    throw new McpgwError('MCPGW_E_IMPORT_PARSE', `invalid JSON: ${what}`, {
      hint: 'fix the file at this point (the client would not read it either)',
      location: { file: source.display, ...pos },
    });
  }
  return {
    value: getNodeValue(tree) as unknown,
    at(path, key = false) {
      let node: Node | undefined = findNodeAtLocation(tree, [...path]);
      if (key && node?.parent?.type === 'property') node = node.parent.children?.[0];
      return positionOf(text, node?.offset ?? 0);
    },
    duplicates(path) {
      const node = path.length === 0 ? tree : findNodeAtLocation(tree, [...path]);
      const seen = new Set<string>();
      const out: Array<{ key: string; line: number; column: number }> = [];
      for (const property of node?.type === 'object' ? (node.children ?? []) : []) {
        const keyNode = property.children?.[0];
        if (!keyNode || typeof keyNode.value !== 'string') continue;
        if (seen.has(keyNode.value)) out.push({ key: keyNode.value, ...positionOf(text, keyNode.offset) });
        seen.add(keyNode.value);
      }
      return out;
    },
  };
}

export function parseTomlDocument(source: SourceFile, text: string): unknown {
  try {
    return parseToml(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
      throw new McpgwError('MCPGW_E_IMPORT_PARSE', `invalid TOML: ${first}`, {
        hint: 'fix the file at this point (the client would not read it either)',
        location: { file: source.display, line: err.line, column: err.column },
      });
    }
    throw err;
  }
}
