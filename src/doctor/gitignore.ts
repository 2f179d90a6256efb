import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';

/**
 * Whether a folder is inside a git work tree without being ignored (SPEC section 6: the
 * data dir next to a GitOps config must not be committed). Reads .gitignore files, the
 * repository's info/exclude and the global ignore file directly: doctor spawns nothing.
 * Tracked files and core.excludesFile set to another path are not looked at.
 */

/** The work tree containing `path` (the folder holding `.git`), if any. */
export function findWorkTree(path: string): string | undefined {
  let dir = path;
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export interface IgnoreRule {
  readonly negate: boolean;
  readonly regex: RegExp;
  /** Folder of the file the rule came from, relative to the work tree ('' for the root). */
  readonly base: string;
  readonly basenameOnly: boolean;
}

/** Parses one ignore file's text (gitignore(5) patterns). */
export function parseIgnore(text: string, base = ''): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (let line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    line = line.replace(/(?<!\\)\s+$/, '');
    let negate = false;
    if (line.startsWith('!')) {
      negate = true;
      line = line.slice(1);
    }
    line = line.replace(/^\\([#!])/, '$1').replace(/\/+$/, '');
    if (line === '') continue;
    const basenameOnly = !line.includes('/');
    const pattern = line.replace(/^\//, '');
    rules.push({ negate, regex: new RegExp(`^${globToRegex(pattern)}$`), base, basenameOnly });
  }
  return rules;
}

function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const slashAfter = glob[i + 2] === '/';
      out += slashAfter ? '(?:.*/)?' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        out += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) out += `\\${glob[++i]}`;
    else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return out;
}

/** Whether `rel` (a folder, relative to the work tree, '/'-separated) is ignored by `rules`. */
export function isIgnoredBy(rules: readonly IgnoreRule[], rel: string): boolean {
  const parts = rel.split('/').filter(Boolean);
  // git does not look inside an ignored folder: an ignored ancestor ignores everything below.
  for (let n = 1; n <= parts.length; n++) {
    const path = parts.slice(0, n).join('/');
    let ignored = false;
    for (const rule of rules) {
      if (rule.base && !path.startsWith(`${rule.base}/`)) continue;
      const local = rule.base ? path.slice(rule.base.length + 1) : path;
      const subject = rule.basenameOnly ? local.slice(local.lastIndexOf('/') + 1) : local;
      if (rule.regex.test(subject)) ignored = !rule.negate;
    }
    if (ignored) return true;
  }
  return false;
}

/** The verdict for a folder: outside any work tree, ignored, or tracked-able (the problem). */
export function gitStatusOf(
  folder: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { tree?: string; ignored: boolean } {
  const tree = findWorkTree(folder);
  if (!tree) return { ignored: false };
  const rel = relative(tree, folder).split(sep).join('/');
  if (rel === '' || rel.startsWith('..')) return { tree, ignored: false };
  const rules: IgnoreRule[] = [];
  const globalFile = join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'git', 'ignore');
  rules.push(...parseIgnore(readText(globalFile)));
  const gitDir = join(tree, '.git');
  if (isDir(gitDir)) rules.push(...parseIgnore(readText(join(gitDir, 'info', 'exclude'))));
  const parts = rel.split('/');
  for (let n = 0; n < parts.length; n++) {
    const base = parts.slice(0, n).join('/');
    rules.push(...parseIgnore(readText(join(tree, base, '.gitignore')), base));
  }
  return { tree, ignored: isIgnoredBy(rules, rel) };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
