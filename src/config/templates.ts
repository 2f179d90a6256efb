import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Code } from '../errors/codes.js';

/**
 * Templates in string values (SPEC section 2): $<env:NAME>, $<env:NAME:-fallback>,
 * $<file:PATH>, and $$< for a literal $<. Pure apart from the file reads, which go through
 * the context so a load can cache them and learn which files to watch.
 */

export type TemplateRef =
  { readonly kind: 'env'; readonly name: string; readonly fallback?: string } | { readonly kind: 'file'; readonly path: string };

/** A resolved value that came from the environment or a file: never shown, only its label. */
export interface Secret {
  readonly value: string;
  /** What to show instead: the template, e.g. $<env:SEARCH_API_KEY>. */
  readonly label: string;
}

export interface TemplateProblem {
  readonly code: Code;
  readonly message: string;
  readonly hint: string;
  /** Unresolvable input (unset variable, unreadable file), as opposed to a malformed template. */
  readonly missing: boolean;
}

export interface TemplateContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Folder that relative $<file:> paths are relative to. */
  readonly baseDir: string;
  /** Reads a file named by $<file:>; the default reads from disk. */
  readFile?(absolutePath: string): string;
  /** Every file a template named, readable or not (a reload watches them all). */
  readonly files?: Set<string>;
}

export interface TemplateResult {
  readonly value: string;
  readonly hasTemplate: boolean;
  readonly secrets: readonly Secret[];
  readonly problems: readonly TemplateProblem[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function labelOf(ref: TemplateRef): string {
  return ref.kind === 'env' ? `$<env:${ref.name}>` : `$<file:${ref.path}>`;
}

/** Resolves every template in one string value. Never throws: problems are returned. */
export function resolveTemplate(text: string, ctx: TemplateContext): TemplateResult {
  if (!text.includes('$<')) return { value: text, hasTemplate: false, secrets: [], problems: [] };
  let out = '';
  let hasTemplate = false;
  const secrets: Secret[] = [];
  const problems: TemplateProblem[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$$<', i)) {
      out += '$<';
      i += 3;
      continue;
    }
    if (!text.startsWith('$<', i)) {
      out += text[i];
      i += 1;
      continue;
    }
    hasTemplate = true;
    const end = text.indexOf('>', i + 2);
    if (end < 0) {
      problems.push(malformed(`unclosed template "${text.slice(i, i + 40)}"`, 'close it with ">" or write $$< for a literal "$<"'));
      break;
    }
    const body = text.slice(i + 2, end);
    i = end + 1;
    const ref = parseRef(body);
    if ('problem' in ref) {
      problems.push(ref.problem);
      continue;
    }
    const resolved = resolveRef(ref, ctx);
    if ('problem' in resolved) {
      problems.push(resolved.problem);
      continue;
    }
    out += resolved.value;
    if (resolved.secret && resolved.value !== '') secrets.push({ value: resolved.value, label: labelOf(ref) });
  }
  return { value: out, hasTemplate, secrets, problems };
}

function malformed(message: string, hint: string): TemplateProblem {
  return { code: 'MCPGW_E_CONFIG_TEMPLATE', message, hint, missing: false };
}

function parseRef(body: string): TemplateRef | { problem: TemplateProblem } {
  if (body.startsWith('env:')) {
    const rest = body.slice(4);
    const sep = rest.indexOf(':-');
    const name = sep < 0 ? rest : rest.slice(0, sep);
    if (!ENV_NAME.test(name)) {
      return {
        problem: malformed(
          `"$<${body}>" does not name a valid environment variable`,
          'write $<env:NAME> or $<env:NAME:-fallback>, NAME of letters, digits and _',
        ),
      };
    }
    return sep < 0 ? { kind: 'env', name } : { kind: 'env', name, fallback: rest.slice(sep + 2) };
  }
  if (body.startsWith('file:')) {
    const path = body.slice(5);
    if (path === '') return { problem: malformed('"$<file:>" names no file', "write $<file:PATH>, relative to the config file's folder") };
    return { kind: 'file', path };
  }
  return {
    problem: malformed(
      `unknown template "$<${body}>"`,
      'templates are $<env:NAME>, $<env:NAME:-fallback> and $<file:PATH>; write $$< for a literal "$<"',
    ),
  };
}

function resolveRef(ref: TemplateRef, ctx: TemplateContext): { value: string; secret: boolean } | { problem: TemplateProblem } {
  if (ref.kind === 'env') {
    const value = ctx.env[ref.name];
    if (value !== undefined && value !== '') return { value, secret: true };
    if (ref.fallback !== undefined) return { value: ref.fallback, secret: false };
    return {
      problem: {
        code: 'MCPGW_E_CONFIG_ENV',
        message: `environment variable ${ref.name} is ${value === undefined ? 'not set' : 'empty'}`,
        hint: `set ${ref.name}, or write $<env:${ref.name}:-fallback> for a default`,
        missing: true,
      },
    };
  }
  const path = isAbsolute(ref.path) ? ref.path : resolve(ctx.baseDir, ref.path);
  ctx.files?.add(path);
  try {
    const read = ctx.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
    return { value: read(path).replace(/\r?\n$/, ''), secret: true };
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'does not exist'
        : (err as NodeJS.ErrnoException).code === 'EISDIR'
          ? 'is a folder'
          : (err as NodeJS.ErrnoException).code === 'EACCES'
            ? 'is not readable (permission denied)'
            : 'cannot be read';
    return {
      problem: {
        code: 'MCPGW_E_CONFIG_FILE',
        message: `file ${path} named by $<file:${ref.path}> ${reason}`,
        hint: "create the file or fix the path (relative paths start at the config file's folder)",
        missing: true,
      },
    };
  }
}
