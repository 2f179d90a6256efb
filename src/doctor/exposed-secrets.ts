/**
 * Spotting secrets where they do not belong (SPEC section 2): in `args` (visible to every
 * user in `ps`) and written literally in the config file (committed to git). Pure; every
 * result names a template, a flag or a position, never the value.
 */

const TEMPLATE = /\$<(env|file):([^>:]+)(?::-[^>]*)?>/g;
const SECRET_WORD = /(token|secret|passw(or)?d|passphrase|api[-_]?key|apikey|access[-_]?key|private[-_]?key|credential|auth)/i;
/** Well-known token shapes (GitHub, OpenAI/Anthropic-style, Slack, AWS, GitLab, Google). */
const TOKEN_SHAPE =
  /^(gh[pousr]_[A-Za-z0-9]{16,}|github_pat_\w{20,}|sk-[A-Za-z0-9_-]{16,}|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|glpat-[A-Za-z0-9_-]{16,}|AIza[0-9A-Za-z_-]{30,})$/;

/** The templates in a raw value, as labels: `$<env:NAME>`, `$<file:PATH>`. */
export function templateLabels(raw: string): string[] {
  return [...raw.matchAll(TEMPLATE)].filter((m) => m.index === 0 || raw[m.index - 1] !== '$').map((m) => `$<${m[1]}:${m[2]}>`);
}

export function hasTemplate(raw: unknown): boolean {
  return typeof raw === 'string' && templateLabels(raw).length > 0;
}

/** Whether a name (flag, header, variable) says it holds a secret. */
export function looksSecretName(name: string): boolean {
  return SECRET_WORD.test(name);
}

export interface ArgSecret {
  readonly index: number;
  /** What was seen, safe to print: the template labels or the flag name. */
  readonly what: string;
}

/** Secrets in a stdio server's args as written (templates unexpanded). */
export function findArgSecrets(rawArgs: readonly unknown[]): ArgSecret[] {
  const found: ArgSecret[] = [];
  rawArgs.forEach((arg, index) => {
    if (typeof arg !== 'string') return;
    const labels = templateLabels(arg);
    const previous = typeof rawArgs[index - 1] === 'string' ? (rawArgs[index - 1] as string) : '';
    if (labels.length > 0) {
      // $<env:LOG_LEVEL> in args is fine; a template after a secret-sounding flag, or whose
      // variable sounds secret, is not. A $<file:> in args is always file contents on the command line.
      const named = labels.some((l) => l.startsWith('$<file:') || looksSecretName(l)) || looksSecretFlag(arg) || looksSecretFlag(previous);
      if (named) found.push({ index, what: labels.join(', ') });
      return;
    }
    const eq = /^(--?[A-Za-z][\w-]*)=(.+)$/.exec(arg);
    if (eq && looksSecretName(eq[1]!) && !/^(true|false|\d+)$/.test(eq[2]!)) {
      found.push({ index, what: `a literal value for ${eq[1]}` });
    } else if (looksSecretFlag(previous) && !previous.includes('=') && !arg.startsWith('-')) {
      found.push({ index, what: `a literal value after ${previous}` });
    } else if (TOKEN_SHAPE.test(arg) || /^Bearer\s+\S{8,}$/.test(arg)) {
      found.push({ index, what: 'a literal value that looks like a token' });
    }
  });
  return found;
}

function looksSecretFlag(arg: string): boolean {
  const flag = /^--?([A-Za-z][\w-]*)/.exec(arg)?.[1];
  return flag !== undefined && looksSecretName(flag) && !/^(auth[-_]?(type|mode|method|url|server))$/i.test(flag);
}

/** A literal (not templated, not empty) value, where the config expects a secret. */
export function isLiteralSecret(raw: unknown): boolean {
  return typeof raw === 'string' && raw.trim() !== '' && !raw.includes('$<');
}
