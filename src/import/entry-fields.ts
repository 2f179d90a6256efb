import { isAbsolute, resolve } from 'node:path';
import { formatPath, type PathSegment } from '../config/source.js';
import { McpgwError, type Finding } from '../errors/error.js';
import { toParts, type PlaceholderContext } from './placeholders.js';
import { protect, type SecretHint } from './credential-values.js';
import type { Part, SourceFile, Value } from './types.js';

/**
 * Reading the fields of one server entry of a client's file: typed accessors that throw a
 * located MCPGW_E_IMPORT_FORMAT for a wrong type, string values with their placeholders
 * expanded and secrets taken out, and the warnings (findings) about what is left out.
 * entry.ts (stdio and the common keys) and entry-remote.ts (url, headers, auth) use them.
 */

/**
 * One server entry of a client's file -> a Candidate. The keys of every client are known here
 * (they overlap: command/args/env/cwd/url/headers everywhere); `dialect` says which client's
 * meaning applies where they differ (Gemini's url is SSE; Codex has its own key names).
 */
export type Dialect = 'json' | 'gemini' | 'codex';

export interface EntryContext {
  readonly source: SourceFile;
  readonly dialect: Dialect;
  readonly placeholders: PlaceholderContext;
  /** Path of the entry in the file (mcpServers.github). */
  readonly path: readonly PathSegment[];
  /** Position of a path in the file, for messages. */
  at(path: readonly PathSegment[], key?: boolean): { line: number; column: number };
  readonly findings: Finding[];
}

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class EntryFields {
  readonly entry: Record<string, unknown>;

  constructor(
    readonly name: string,
    raw: unknown,
    readonly ctx: EntryContext,
  ) {
    if (!isObject(raw)) throw this.error([], `server "${name}" must be an object, not ${describe(raw)}`);
    this.entry = raw;
  }

  /** A string value: placeholders expanded, secrets (per `hint`) taken out. */
  value(text: string, path: readonly PathSegment[], hint?: SecretHint): Value {
    const { parts, warnings } = toParts(text, this.ctx.placeholders);
    for (const w of warnings) this.warn('MCPGW_W_IMPORT_PLACEHOLDER', path, w);
    return merge(hint ? protect(parts, hint) : parts);
  }

  /** A relative path the client resolved against its working folder, made absolute. */
  pathValue(value: Value, always = false): Value {
    if (value.length !== 1 || value[0]!.kind !== 'text') return value;
    const text = value[0].text;
    if (isAbsolute(text) || (!always && !text.includes('/'))) return value;
    return [{ kind: 'text', text: resolve(this.ctx.placeholders.workspace, text) }];
  }

  optionalString(key: string): string | undefined {
    const v = this.entry[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw this.error([key], `${key} must be a string, not ${describe(v)}`);
    if (v.trim() === '') throw this.error([key], `${key} is empty`);
    return v;
  }

  /** A list of strings (numbers and booleans written without quotes are taken as text). */
  list(key: string, scalars = false): string[] {
    const v = this.entry[key];
    if (!Array.isArray(v)) throw this.error([key], `${key} must be a list of strings, not ${describe(v)}`);
    return v.map((item, i) => {
      if (typeof item === 'string') return item;
      if (scalars && (typeof item === 'number' || typeof item === 'boolean')) return String(item);
      throw this.error([key, i], `${key}[${i}] must be a string, not ${describe(item)}`);
    });
  }

  /** A map of strings (numbers and booleans taken as text); absent is empty. */
  map(key: string): Array<[string, string]> {
    const v = this.entry[key];
    if (v === undefined || v === null) return [];
    if (!isObject(v)) throw this.error([key], `${key} must be an object, not ${describe(v)}`);
    return Object.entries(v).map(([k, item]) => {
      if (typeof item === 'string') return [k, item];
      if (typeof item === 'number' || typeof item === 'boolean') return [k, String(item)];
      throw this.error([key, k], `${key}.${k} must be a string, not ${describe(item)}`);
    });
  }

  validKey(key: string, pattern: RegExp, where: string, what: string): boolean {
    if (pattern.test(key)) return true;
    this.warn('MCPGW_W_IMPORT_IGNORED', [where, key], `"${key}" in ${where} of "${this.name}" is not ${what}; left out`);
    return false;
  }

  skip(why: string): undefined {
    this.warn(
      'MCPGW_W_IMPORT_SKIPPED',
      [],
      `"${this.name}" skipped: ${why}`,
      'add it to gateway.yaml by hand if mcpgw can reach it another way',
      true,
    );
    return undefined;
  }

  warn(code: Finding['code'], sub: readonly PathSegment[], message: string, hint?: string, key = false): void {
    const path = [...this.ctx.path, ...sub];
    this.ctx.findings.push({
      code,
      severity: 'warning',
      message,
      ...(hint ? { hint } : {}),
      file: this.ctx.source.display,
      ...this.ctx.at(path, key || sub.length === 0),
      path: formatPath(path),
    });
  }

  error(sub: readonly PathSegment[], message: string, key = false): McpgwError {
    const path = [...this.ctx.path, ...sub];
    return new McpgwError('MCPGW_E_IMPORT_FORMAT', message, {
      hint: 'fix the entry in the client file (or leave it out), then import again',
      location: { file: this.ctx.source.display, ...this.ctx.at(path, key || sub.length === 0), path: formatPath(path) },
    });
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the text "${v.length > 30 ? `${v.slice(0, 30)}...` : v}"`;
  return `${typeof v === 'number' ? 'the number' : typeof v === 'boolean' ? 'the boolean' : typeof v} ${String(v)}`;
}

/** Adjacent text parts joined. */
export function merge(parts: readonly Part[]): Part[] {
  const out: Part[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (p.kind === 'text' && last?.kind === 'text') out[out.length - 1] = { kind: 'text', text: last.text + p.text };
    else if (!(p.kind === 'text' && p.text === '')) out.push(p);
  }
  return out;
}
