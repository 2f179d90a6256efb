import { ENV_NAME, isObject, merge, type EntryFields } from './entry-fields.js';
import { envLabel, isCredentialName, protect } from './credential-values.js';
import type { Candidate, Part, Value } from './types.js';

/**
 * The remote half of a server entry: its url (credentials in it become Basic auth, secrets in
 * its query become variables), the transport a client means by it, headers (an Authorization
 * header becomes auth), Codex's variables for headers and bearer token, Gemini's oauth.
 */

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

type Auth = Candidate['auth'];
type Writable = { -readonly [K in keyof Candidate]?: Candidate[K] };

export function remoteFields(
  f: EntryFields,
  rawUrl: string,
  isHttpUrl: boolean,
  type: 'sse' | 'streamable-http' | undefined,
): Partial<Candidate> {
  const urlKey = isHttpUrl ? 'httpUrl' : 'url';
  const out: Writable = {};
  const { url, auth: basic } = credentialsOut(rawUrl, urlKey);
  const urlValue = protectUrl(f, f.value(url, [urlKey]), urlKey);
  const text = urlValue.every((p) => p.kind === 'text') ? urlValue.map((p) => (p as { text: string }).text).join('') : undefined;
  if (text !== undefined && !/^https?:\/\/[^/\s]/i.test(text)) {
    throw f.error([urlKey], `${urlKey} "${text}" is not an absolute http:// or https:// URL`);
  }
  out.url = urlValue;
  if (isSse(f, rawUrl, isHttpUrl, type)) out.transport = 'sse';
  const { headers, auth } = headersOf(f, basic);
  if (headers.length > 0) out.headers = headers;
  const chosen = geminiOAuth(f) ?? auth;
  if (chosen) out.auth = chosen;
  return out;
}

/** Credentials in the URL: the gateway refuses them there; they become Basic auth. */
function credentialsOut(url: string, urlKey: string): { url: string; auth?: Auth } {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || !(parsed.username || parsed.password)) return { url };
  const basic = Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64');
  parsed.username = '';
  parsed.password = '';
  return {
    url: parsed.href,
    auth: {
      type: 'apiKey',
      value: [
        { kind: 'text', text: 'Basic ' },
        { kind: 'secret', value: basic, label: 'CREDENTIALS', scoped: true, where: `${urlKey} user:password` },
      ],
    },
  };
}

/** What the client means: its type, else Gemini's url (SSE) vs httpUrl, else a path ending in /sse. */
function isSse(f: EntryFields, rawUrl: string, isHttpUrl: boolean, type: 'sse' | 'streamable-http' | undefined): boolean {
  if (type !== undefined) return type === 'sse';
  if (f.ctx.dialect === 'gemini') return !isHttpUrl;
  if (f.ctx.dialect === 'codex') return false;
  return /\/sse\/?$/.test(URL.canParse(rawUrl) ? new URL(rawUrl).pathname : rawUrl);
}

/**
 * The headers, and the auth: `auth` (from the URL) if any, else the first Authorization
 * header; Codex's bearer_token_env_var wins over both.
 */
function headersOf(f: EntryFields, fromUrl: Auth): { headers: Array<readonly [string, Value]>; auth: Auth } {
  const { dialect } = f.ctx;
  const headers: Array<readonly [string, Value]> = [];
  let auth = fromUrl;
  const headerKey = dialect === 'codex' ? 'http_headers' : 'headers';
  for (const [k, v] of f.map(headerKey)) {
    if (!f.validKey(k, HEADER_NAME, headerKey, 'an HTTP header name')) continue;
    const value = f.value(v, [headerKey, k], { key: k, label: envLabel(k), scoped: true, where: `header ${k}` });
    if (k.toLowerCase() === 'authorization' && !auth) auth = { type: 'apiKey', value };
    else headers.push([k, value]);
  }
  if (dialect !== 'codex') return { headers, auth };
  for (const [k, v] of f.map('env_http_headers')) {
    if (!f.validKey(k, HEADER_NAME, 'env_http_headers', 'an HTTP header name')) continue;
    if (!ENV_NAME.test(v)) throw f.error(['env_http_headers', k], `"${v}" is not an environment variable name`);
    if (k.toLowerCase() === 'authorization' && !auth) auth = { type: 'apiKey', value: [{ kind: 'env', name: v }] };
    else headers.push([k, [{ kind: 'env', name: v }]]);
  }
  const bearer = f.optionalString('bearer_token_env_var');
  if (bearer === undefined) return { headers, auth };
  if (!ENV_NAME.test(bearer)) throw f.error(['bearer_token_env_var'], `"${bearer}" is not an environment variable name`);
  const value: Value = [
    { kind: 'text', text: 'Bearer ' },
    { kind: 'env', name: bearer },
  ];
  return { headers, auth: { type: 'apiKey', value } };
}

/** Gemini's oauth block (unless enabled: false): it wins over any other auth. */
function geminiOAuth(f: EntryFields): Auth {
  const o = f.entry.oauth;
  if (f.ctx.dialect !== 'gemini' || !isObject(o) || o.enabled === false) return undefined;
  const str = (k: string) => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : undefined);
  const clientId = str('clientId');
  const clientSecret = str('clientSecret');
  const scopes = Array.isArray(o.scopes) ? o.scopes.filter((s): s is string => typeof s === 'string') : undefined;
  const secretHint = { key: 'clientSecret', label: 'CLIENT_SECRET', scoped: true, where: 'oauth clientSecret' };
  return {
    type: 'oauth',
    ...(clientId !== undefined ? { clientId: f.value(clientId, ['oauth', 'clientId']) } : {}),
    ...(clientSecret !== undefined ? { clientSecret: f.value(clientSecret, ['oauth', 'clientSecret'], secretHint) } : {}),
    ...(scopes?.length ? { scopes } : {}),
  };
}

/** Query parameters under credential-like names are secrets (then tokens anywhere in the URL). */
function protectUrl(f: EntryFields, parts: Value, urlKey: string): Value {
  const out: Part[] = [];
  const token = { label: 'TOKEN', scoped: true, where: urlKey };
  for (const part of parts) {
    if (part.kind !== 'text' || !part.text.includes('?')) {
      out.push(...protect([part], token));
      continue;
    }
    const q = part.text.indexOf('?');
    out.push(...protect([{ kind: 'text', text: part.text.slice(0, q + 1) }], token));
    for (const pair of part.text.slice(q + 1).split(/(?=&)/)) {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? '' : decodeURIComponent(pair.slice(0, eq).replace(/^&/, ''));
      if (eq < 0 || !isCredentialName(name)) {
        out.push(...protect([{ kind: 'text', text: pair }], token));
        continue;
      }
      out.push({ kind: 'text', text: pair.slice(0, eq + 1) });
      const hint = { key: name, label: envLabel(name), scoped: true, where: `${urlKey} ?${name}` };
      out.push(...protect([{ kind: 'text', text: pair.slice(eq + 1) }], hint));
    }
  }
  if (out.some((p) => p.kind === 'secret')) {
    f.warn(
      'MCPGW_W_IMPORT_URL_SECRET',
      [urlKey],
      `the ${urlKey} of "${f.name}" holds a secret; it became a variable, but mcpgw shows urls in its log and /status`,
      'if the server also accepts the key in a header, move it to headers or auth',
    );
  }
  return merge(out);
}
