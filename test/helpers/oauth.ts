// Helpers for the OAuth tests: the fixtures of test/fixtures/oauth/ as child processes
// (stopped after the test, even when it fails), and a headless "browser" that follows an
// authorization from /oauth/start through the authorization server back to /oauth/callback.
import type { TestContext } from 'node:test';
import { startHttpFixture } from './gateway.js';
import { startRelay, type Relay } from './ports.js';

const AS_FILE = '../oauth/authorization-server.ts';
const PROTECTED_FILE = '../oauth/protected-server.ts';

export interface AuthorizationServer {
  readonly issuer: string;
  stats(): Promise<AsStats>;
  /** Interactions answer access_denied while on. */
  deny(on: boolean): Promise<void>;
  /** Forgets every grant and its tokens: the next refresh gets invalid_grant. */
  revoke(): Promise<void>;
  /** While on, the token endpoint answers 503 temporarily_unavailable. */
  outage(on: boolean): Promise<void>;
  /** Holds the next `n` requests to the token endpoint until release() (stats.held counts them). */
  hold(n?: number): Promise<void>;
  release(): Promise<void>;
}

export interface AsStats {
  registrations: number;
  authorizations: { scope?: string; resource?: string | string[]; clientId: string }[];
  codeGrants: number;
  refreshGrants: number;
  /** When each refresh grant was answered (ms since the epoch), in order. */
  refreshedAt: number[];
  rotations: number;
  tokenErrors: Record<string, number>;
  denied: number;
  issued: string[];
  /** Requests for the metadata (/.well-known/...): discovery runs. */
  metadataRequests: number;
  /** Token requests held by hold() so far. */
  held: number;
  /** Each login of the interaction step: who, for which client. */
  logins: { accountId: string; clientId: string }[];
}

export interface ProtectedServer {
  /** The MCP endpoint, http://127.0.0.1:<port>/mcp (also the RFC 8707 resource). */
  readonly url: string;
  stats(): Promise<ProtectedStats>;
  /** Refuses every token it accepted so far with 401 invalid_token, although they have not expired. */
  revokeTokens(): Promise<void>;
}

export interface ProtectedStats {
  authorizationHeaders: string[];
  accepted: number;
  tokens: string[];
  rejected: { missing: number; invalid: number; expired: number; insufficientScope: number; revoked: number };
}

export interface AuthorizationServerOptions {
  accessTtl?: number;
  /** The resource servers' scopes (default "mcp:tools mcp:admin"). */
  scopes?: string;
  /** Only these accounts exist, name -> groups (carried in access tokens as `groups`). */
  accounts?: Record<string, string[]>;
}

/** The oidc-provider authorization server (on a port of its own); access tokens live `accessTtl` seconds. */
export async function startAuthorizationServer(t: TestContext, options: AuthorizationServerOptions = {}): Promise<AuthorizationServer> {
  const args = ['--access-ttl', String(options.accessTtl ?? 3)];
  if (options.scopes) args.push('--scopes', options.scopes);
  if (options.accounts)
    args.push(
      '--accounts',
      Object.entries(options.accounts)
        .map(([name, groups]) => `${name}:${groups.join('+')}`)
        .join(','),
    );
  const { port } = await startHttpFixture(t, args, AS_FILE);
  const issuer = `http://127.0.0.1:${port}`;
  const post = async (path: string) => {
    const response = await fetch(`${issuer}${path}`, { method: 'POST' });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    await response.body?.cancel();
  };
  return {
    issuer,
    stats: async () => (await fetch(`${issuer}/test/stats`)).json() as Promise<AsStats>,
    deny: (on) => post(`/test/deny?on=${on ? 1 : 0}`),
    revoke: () => post('/test/revoke'),
    outage: (on) => post(`/test/outage?on=${on ? 1 : 0}`),
    hold: (n = 1) => post(`/test/hold?n=${n}`),
    release: () => post('/test/release'),
  };
}

/**
 * The protected MCP server trusting `issuer` (or, without one, an unprotected server that
 * records Authorization headers). Given a promise (the issuer of an authorization server
 * still starting), it starts at once and learns the issuer on stdin when the promise resolves.
 */
