import { basename } from 'node:path';
import type { Part } from './types.js';

/**
 * The placeholders clients expand in their server definitions, turned into parts:
 * environment variables become `env` parts (a `$<env:>` template of the same name), VS Code
 * inputs become `input` parts (a variable the user sets), folder variables become their value.
 * Placeholders a client does not expand stay text, as the client would pass them.
 */
export type Syntax =
  /** VS Code: ${env:X}, ${input:id}, ${workspaceFolder}, ${workspaceFolderBasename}, ${userHome}, ${pathSeparator}, ${/}. */
  | 'vscode'
  /** Cursor: the same without ${input:}. */
  | 'cursor'
  /** Claude Code: ${X} and ${X:-default}. */
  | 'claude-code'
  /** Gemini CLI: $X and ${X}. */
  | 'gemini'
  /** Claude Desktop, Codex: strings are taken as they are. */
  | 'none';

export interface PlaceholderContext {
  readonly syntax: Syntax;
  readonly home: string;
  /** What ${workspaceFolder} means: the project folder, else the working folder. */
  readonly workspace: string;
  /** Whether the file belongs to a project (else ${workspaceFolder} is only a guess). */
  readonly inProject: boolean;
  readonly file: string;
  /** VS Code's inputs of the file, by id. */
  readonly inputs?: ReadonlyMap<string, { readonly description?: string; readonly default?: string }>;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits one string value into parts; `warnings` name placeholders kept as text. */
export function toParts(text: string, ctx: PlaceholderContext): { parts: Part[]; warnings: string[] } {
  const parts: Part[] = [];
  const warnings: string[] = [];
  const pushText = (t: string) => {
    if (t === '') return;
    const last = parts[parts.length - 1];
    if (last?.kind === 'text') parts[parts.length - 1] = { kind: 'text', text: last.text + t };
    else parts.push({ kind: 'text', text: t });
  };
  if (ctx.syntax === 'none') {
    pushText(text);
    return { parts, warnings };
  }
  const pattern = ctx.syntax === 'gemini' ? /\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g : /\$\{([^}]*)\}/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    pushText(text.slice(last, match.index));
    last = match.index + match[0].length;
    const part = expand(match[1] ?? match[2]!, ctx);
    if (part === undefined) {
      warnings.push(`"${match[0]}" is kept as it is (not a placeholder mcpgw knows)`);
      pushText(match[0]);
    } else if (typeof part === 'string') {
      pushText(part);
    } else {
      parts.push(part);
    }
    if (part !== undefined && /^workspaceFolder/.test(match[1] ?? '') && !ctx.inProject) {
      warnings.push(`"${match[0]}" in a user-level file became the current folder, ${ctx.workspace}`);
    }
  }
  pushText(text.slice(last));
  return { parts, warnings };
}

function expand(body: string, ctx: PlaceholderContext): Part | string | undefined {
  if (ctx.syntax === 'claude-code' || ctx.syntax === 'gemini') {
    const sep = ctx.syntax === 'claude-code' ? body.indexOf(':-') : -1;
    const name = sep < 0 ? body : body.slice(0, sep);
    if (!ENV_NAME.test(name)) return undefined;
    const fallback = sep < 0 ? undefined : body.slice(sep + 2);
    // A fallback holding ">" cannot be written as $<env:NAME:-fallback>.
    if (fallback?.includes('>')) return undefined;
    return fallback === undefined ? { kind: 'env', name } : { kind: 'env', name, fallback };
  }
  if (body.startsWith('env:')) {
    const name = body.slice(4);
    return ENV_NAME.test(name) ? { kind: 'env', name } : undefined;
  }
  if (body.startsWith('input:') && ctx.syntax === 'vscode') {
    const id = body.slice(6);
    if (id === '') return undefined;
    const input = ctx.inputs?.get(id);
    const fallback = input?.default !== undefined && !input.default.includes('>') && input.default !== '' ? input.default : undefined;
    return { kind: 'input', id, file: ctx.file, description: input?.description, ...(fallback !== undefined ? { fallback } : {}) };
  }
  switch (body) {
    case 'workspaceFolder':
      return ctx.workspace;
    case 'workspaceFolderBasename':
      return basename(ctx.workspace);
    case 'userHome':
      return ctx.home;
    case 'pathSeparator':
    case '/':
      return '/';
    default:
      return undefined;
  }
}
