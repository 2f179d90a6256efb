import { isAbsolute, resolve } from 'node:path';
import { formatPath, type PathSegment } from '../config/source.js';
import { McpgwError, type Finding } from '../errors/error.js';
import { toParts, type PlaceholderContext } from './placeholders.js';
import { envLabel, isCredentialName, protect, type SecretHint } from './secrets.js';
import type { Candidate, Part, SourceFile, Value } from './types.js';

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

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FLAG = /^--?([A-Za-z][\w-]*)$/;
const FLAG_VALUE = /^(--?[A-Za-z][\w-]*=)(.*)$/s;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*=)(.*)$/s;

/** Keys read for each dialect; any other key is reported as not carried over. */
const KEYS: Record<Dialect, readonly string[]> = {
  json: ['type', 'transport', 'transportType', 'command', 'args', 'env', 'cwd', 'url', 'headers', 'disabled', 'enabled'],
  gemini: ['type', 'command', 'args', 'env', 'cwd', 'url', 'httpUrl', 'headers', 'timeout', 'includeTools', 'excludeTools', 'oauth'],
  codex: [
    'command',
    'args',
    'env',
    'env_vars',
    'cwd',
    'url',
    'bearer_token_env_var',
    'http_headers',
    'env_http_headers',
    'startup_timeout_sec',
    'startup_timeout_ms',
    'tool_timeout_sec',
    'enabled',
    'enabled_tools',
    'disabled_tools',
  ],
};

/** Converts one entry; undefined when it is skipped (with a warning in ctx.findings). */
export function convertEntry(name: string, raw: unknown, ctx: EntryContext): Candidate | undefined {
  const c = new EntryReader(name, raw, ctx);
  return c.read();
}

class EntryReader {
  private readonly entry: Record<string, unknown>;

  constructor(
    private readonly name: string,
    raw: unknown,
    private readonly ctx: EntryContext,
  ) {
    if (!isObject(raw)) throw this.error([], `server "${name}" must be an object, not ${describe(raw)}`);
    this.entry = raw;
  }

  read(): Candidate | undefined {
    const e = this.entry;
    const { dialect } = this.ctx;
    const type = this.transportType();
    if (type === null) return undefined;
    const httpUrl = dialect === 'gemini' ? this.optionalString('httpUrl') : undefined;
    const url = this.optionalString('url') ?? httpUrl;
    const command = this.optionalString('command');
    if (command !== undefined && url !== undefined) {
      throw this.error([], `server "${this.name}" has both command and ${httpUrl !== undefined ? 'httpUrl' : 'url'}`, true);
    }
    if (command === undefined && url === undefined) {
      if (e.tcp !== undefined) return this.skip('a WebSocket (tcp) server: mcpgw speaks stdio, Streamable HTTP and SSE');
      throw this.error([], `server "${this.name}" has neither command nor url`, true);
    }
    if (command !== undefined && type !== undefined && type !== 'stdio') {
      throw this.error(['type'], `server "${this.name}" has type "${String(e.type ?? e.transport ?? e.transportType)}" but a command`);
    }
    if (url !== undefined && type === 'stdio') throw this.error(['type'], `server "${this.name}" has type "stdio" but a url`);

    const base = {
      name: this.name,
      source: this.ctx.source,
      ...this.ctx.at(this.ctx.path, true),
      ...this.common(),
    };
    const candidate: Candidate =
      command !== undefined
        ? { ...base, ...this.stdio(command) }
        : { ...base, ...this.remote(url!, httpUrl !== undefined, type === 'stdio' ? undefined : type) };
    this.reportIgnored();
    return candidate;
  }

  /** 'stdio' | 'sse' | 'streamable-http', undefined when not said, null when unsupported (skipped). */
  private transportType(): 'stdio' | 'sse' | 'streamable-http' | undefined | null {
    if (this.ctx.dialect === 'codex') return undefined;
    const key = ['type', 'transport', 'transportType'].find((k) => this.entry[k] !== undefined);
    if (key === undefined) return undefined;
    const value = this.entry[key];
    if (typeof value !== 'string') throw this.error([key], `${key} must be a string, not ${describe(value)}`);
    const t = value.toLowerCase().replace(/[-_]/g, '');
    if (t === 'stdio') return 'stdio';
    if (t === 'sse') return 'sse';
    if (t === 'http' || t === 'streamablehttp') return 'streamable-http';
    this.skip(`transport "${value}" is not supported (mcpgw speaks stdio, Streamable HTTP and SSE)`);
    return null;
  }