export async function startProtectedServer(
  t: TestContext,
  issuer: string | Promise<string> | undefined,
  args: string[] = [],
): Promise<ProtectedServer> {
  const later = typeof issuer === 'string' ? undefined : issuer;
  const issuerArgs = issuer === undefined ? ['--open'] : ['--issuer', typeof issuer === 'string' ? issuer : '-'];
  const { port } = await startHttpFixture(t, [...issuerArgs, ...args], PROTECTED_FILE, { stdin: later });
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/mcp`,
    stats: async () => (await fetch(`${base}/test/stats`)).json() as Promise<ProtectedStats>,
    revokeTokens: async () => {
      const response = await fetch(`${base}/test/revoke-tokens`, { method: 'POST' });
      if (!response.ok) throw new Error(`/test/revoke-tokens: HTTP ${response.status}`);
      await response.body?.cancel();
    },
  };
}

/**
 * The usual OAuth upstream, started at once: the authorization server, a protected server
 * `secure` with the given tools trusting it, and a relay the gateway's listen port can name
 * before the gateway listens (the redirect URI is built from it).
 */
export async function startOAuthUpstream(
  t: TestContext,
  options: { accessTtl?: number; tools?: string } = {},
): Promise<{ as: AuthorizationServer; secure: ProtectedServer; relay: Relay }> {
  const starting = startAuthorizationServer(t, { accessTtl: options.accessTtl });
  const [as, secure, relay] = await Promise.all([
    starting,
    startProtectedServer(
      t,
      starting.then((a) => a.issuer),
      ['--name', 'secure', '--tools', options.tools ?? 'echo'],
    ),
    startRelay(t),
  ]);
  return { as, secure, relay };
}

export interface BrowserResult {
  readonly status: number;
  readonly body: string;
  /** Every URL requested, in order. */
  readonly visited: readonly string[];
  /** The browser's cookies by origin, to go on in the same "browser" (pass as `jar`). */
  readonly jar: CookieJar;
}

export type CookieJar = Map<string, Map<string, string>>;

/**
 * A fresh browser whose user logs in as `account` at each of `issuers` (the authorization
 * server fixture reads its `fixture-user` cookie), for flows whose authorization URL the test
 * does not build itself (the gateway's /oauth/start links). Passing another user's jar is how a
 * test forwards a link to the wrong person.
 */
export function browserOf(account: string, ...issuers: string[]): CookieJar {
  return new Map(issuers.map((issuer) => [new URL(issuer).origin, new Map([['fixture-user', encodeURIComponent(account)]])]));
}

export interface BrowserOptions {
  /** Ends it before requesting a URL it matches, returning that URL as the last visited. */
  readonly stopAt?: RegExp;
  /** Headers of the first request only (Authorization, as a browser with Basic credentials). */
  readonly headers?: Record<string, string>;
  /** The cookies of an earlier run: the same browser. */
  readonly jar?: CookieJar;
  /** Click "Continue" on the page an authorization link opens (default true). */
  readonly confirm?: boolean;
}

/**
 * Follows redirects one at a time (fetch with redirect: 'manual'), keeping cookies per origin,
 * like a browser whose user approves at once. Stops at the first answer that is not a redirect
 * (normally the gateway's /oauth/callback page); the page an authorization link opens (a form
 * marked data-mcpgw-confirm) is submitted, as the user's click, unless `confirm: false`.
 * `stopAt` ends it before requesting a URL it matches, returning that URL as the last visited
 * (to replay or tamper with a callback).
 */
export async function followAuthorization(startUrl: string, options: BrowserOptions = {}): Promise<BrowserResult> {
  const jar: CookieJar = options.jar ?? new Map();
  const visited: string[] = [];
  let url = startUrl;
  let method = 'GET';
  for (let hop = 0; hop < 20; hop++) {
    visited.push(url);
    if (options.stopAt?.test(url)) return { status: 0, body: '', visited, jar };
    const origin = new URL(url).origin;
    const cookies = jar.get(origin) ?? new Map<string, string>();
    jar.set(origin, cookies);
    const headers: Record<string, string> = hop === 0 ? { ...options.headers } : {};
    if (cookies.size > 0) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, { method, redirect: 'manual', headers, body: method === 'POST' ? '' : undefined });
    method = 'GET';
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0]!;
      const i = pair.indexOf('=');
      const [name, value] = [pair.slice(0, i).trim(), pair.slice(i + 1).trim()];
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0\b/i.test(line)) cookies.delete(name);
      else cookies.set(name, value);
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url).href;
      continue;
    }
    const body = await response.text();
    const form = /<form method="post" action="([^"]+)" data-mcpgw-confirm>/.exec(body);
    if (response.status === 200 && form && options.confirm !== false) {
      url = new URL(
        form[1]!.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c))),
        url,
      ).href;
      method = 'POST';
      continue;
    }
    return { status: response.status, body, visited, jar };
  }
  throw new Error(`too many redirects: ${visited.join(' -> ')}`);
}
