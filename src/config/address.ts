import { dirname, isAbsolute, resolve } from 'node:path';
import { McpgwError, type Finding } from '../errors/error.js';
import { parseHttpUrl, parseListen } from './checks.js';
import { formatPath, locate, readConfigSource, type ConfigSource, type PathSegment } from './source.js';
import { resolveTemplate } from './templates.js';

/**
 * What `mcpgw connect` needs of the config and nothing more (issue 19): where the daemon
 * listens and the token it wants, with templates resolved only there. `servers` and
 * `profiles` are not looked at (the daemon answers 404 for an unknown profile), so connect
 * starts from a client's environment that lacks every server's secrets, and while the file
 * is broken elsewhere and the daemon serves its last good config.
 */

/** The schema's pattern of gateway.listen. */
const LISTEN = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):[0-9]{1,5}$/;

/** Settings besides listen and the token, resolved only when asked for (connect --install). */
export type AddressField = 'publicUrl' | 'dataDir';

export interface DaemonAddress {
  /** Absolute path of the config file. */
  readonly file: string;
  readonly dir: string;
  readonly listen: { readonly host: string; readonly port: number };
  /** gateway.publicUrl when it is written (without trailing slash); asked for with `fields`. */
  readonly publicUrl?: string;
  /** Absolute, defaults applied as for the daemon (SPEC section 2); asked for with `fields`. */
  readonly dataDir?: string;
  /** The bearer token a client of this daemon sends, as far as the config can tell. */
  readonly token: ConfigToken;
  /** The document as written, templates unexpanded (connect --install reads its servers). */
  readonly raw: Readonly<Record<string, unknown>>;
}

export type ConfigToken =
  /** The daemon wants no token (no gateway.auth). */
  | { readonly kind: 'none' }
  | { readonly kind: 'value'; readonly value: string }
  /**
   * It wants one the config cannot give: an unset variable, only sha256: hashes, or named
   * users (which one is the caller?). `error` says which and what to do.
   */
  | { readonly kind: 'unknown'; readonly error: McpgwError };

/**
 * Reads gateway.listen and the inbound token (and `fields`). Throws MCPGW_E_CONFIG_INVALID,
 * with located findings, when the file cannot be parsed or one of those values is wrong.
 */
export function readDaemonAddress(
  path: string,
  options: { env: Readonly<Record<string, string | undefined>>; fields?: readonly AddressField[] },
): DaemonAddress {
  const file = resolve(path);
  const dir = dirname(file);
  const { source, findings } = readConfigSource(file);
  const fail = (list: readonly Finding[]): never => {
    throw new McpgwError('MCPGW_E_CONFIG_INVALID', "cannot read the daemon's address from the config file", {
      hint: 'fix what is shown above (mcpgw validate lists every problem); mcpgw connect also takes --url http://HOST:PORT',
      location: { file },
      findings: list,
    });
  };
  if (!source) return fail(findings);
  const raw = isRecord(source.value) ? source.value : {};
  const problems: Finding[] = [];
  const reader = new ValueReader(source, dir, options.env, problems);
  const gateway = raw.gateway;
  if (gateway !== undefined && gateway !== null && !isRecord(gateway))
    problems.push(reader.finding(['gateway'], 'MCPGW_E_CONFIG_SCHEMA', 'gateway must be a mapping', 'write gateway: { listen: ... }'));

  const listen = readListen(reader, problems);
  const fields = new Set(options.fields ?? []);
  const publicUrl = fields.has('publicUrl') ? readPublicUrl(reader, problems) : undefined;
  const dataDir = fields.has('dataDir') ? readDataDir(reader, dir, options.env) : undefined;
  if (problems.length > 0) return fail(problems);
  return {
    file,
    dir,
    listen: listen!,
    ...(publicUrl !== undefined ? { publicUrl } : {}),
    ...(dataDir !== undefined ? { dataDir } : {}),
    token: tokenOf(raw, reader),
    raw,
  };
}

/** gateway.listen as host and port (the daemon's default when absent). */
function readListen(reader: ValueReader, problems: Finding[]): { host: string; port: number } | undefined {
  const text = reader.string(['gateway', 'listen']) ?? '127.0.0.1:8750';
  const listen = LISTEN.test(text) ? parseListen(text) : undefined;
  if ((!listen || listen.port > 65535) && !problems.some((p) => p.path === 'gateway.listen'))
    problems.push(
      reader.finding(['gateway', 'listen'], 'MCPGW_E_CONFIG_SCHEMA', `listen "${text}" is not host:port`, 'e.g. 127.0.0.1:8750'),
    );
  return listen;
}

/** gateway.publicUrl without its trailing slash, when written. */
function readPublicUrl(reader: ValueReader, problems: Finding[]): string | undefined {
  const text = reader.string(['gateway', 'publicUrl']);
  if (text === undefined) return undefined;
  const url = parseHttpUrl(text);
  if (url && !url.search && !url.hash) return text.replace(/\/+$/, '');
  const message = 'publicUrl must be an absolute http(s) URL';
  problems.push(reader.finding(['gateway', 'publicUrl'], 'MCPGW_E_CONFIG_URL', message, 'e.g. http://localhost:8750'));
  return undefined;
}

