import type { Part } from './types.js';

/**
 * What counts as a secret in a client's file (issue 19): every value under a credential-like
 * name (an env variable, a header, a flag, a URL parameter), and anything that looks like a
 * token wherever it is. Both err on the side of caution: a false positive costs the user one
 * variable to set, a false negative puts a credential in a file that lives in git.
 */

/** Last words of a name whose value is about a credential, not the credential itself. */
const NOT_THE_SECRET = new Set([
  'FILE',
  'PATH',
  'URL',
  'URI',
  'DIR',
  'ENDPOINT',
  'HOST',
  'ID',
  'TYPE',
  'MODE',
  'METHOD',
  'NAME',
  'HEADER',
  'ENABLED',
  'PROVIDER',
  'EXPIRY',
  'EXPIRES',
  'TTL',
  'SCOPE',
  'SCOPES',
]);
const SECRET_WORDS = new Set([
  'TOKEN',
  'SECRET',
  'PASSWORD',
  'PASSWD',
  'PASSPHRASE',
  'CREDENTIAL',
  'CREDENTIALS',
  'APIKEY',
  'AUTHORIZATION',
  'AUTH',
  'COOKIE',
  'PAT',
  'KEY',
]);

/** The words of a name: X-Api-Key -> [X, API, KEY]; accessToken -> [ACCESS, TOKEN]. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
}

/** `*_KEY`, `*_TOKEN`, `*SECRET*`, `PASSWORD`, `Authorization`, `X-Api-Key`, `api_key`, ... */
export function isCredentialName(name: string): boolean {
  const w = words(name);
  if (w.length === 0 || NOT_THE_SECRET.has(w[w.length - 1]!)) return false;
  if (w.some((x) => x.includes('SECRET') || x.includes('PASSWORD') || x.includes('TOKEN'))) return true;
  if (w.some((x) => SECRET_WORDS.has(x) && x !== 'KEY')) return true;
  const last = w[w.length - 1]!;
  return last === 'KEY' || last.endsWith('APIKEY') || last === 'PASS' || last === 'PWD';
}

/** Tokens with a well-known shape (GitHub, OpenAI/Anthropic, Slack, GitLab, AWS, Google, npm, Hugging Face, JWT). */
const KNOWN_TOKENS = [
  /(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}/g,
  /github_pat_[A-Za-z0-9_]{20,}/g,
  /sk-[A-Za-z0-9_-]{16,}/g,
  /(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}/g,
  /xox[abposr]-[A-Za-z0-9-]{10,}/g,
  /xapp-[A-Za-z0-9-]{10,}/g,
  /glpat-[A-Za-z0-9_-]{20,}/g,
  /AKIA[0-9A-Z]{16}/g,
  /AIza[0-9A-Za-z_-]{35}/g,
  /npm_[A-Za-z0-9]{36}/g,
  /hf_[A-Za-z0-9]{30,}/g,
  /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
];

/** Runs of characters a token is made of. */
const RUN = /[A-Za-z0-9_\-+/=.~]+/g;

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

/** A long random string: an API key or token of an unknown service. */
function looksRandom(run: string, before: string): boolean {
  if (run.length < 24) return false;
  // Paths, host names, versions and package names have dots and slashes; base64 keys with
  // slashes are recognized by their + or trailing =.
  if (/[./]/.test(run) && !/[+]|=$/.test(run)) return false;
  // An image digest (name@sha256:...) is an identifier, not a credential.
  if (/sha(256|384|512):$/.test(before)) return false;
  const mixed = (s: string) => /[A-Za-z]/.test(s) && /[0-9]/.test(s);
  const segments = run.split(/[-_]/);
  const random = segments.length === 1 ? mixed(run) : segments.some((s) => s.length >= 8 && mixed(s));
  return random && entropy(run) >= 3.3;
}

/** [start, end) of every token-like substring. */
export function tokenRanges(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const re of KNOWN_TOKENS) for (const m of text.matchAll(re)) ranges.push([m.index, m.index + m[0].length]);
  // The password of a URL with credentials (postgresql://app:PASSWORD@host/db).
  for (const m of text.matchAll(/[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:@/]*:([^\s@/]+)@/g)) {
    const start = m.index + m[0].length - 1 - m[1]!.length;
    if (!ranges.some(([s, e]) => start < e && s < start + m[1]!.length)) ranges.push([start, start + m[1]!.length]);
  }
  for (const m of text.matchAll(RUN)) {
    const inside = ranges.some(([s, e]) => m.index < e && s < m.index + m[0].length);
    if (!inside && looksRandom(m[0], text.slice(0, m.index))) ranges.push([m.index, m.index + m[0].length]);
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

export interface SecretHint {
  /** The name the value is under (env key, header, flag, URL parameter), when it has one. */
  readonly key?: string;
  /** Base of the variable name. */
  readonly label: string;
  /** Whether the variable name starts with the server's name. */
  readonly scoped: boolean;
  /** Where the value was, for the report: "env GITHUB_TOKEN", "header Authorization". */
  readonly where: string;
  /** For a token inside a longer value: the label and scope of its variable (default: as above). */
  readonly partial?: { readonly label: string; readonly scoped: boolean };
}

const SCHEME = /^(Bearer|Basic|Token|Bot|token|bearer)(\s+)/;

/**
 * Replaces the secrets in a value by secret parts. Under a credential-like name a value that is
 * all text is a secret as a whole (after an auth scheme such as "Bearer "); otherwise, and
 * around placeholders, only token-like substrings are.
 */
export function protect(parts: readonly Part[], hint: SecretHint): Part[] {
  const secret = (value: string): Part => ({ kind: 'secret', value, label: hint.label, scoped: hint.scoped, where: hint.where });
  const allText = parts.every((p) => p.kind === 'text');
  if (allText && hint.key !== undefined && isCredentialName(hint.key)) {
    const text = parts.map((p) => (p as { text: string }).text).join('');
    if (text.trim() === '') return [...parts];
    const scheme = SCHEME.exec(text);
    if (scheme && text.length > scheme[0].length) return [{ kind: 'text', text: scheme[0] }, secret(text.slice(scheme[0].length))];
    return [secret(text)];
  }
  const inside = hint.partial ?? hint;
  const token = (value: string, label = inside.label, scoped = inside.scoped): Part => ({
    kind: 'secret',
    value,
    label,
    scoped,
    where: hint.where,
  });
  const out: Part[] = [];
  for (const part of parts) {
    if (part.kind !== 'text') {
      out.push(part);
      continue;
    }
    let last = 0;
    for (const [start, end] of tokenRanges(part.text)) {
      if (start < last) continue;
      if (start > last) out.push({ kind: 'text', text: part.text.slice(last, start) });
      // The password of a URL (scheme://user:PASSWORD@host) is named as one.
      const password = part.text[start - 1] === ':' && part.text[end] === '@';
      out.push(password ? token(part.text.slice(start, end), 'PASSWORD', true) : token(part.text.slice(start, end)));
      last = end;
    }
    if (last < part.text.length) out.push({ kind: 'text', text: part.text.slice(last) });
  }
  return out;
}

/** The variable-name form of any name: "X-Api-Key" -> "API_KEY" (a leading X- says nothing). */
export function envLabel(name: string): string {
  const w = words(name);
  if (w.length > 1 && w[0] === 'X') w.shift();
  if (w.length === 1 && w[0] === 'AUTHORIZATION') return 'TOKEN';
  return w.join('_') || 'SECRET';
}
