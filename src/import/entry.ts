import { describe, EntryFields, ENV_NAME, type Dialect, type EntryContext } from './entry-fields.js';
import { remoteFields } from './entry-remote.js';
import { envLabel, type SecretHint } from './credential-values.js';
import type { Candidate, Value } from './types.js';

/**
 * One server entry of a client's file -> a Candidate. The keys of every client are known here
 * (they overlap: command/args/env/cwd/url/headers everywhere); `dialect` says which client's
 * meaning applies where they differ (Gemini's url is SSE; Codex has its own key names). The
 * typed reading of fields is entry-fields.ts; the url, headers and auth of a remote server
 * entry-remote.ts.
 */

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
  return new EntryReader(name, raw, ctx).read();
}

class EntryReader extends EntryFields {
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
        : { ...base, ...remoteFields(this, url!, httpUrl !== undefined, type === 'stdio' ? undefined : type) };
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
}