  private stdio(command: string): Partial<Candidate> {
    const e = this.entry;
    const out: { -readonly [K in keyof Candidate]?: Candidate[K] } = {};
    out.command = this.pathValue(this.value(command, ['command']));
    if (e.args !== undefined) {
      const args = this.list('args', true);
      out.args = args.map((arg, i) => this.argValue(arg, args[i - 1], i));
    }
    const env = this.map('env').map(
      ([k, v]) =>
        [
          k,
          this.value(v, ['env', k], { key: k, label: k, scoped: false, where: `env ${k}`, partial: { label: 'TOKEN', scoped: true } }),
        ] as const,
    );
    out.env = env.filter(([k]) => this.validKey(k, ENV_NAME, 'env', 'an environment variable name'));
    if (this.ctx.dialect === 'codex' && e.env_vars !== undefined) {
      out.inheritEnv = this.list('env_vars').filter((n) => this.validKey(n, ENV_NAME, 'env_vars', 'an environment variable name'));
    }
    const cwd = this.optionalString('cwd');
    if (cwd !== undefined) out.cwd = this.pathValue(this.value(cwd, ['cwd']), true);
    // The client started project servers in the project folder; the gateway would start them in
    // the config's folder.
    else if (this.ctx.source.workspace) out.cwd = [{ kind: 'text', text: this.ctx.source.workspace }];
    return out;
  }

