import { formatPath, type PathSegment } from './source.js';
import { resolveTemplate, type Secret, type TemplateContext, type TemplateProblem } from './templates.js';

/** Values the SPEC says are not secrets even when they come from a template. */
const PUBLIC_PATHS = [
  /^gateway\.(listen|publicUrl|dataDir)$/,
  /^gateway\.auth\.oidc\.issuer$/,
  /^gateway\.audit\.file$/,
  /^servers\.[^.]+\.(command|cwd|url)$/,
];

export interface TemplateIssue {
  readonly path: readonly PathSegment[];
  readonly problem: TemplateProblem;
  /** The raw text of the value, templates unexpanded (safe to show). */
  readonly raw: string;
}

export interface ResolvedTree {
  readonly value: unknown;
  readonly secrets: readonly Secret[];
  /** formatPath -> raw text, for every value that held a template. */
  readonly templated: ReadonlyMap<string, string>;
  readonly issues: readonly TemplateIssue[];
  /** formatPath of values left unexpanded because a template failed; schema errors there are noise. */
  readonly unresolved: ReadonlySet<string>;
}

/**
 * Expands templates in every string value of a parsed document. A value that resolves to ''
 * is dropped (an optional key becomes absent, a list loses the item), per SPEC section 2.
 */
export function resolveTree(raw: unknown, ctx: TemplateContext): ResolvedTree {
  const secrets: Secret[] = [];
  const templated = new Map<string, string>();
  const issues: TemplateIssue[] = [];
  const unresolved = new Set<string>();
  const DROP = Symbol('drop');

  const walk = (value: unknown, path: PathSegment[]): unknown => {
    if (typeof value === 'string') {
      const result = resolveTemplate(value, ctx);
      if (!result.hasTemplate) return result.value;
      const key = formatPath(path);
      templated.set(key, value);
      if (result.problems.length > 0) {
        for (const problem of result.problems) issues.push({ path, problem, raw: value });
        unresolved.add(key);
        return value;
      }
      if (!PUBLIC_PATHS.some((re) => re.test(key))) {
        for (const secret of result.secrets) {
          if (!secrets.some((s) => s.value === secret.value && s.label === secret.label)) secrets.push(secret);
        }
      }
      return result.value === '' ? DROP : result.value;
    }
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      value.forEach((item, i) => {
        const next = walk(item, [...path, i]);
        if (next !== DROP) out.push(next);
      });
      return out;
    }
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const next = walk(v, [...path, k]);
        if (next !== DROP) out[k] = next;
      }
      return out;
    }
    return value;
  };

  const value = walk(raw, []);
  return { value: value === DROP ? '' : value, secrets, templated, issues, unresolved };
}