/** gateway.dataDir, absolute, with the daemon's defaults (as normalize.ts: an empty variable counts as unset). */
function readDataDir(reader: ValueReader, dir: string, env: Readonly<Record<string, string | undefined>>): string {
  const text = reader.string(['gateway', 'dataDir']) ?? (env.MCPGW_DATA_DIR || env.STATE_DIRECTORY?.split(':')[0] || '.mcpgw');
  return isAbsolute(text) ? text : resolve(dir, text);
}

/**
 * The first of gateway.auth.bearerTokens that resolves to a token. A `sha256:` value is what
 * the daemon compares with (SPEC section 10), never something to send.
 */
function tokenOf(raw: Record<string, unknown>, reader: ValueReader): ConfigToken {
  const auth = isRecord(raw.gateway) && isRecord(raw.gateway.auth) ? raw.gateway.auth : {};
  const list = Array.isArray(auth.bearerTokens) ? auth.bearerTokens : [];
  const unresolved: string[] = [];
  const variables = new Set<string>();
  let hashes = 0;
  let first: PathSegment[] | undefined;
  for (const [i, item] of list.entries()) {
    if (typeof item !== 'string') continue;
    const path = ['gateway', 'auth', 'bearerTokens', i];
    first ??= path;
    const result = resolveTemplate(item, reader.context);
    if (result.problems.length > 0) {
      unresolved.push(...result.problems.map((p) => p.message));
      for (const m of item.matchAll(/\$<env:([A-Za-z_][A-Za-z0-9_]*)>/g)) if (!reader.context.env[m[1]!]) variables.add(m[1]!);
      continue;
    }
    if (result.value === '') continue;
    if (/^sha256:/i.test(result.value)) {
      hashes++;
      continue;
    }
    return { kind: 'value', value: result.value };
  }
  const users = isRecord(auth.users) && Object.keys(auth.users).length > 0;
  const oidc = auth.oidc !== undefined && auth.oidc !== null;
  // Tokens that resolve to '' are absent (SPEC section 2): with none left, none is wanted.
  if (unresolved.length === 0 && hashes === 0 && !users && !oidc) return { kind: 'none' };
  const where = first ? reader.location(first) : reader.location(['gateway', 'auth']);
  const fromFlag = 'set MCPGW_TOKEN to your token where the client starts mcpgw connect, or pass --token';
  let message: string;
  let hint: string;
  if (unresolved.length > 0) {
    message = `the daemon's bearer token cannot be read here: ${[...new Set(unresolved)].join('; ')}`;
    const names = [...variables, ...(variables.has('MCPGW_TOKEN') ? [] : ['MCPGW_TOKEN'])].join(' or ');
    hint = `set ${names} where the client starts mcpgw connect, or pass --token; a client started from the desktop (Claude Desktop) lacks your shell's variables: keep the token in a file named by $<file:PATH> in bearerTokens`;
  } else if (hashes > 0) {
    message = 'gateway.auth.bearerTokens holds sha256: hashes, which the daemon checks tokens against; they are not tokens to send';
    hint = fromFlag;
  } else {
    message = `the gateway ${users ? 'has named users (gateway.auth.users)' : 'signs clients in with OIDC (gateway.auth.oidc)'}: connect cannot tell which token is yours`;
    hint = fromFlag;
  }
  return { kind: 'unknown', error: new McpgwError('MCPGW_E_CONNECT_TOKEN', message, { hint, location: where }) };
}

/** Resolves the templates of single values of the document, located for messages. */
class ValueReader {
  readonly context;

  constructor(
    private readonly source: ConfigSource,
    dir: string,
    env: Readonly<Record<string, string | undefined>>,
    private readonly problems: Finding[],
  ) {
    this.context = { env, baseDir: dir };
  }

  location(path: readonly PathSegment[]): { file: string; line: number; column: number; path: string } {
    return { file: this.source.file, ...locate(this.source, path), path: formatPath(path) };
  }

  finding(path: readonly PathSegment[], code: Finding['code'], message: string, hint: string): Finding {
    return { code, severity: 'error', message, hint, ...this.location(path) };
  }

  /** The string at `path`, resolved; undefined when absent (or resolving to '', which means absent). */
  string(path: readonly PathSegment[]): string | undefined {
    let value: unknown = this.source.value;
    for (const segment of path) value = isRecord(value) ? value[String(segment)] : undefined;
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') {
      this.problems.push(this.finding(path, 'MCPGW_E_CONFIG_SCHEMA', `${formatPath(path)} must be a string`, 'quote the value'));
      return undefined;
    }
    const result = resolveTemplate(value, this.context);
    for (const problem of result.problems)
      this.problems.push({
        code: problem.code,
        severity: 'error',
        message: `${problem.message} (in "${value}")`,
        hint: problem.hint,
        ...this.location(path),
      });
    if (result.problems.length > 0) return undefined;
    return result.value === '' ? undefined : result.value;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