  private remote(rawUrl: string, isHttpUrl: boolean, type: 'sse' | 'streamable-http' | undefined): Partial<Candidate> {
    const { dialect } = this.ctx;
    const urlKey = isHttpUrl ? 'httpUrl' : 'url';
    const out: { -readonly [K in keyof Candidate]?: Candidate[K] } = {};
    let url = rawUrl;
    let auth: Candidate['auth'];
    // Credentials in the URL: the gateway refuses them there; they become Basic auth.
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (parsed && (parsed.username || parsed.password)) {
      const basic = Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64');
      parsed.username = '';
      parsed.password = '';
      url = parsed.href;
      auth = {
        type: 'apiKey',
        value: [
          { kind: 'text', text: 'Basic ' },
          { kind: 'secret', value: basic, label: 'CREDENTIALS', scoped: true, where: `${urlKey} user:password` },
        ],
      };
    }
    const urlValue = this.urlValue(this.value(url, [urlKey]), urlKey);
    const text = urlValue.every((p) => p.kind === 'text') ? urlValue.map((p) => (p as { text: string }).text).join('') : undefined;
    if (text !== undefined && !/^https?:\/\/[^/\s]/i.test(text)) {
      throw this.error([urlKey], `${urlKey} "${text}" is not an absolute http:// or https:// URL`);
    }
    out.url = urlValue;
    const sse =
      type !== undefined
        ? type === 'sse'
        : dialect === 'gemini'
          ? !isHttpUrl
          : dialect === 'codex'
            ? false
            : /\/sse\/?$/.test(URL.canParse(rawUrl) ? new URL(rawUrl).pathname : rawUrl);
    if (sse) out.transport = 'sse';

    const headers: Array<readonly [string, Value]> = [];
    const headerKey = dialect === 'codex' ? 'http_headers' : 'headers';
    for (const [k, v] of this.map(headerKey)) {
      if (!this.validKey(k, HEADER_NAME, headerKey, 'an HTTP header name')) continue;
      const authorization = k.toLowerCase() === 'authorization';
      const value = this.value(v, [headerKey, k], { key: k, label: envLabel(k), scoped: true, where: `header ${k}` });
      if (authorization && !auth) auth = { type: 'apiKey', value };
      else headers.push([k, value]);
    }
    if (dialect === 'codex') {
      for (const [k, v] of this.map('env_http_headers')) {
        if (!this.validKey(k, HEADER_NAME, 'env_http_headers', 'an HTTP header name')) continue;
        if (!ENV_NAME.test(v)) throw this.error(['env_http_headers', k], `"${v}" is not an environment variable name`);
        if (k.toLowerCase() === 'authorization' && !auth) auth = { type: 'apiKey', value: [{ kind: 'env', name: v }] };
        else headers.push([k, [{ kind: 'env', name: v }]]);
      }
      const bearer = this.optionalString('bearer_token_env_var');
      if (bearer !== undefined) {
        if (!ENV_NAME.test(bearer)) throw this.error(['bearer_token_env_var'], `"${bearer}" is not an environment variable name`);
        auth = {
          type: 'apiKey',
          value: [
            { kind: 'text', text: 'Bearer ' },
            { kind: 'env', name: bearer },
          ],
        };
      }
    }
    if (headers.length > 0) out.headers = headers;
    if (dialect === 'gemini' && isObject(this.entry.oauth) && this.entry.oauth.enabled !== false) {
      const o = this.entry.oauth;
      const str = (k: string) => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : undefined);
      const clientId = str('clientId');
      const clientSecret = str('clientSecret');
      const scopes = Array.isArray(o.scopes) ? o.scopes.filter((s): s is string => typeof s === 'string') : undefined;
      auth = {
        type: 'oauth',
        ...(clientId !== undefined ? { clientId: this.value(clientId, ['oauth', 'clientId']) } : {}),
        ...(clientSecret !== undefined
          ? {
              clientSecret: this.value(clientSecret, ['oauth', 'clientSecret'], {
                key: 'clientSecret',
                label: 'CLIENT_SECRET',
                scoped: true,
                where: 'oauth clientSecret',
              }),
            }
          : {}),
        ...(scopes?.length ? { scopes } : {}),
      };
    }
    if (auth) out.auth = auth;
    return out;
  }

  /** enabled, timeouts, tool filters. */
  private common(): Partial<Candidate> {
    const e = this.entry;
    const out: { -readonly [K in keyof Candidate]?: Candidate[K] } = {};
    if (e.disabled === true || e.enabled === false) out.enabled = false;
    const timeouts: { connect?: string; call?: string } = {};
    if (this.ctx.dialect === 'gemini' && e.timeout !== undefined) timeouts.call = this.duration('timeout', 1);
    if (this.ctx.dialect === 'codex') {
      if (e.startup_timeout_sec !== undefined) timeouts.connect = this.duration('startup_timeout_sec', 1000);
      else if (e.startup_timeout_ms !== undefined) timeouts.connect = this.duration('startup_timeout_ms', 1);
      if (e.tool_timeout_sec !== undefined) timeouts.call = this.duration('tool_timeout_sec', 1000);
    }
    if (timeouts.connect || timeouts.call) out.timeouts = timeouts;
    const [allowKey, denyKey] = this.ctx.dialect === 'gemini' ? ['includeTools', 'excludeTools'] : ['enabled_tools', 'disabled_tools'];
    if (this.ctx.dialect !== 'json') {
      const allow = e[allowKey] !== undefined ? this.list(allowKey) : undefined;
      const deny = e[denyKey] !== undefined ? this.list(denyKey) : undefined;
      if (allow || deny) out.tools = { ...(allow ? { allow } : {}), ...(deny ? { deny } : {}) };
    }
    return out;
  }

  /** A number of units (1 = milliseconds, 1000 = seconds) as a duration of the schema. */
  private duration(key: string, msPerUnit: number): string {
    const value = this.entry[key];
    if (typeof value !== 'number' || !(value > 0)) throw this.error([key], `${key} must be a positive number, not ${describe(value)}`);
    const ms = Math.round(value * msPerUnit);
    return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
  }

  /** An argument; a secret after a credential-like flag (--api-key X, --token=X, API_KEY=X) is one whole. */
  private argValue(arg: string, previous: string | undefined, i: number): Value {
    const where = `args[${i}]`;
    const split = FLAG_VALUE.exec(arg) ?? ASSIGNMENT.exec(arg);
    if (split) {
      const key = split[1]!.replace(/^-+|=$/g, '');
      const hint: SecretHint = { key, label: envLabel(key), scoped: !ASSIGNMENT.test(arg), where };
      return [{ kind: 'text', text: split[1]! }, ...this.value(split[2]!, ['args', i], hint)];
    }
    const flag = previous !== undefined ? FLAG.exec(previous)?.[1] : undefined;
    const hint: SecretHint = flag ? { key: flag, label: envLabel(flag), scoped: true, where } : { label: 'TOKEN', scoped: true, where };
    return this.value(arg, ['args', i], hint);
  }

  /** Query parameters under credential-like names are secrets (then tokens anywhere in the URL). */
  private urlValue(parts: Value, urlKey: string): Value {
    const out: Part[] = [];
    for (const part of parts) {
      if (part.kind !== 'text' || !part.text.includes('?')) {
        out.push(...protect([part], { label: 'TOKEN', scoped: true, where: urlKey }));
        continue;
      }
      const q = part.text.indexOf('?');
      out.push(...protect([{ kind: 'text', text: part.text.slice(0, q + 1) }], { label: 'TOKEN', scoped: true, where: urlKey }));
      part.text
        .slice(q + 1)
        .split(/(?=&)/)
        .forEach((pair) => {
          const eq = pair.indexOf('=');
          const name = eq < 0 ? '' : decodeURIComponent(pair.slice(0, eq).replace(/^&/, ''));
          if (eq < 0 || !isCredentialName(name)) {
            out.push(...protect([{ kind: 'text', text: pair }], { label: 'TOKEN', scoped: true, where: urlKey }));
            return;
          }
          out.push({ kind: 'text', text: pair.slice(0, eq + 1) });
          out.push(
            ...protect([{ kind: 'text', text: pair.slice(eq + 1) }], {
              key: name,
              label: envLabel(name),
              scoped: true,
              where: `${urlKey} ?${name}`,
            }),
          );
        });
    }
    if (out.some((p) => p.kind === 'secret')) {
      this.warn(
        'MCPGW_W_IMPORT_URL_SECRET',
        [urlKey],
        `the ${urlKey} of "${this.name}" holds a secret; it became a variable, but mcpgw shows urls in its log and /status`,
        'if the server also accepts the key in a header, move it to headers or auth',
      );
    }
    return merge(out);
  }

  /** A string value: placeholders expanded, secrets (per `hint`) taken out. */
  private value(text: string, path: readonly PathSegment[], hint?: SecretHint): Value {
    const { parts, warnings } = toParts(text, this.ctx.placeholders);
    for (const w of warnings) this.warn('MCPGW_W_IMPORT_PLACEHOLDER', path, w);
    return merge(hint ? protect(parts, hint) : parts);
  }

  /** A relative path the client resolved against its working folder, made absolute. */
  private pathValue(value: Value, always = false): Value {
    if (value.length !== 1 || value[0]!.kind !== 'text') return value;
    const text = value[0].text;
    if (isAbsolute(text) || (!always && !text.includes('/'))) return value;
    return [{ kind: 'text', text: resolve(this.ctx.placeholders.workspace, text) }];
  }

  private optionalString(key: string): string | undefined {
    const v = this.entry[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw this.error([key], `${key} must be a string, not ${describe(v)}`);
    if (v.trim() === '') throw this.error([key], `${key} is empty`);
    return v;
  }

  /** A list of strings (numbers and booleans written without quotes are taken as text). */
  private list(key: string, scalars = false): string[] {
    const v = this.entry[key];
    if (!Array.isArray(v)) throw this.error([key], `${key} must be a list of strings, not ${describe(v)}`);
    return v.map((item, i) => {
      if (typeof item === 'string') return item;
      if (scalars && (typeof item === 'number' || typeof item === 'boolean')) return String(item);
      throw this.error([key, i], `${key}[${i}] must be a string, not ${describe(item)}`);
    });
  }

  /** A map of strings (numbers and booleans taken as text); absent is empty. */
  private map(key: string): Array<[string, string]> {
    const v = this.entry[key];
    if (v === undefined || v === null) return [];
    if (!isObject(v)) throw this.error([key], `${key} must be an object, not ${describe(v)}`);
    return Object.entries(v).map(([k, item]) => {
      if (typeof item === 'string') return [k, item];
      if (typeof item === 'number' || typeof item === 'boolean') return [k, String(item)];
      throw this.error([key, k], `${key}.${k} must be a string, not ${describe(item)}`);
    });
  }

  private validKey(key: string, pattern: RegExp, where: string, what: string): boolean {
    if (pattern.test(key)) return true;
    this.warn('MCPGW_W_IMPORT_IGNORED', [where, key], `"${key}" in ${where} of "${this.name}" is not ${what}; left out`);
    return false;
  }

  private reportIgnored(): void {
    const known = KEYS[this.ctx.dialect];
    const ignored = Object.keys(this.entry).filter((k) => !known.includes(k));
    if (ignored.length === 0) return;
    const hint =
      ignored.includes('envFile') || ignored.includes('env_file')
        ? 'set the variables of the env file in the server\'s "env" (with $<env:NAME> for secrets)'
        : 'mcpgw has no equivalent; see docs/configuration.md for what a server can have';
    this.warn('MCPGW_W_IMPORT_IGNORED', [], `"${this.name}": ${ignored.map((k) => `"${k}"`).join(', ')} not carried over`, hint, true);
  }

  private skip(why: string): undefined {
    this.warn(
      'MCPGW_W_IMPORT_SKIPPED',
      [],
      `"${this.name}" skipped: ${why}`,
      'add it to gateway.yaml by hand if mcpgw can reach it another way',
      true,
    );
    return undefined;
  }

  private warn(code: Finding['code'], sub: readonly PathSegment[], message: string, hint?: string, key = false): void {
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

  private error(sub: readonly PathSegment[], message: string, key = false): McpgwError {
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
function merge(parts: readonly Part[]): Part[] {
  const out: Part[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (p.kind === 'text' && last?.kind === 'text') out[out.length - 1] = { kind: 'text', text: last.text + p.text };
    else if (!(p.kind === 'text' && p.text === '')) out.push(p);
  }
  return out;
}
