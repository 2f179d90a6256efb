// The guard's decision for every request (SPEC section 4, security): Host, then Origin, on
// every path except /healthz and /readyz, before auth; CORS preflights for allowedOrigins;
// then the bearer token where the path needs one (Basic auth with the token as password on
// / and /status). One row per rule: the request, the settings, the decision. A refusal is
// checked by its code and the HTTP status the registry gives that code.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GatewaySpec } from '../../src/config/types.js';
import { CODES } from '../../src/errors/codes.js';
import { admit, type Admission, type RequestFacts } from '../../src/http/guard.js';

const TOKEN = 'a-bearer-token-of-some-length-0123456789';
const OTHER = 'another-token-of-some-length-9876543210';

function settings(changes: Partial<GatewaySpec> = {}): GatewaySpec {
  return {
    listen: { host: '127.0.0.1', port: 8750 },
    publicUrl: 'http://localhost:8750',
    dataDir: '/srv/mcpgw/.mcpgw',
    bearerTokens: [],
    users: [],
    audit: { kind: 'off' },
    allowedHosts: [],
    allowedOrigins: [],
    allowUnauthenticatedNetwork: false,
    logLevel: 'info',
    sessionIdleTimeoutMs: 30 * 60_000,
    previousSessionKeys: [],
    sessionMaxAgeMs: 24 * 3_600_000,
    maxSessions: 1000,
    maxSessionsPerProfile: 250,
    shutdownGraceMs: 10_000,
    metrics: { enabled: true, auth: true },
    ...changes,
  };
}

const withTokens = (changes: Partial<GatewaySpec> = {}) => settings({ bearerTokens: [OTHER, TOKEN], ...changes });

function request(changes: Partial<RequestFacts> = {}): RequestFacts {
  return { path: '/mcp', method: 'POST', host: '127.0.0.1:8750', origin: null, authorization: null, ...changes };
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

type Code = 'MCPGW_E_HTTP_HOST' | 'MCPGW_E_HTTP_ORIGIN' | 'MCPGW_E_HTTP_UNAUTHORIZED';

/** The decision in short: pass (with CORS headers or not), preflight, or the refusal's code. */
type Verdict = 'pass' | 'pass+cors' | 'preflight' | Code;

function verdictOf(a: Admission): Verdict {
  if (a.kind === 'deny') return a.failure.code as Code;
  if (a.kind === 'preflight') return 'preflight';
  return a.cors ? 'pass+cors' : 'pass';
}

interface Case {
  readonly rule: string;
  readonly req: Partial<RequestFacts>;
  readonly gw?: GatewaySpec;
  readonly verdict: Verdict;
}

const hostCases: readonly Case[] = [
  { rule: 'a loopback Host passes: 127.0.0.1 with a port', req: { host: '127.0.0.1:8750' }, verdict: 'pass' },
  { rule: 'a loopback Host passes: localhost, any port', req: { host: 'localhost:1234' }, verdict: 'pass' },
  { rule: 'a loopback Host passes: any 127.x address', req: { host: '127.1.2.3' }, verdict: 'pass' },
  { rule: 'a loopback Host passes: [::1] with a port', req: { host: '[::1]:8750' }, verdict: 'pass' },
  { rule: 'a loopback Host passes: a *.localhost name', req: { host: 'gw.localhost' }, verdict: 'pass' },
  { rule: 'Host names are not case-sensitive', req: { host: 'LOCALHOST:8750' }, verdict: 'pass' },
  { rule: 'another Host gets 403 (DNS rebinding)', req: { host: 'evil.example:8750' }, verdict: 'MCPGW_E_HTTP_HOST' },
  { rule: 'a missing Host gets 403', req: { host: null }, verdict: 'MCPGW_E_HTTP_HOST' },
  { rule: 'a name that only starts like loopback gets 403', req: { host: 'localhost.evil.example' }, verdict: 'MCPGW_E_HTTP_HOST' },
  {
    rule: 'the listen host passes',
    req: { host: '192.168.1.5:8750' },
    gw: settings({ listen: { host: '192.168.1.5', port: 8750 } }),
    verdict: 'pass',
  },
  {
    rule: 'the publicUrl host passes, on any port',
    req: { host: 'gw.example.com' },
    gw: settings({ publicUrl: 'https://gw.example.com' }),
    verdict: 'pass',
  },
  {
    rule: 'a name in allowedHosts passes, whatever its case',
    req: { host: 'MCP.LAN:8750' },
    gw: settings({ allowedHosts: ['mcp.lan'] }),
    verdict: 'pass',
  },
  {
    rule: 'allowedHosts holds names, not suffixes',
    req: { host: 'x.mcp.lan' },
    gw: settings({ allowedHosts: ['mcp.lan'] }),
    verdict: 'MCPGW_E_HTTP_HOST',
  },
];

const originCases: readonly Case[] = [
  { rule: 'no Origin passes (not a browser)', req: { origin: null }, verdict: 'pass' },
  { rule: 'a loopback Origin passes', req: { origin: 'http://localhost:6274' }, verdict: 'pass' },
  { rule: 'a loopback Origin over https passes', req: { origin: 'https://127.0.0.1' }, verdict: 'pass' },
  { rule: 'Origin: null gets 403', req: { origin: 'null' }, verdict: 'MCPGW_E_HTTP_ORIGIN' },
  { rule: 'a foreign Origin gets 403 (cross-site calls)', req: { origin: 'https://evil.example' }, verdict: 'MCPGW_E_HTTP_ORIGIN' },
  { rule: 'a loopback host with another scheme gets 403', req: { origin: 'file://localhost' }, verdict: 'MCPGW_E_HTTP_ORIGIN' },
  { rule: 'an Origin that is not a URL gets 403', req: { origin: 'not a url' }, verdict: 'MCPGW_E_HTTP_ORIGIN' },
  {
    rule: 'the publicUrl origin passes, without CORS headers',
    req: { host: 'gw.example.com', origin: 'https://gw.example.com' },
    gw: settings({ publicUrl: 'https://gw.example.com' }),
    verdict: 'pass',
  },
  {
    rule: 'the publicUrl host with another scheme or port is another origin: 403',
    req: { host: 'gw.example.com', origin: 'https://gw.example.com:8443' },
    gw: settings({ publicUrl: 'https://gw.example.com' }),
    verdict: 'MCPGW_E_HTTP_ORIGIN',
  },
  {
    rule: 'an origin in allowedOrigins passes, with CORS headers',
    req: { origin: 'https://app.example' },
    gw: settings({ allowedOrigins: ['https://app.example'] }),
    verdict: 'pass+cors',
  },
  {
    rule: 'allowedOrigins match exactly: scheme, host and port',
    req: { origin: 'http://app.example' },
    gw: settings({ allowedOrigins: ['https://app.example'] }),
    verdict: 'MCPGW_E_HTTP_ORIGIN',
  },
];

const orderCases: readonly Case[] = [
  {
    rule: 'Host is checked before Origin',
    req: { host: 'evil.example', origin: 'https://evil.example' },
    verdict: 'MCPGW_E_HTTP_HOST',
  },
  {
    rule: 'Host is checked before auth: a bad Host without a token gets 403, not 401',
    req: { host: 'evil.example' },
    gw: withTokens(),
    verdict: 'MCPGW_E_HTTP_HOST',
  },
  {
    rule: 'Origin is checked before auth, even with a good token',
    req: { origin: 'https://evil.example', authorization: `Bearer ${TOKEN}` },
    gw: withTokens(),
    verdict: 'MCPGW_E_HTTP_ORIGIN',
  },
  ...['/healthz', '/readyz'].map((path): Case => ({
    rule: `${path} is open: no Host, Origin or token check`,
    req: { path, method: 'GET', host: 'evil.example', origin: 'null' },
    gw: withTokens(),
    verdict: 'pass',
  })),
  {
    rule: 'only the exact health paths are open',
    req: { path: '/healthz/x', method: 'GET', host: 'evil.example' },
    verdict: 'MCPGW_E_HTTP_HOST',
  },
];

const corsCases: readonly Case[] = [
  {
    rule: 'an OPTIONS from an allowed origin is a preflight, answered before auth',
    req: { method: 'OPTIONS', origin: 'https://app.example' },
    gw: withTokens({ allowedOrigins: ['https://app.example'] }),
    verdict: 'preflight',
  },
  {
    rule: 'an OPTIONS from a loopback origin not in allowedOrigins is no preflight: it needs the token',
    req: { method: 'OPTIONS', origin: 'http://localhost:6274' },
    gw: withTokens(),
    verdict: 'MCPGW_E_HTTP_UNAUTHORIZED',
  },
  {
    rule: 'an OPTIONS without an Origin is no preflight',
    req: { method: 'OPTIONS' },
    gw: settings({ allowedOrigins: ['https://app.example'] }),
    verdict: 'pass',
  },
  {
    rule: 'an allowed origin still needs the token on /mcp',
    req: { origin: 'https://app.example' },
    gw: withTokens({ allowedOrigins: ['https://app.example'] }),
    verdict: 'MCPGW_E_HTTP_UNAUTHORIZED',
  },
  {
    rule: 'an allowed origin with the token passes with CORS headers',
    req: { origin: 'https://app.example', authorization: `Bearer ${TOKEN}` },
    gw: withTokens({ allowedOrigins: ['https://app.example'] }),
    verdict: 'pass+cors',
  },
];

const authCases: readonly Case[] = [
  { rule: 'without bearerTokens, /mcp needs no token', req: {}, verdict: 'pass' },
  { rule: 'without bearerTokens, an Authorization header is ignored', req: { authorization: 'Bearer whatever' }, verdict: 'pass' },
  { rule: 'with bearerTokens, /mcp without Authorization gets 401', req: {}, gw: withTokens(), verdict: 'MCPGW_E_HTTP_UNAUTHORIZED' },
  { rule: 'a profile path needs the token too', req: { path: '/mcp/readonly' }, gw: withTokens(), verdict: 'MCPGW_E_HTTP_UNAUTHORIZED' },
  { rule: 'any one of the tokens passes', req: { authorization: `Bearer ${TOKEN}` }, gw: withTokens(), verdict: 'pass' },
  { rule: 'the scheme is not case-sensitive', req: { authorization: `bearer ${OTHER}` }, gw: withTokens(), verdict: 'pass' },
  {
    rule: 'a wrong token gets 401',
    req: { authorization: 'Bearer wrong-token-of-some-length-0123456789' },
    gw: withTokens(),
    verdict: 'MCPGW_E_HTTP_UNAUTHORIZED',
  },
  {
    rule: 'a prefix of a token gets 401',
    req: { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
    gw: withTokens(),
    verdict: 'MCPGW_E_HTTP_UNAUTHORIZED',
  },
  { rule: 'an empty Bearer gets 401', req: { authorization: 'Bearer' }, gw: withTokens(), verdict: 'MCPGW_E_HTTP_UNAUTHORIZED' },
  {
    rule: 'Basic auth is refused on /mcp',
    req: { authorization: basic('me', TOKEN) },
    gw: withTokens(),
    verdict: 'MCPGW_E_HTTP_UNAUTHORIZED',
  },
  ...['/', '/status'].flatMap((path): Case[] => [
    { rule: `${path} needs the token`, req: { path, method: 'GET' }, gw: withTokens(), verdict: 'MCPGW_E_HTTP_UNAUTHORIZED' },
    {
      rule: `${path} accepts the bearer token`,
      req: { path, method: 'GET', authorization: `Bearer ${TOKEN}` },
      gw: withTokens(),
      verdict: 'pass',
    },
    {
      rule: `${path} accepts Basic auth with the token as password, any user name`,
      req: { path, method: 'GET', authorization: basic('anyone', TOKEN) },
      gw: withTokens(),
      verdict: 'pass',
    },
    {
      rule: `${path} refuses Basic auth with another password`,
      req: { path, method: 'GET', authorization: basic(TOKEN, 'nope') },
      gw: withTokens(),
      verdict: 'MCPGW_E_HTTP_UNAUTHORIZED',
    },
  ]),
  {
    rule: '/oauth/callback is open: the authorization server sends the browser there',
    req: { path: '/oauth/callback', method: 'GET' },
    gw: withTokens(),
    verdict: 'pass',
  },
  {
    rule: '/oauth/start/{server} needs the caller (issue 14): without the token, 401 with a Basic challenge',
    req: { path: '/oauth/start/github', method: 'GET' },
    gw: withTokens(),
    verdict: 'MCPGW_E_HTTP_UNAUTHORIZED',
  },
  {
    rule: '/oauth/start/{server} with Basic auth (the status page user) passes',
    req: { path: '/oauth/start/github', method: 'GET', authorization: basic('me', TOKEN) },
    gw: withTokens(),
    verdict: 'pass',
  },
  {
    rule: '/oauth/start/{server} with a link ticket passes to the route, which checks it',
    req: { path: '/oauth/start/github', method: 'GET', ticket: true },
    gw: withTokens(),
    verdict: 'pass',
  },
  {
    rule: '/oauth/start/{server} without inbound auth stays open (the caller is "local")',
    req: { path: '/oauth/start/github', method: 'GET' },
    verdict: 'pass',
  },
  {
    rule: '/oauth/link/{server} (mcpgw auth login) needs the token',
    req: { path: '/oauth/link/github', method: 'POST' },
    gw: withTokens(),
    verdict: 'MCPGW_E_HTTP_UNAUTHORIZED',
  },
  {
    rule: '/oauth/logout/{server} changes state: it needs the token',
    req: { path: '/oauth/logout/github', method: 'POST' },
    gw: withTokens(),
    verdict: 'MCPGW_E_HTTP_UNAUTHORIZED',
  },
  {
    rule: '/oauth/logout/{server} with the token passes',
    req: { path: '/oauth/logout/github', method: 'POST', authorization: `Bearer ${TOKEN}` },
    gw: withTokens(),
    verdict: 'pass',
  },
  {
    rule: 'an unknown path needs the token like /mcp',
    req: { path: '/nope', method: 'GET' },
    gw: withTokens(),
    verdict: 'MCPGW_E_HTTP_UNAUTHORIZED',
  },
];

const STATUS: Record<Code, number> = { MCPGW_E_HTTP_HOST: 403, MCPGW_E_HTTP_ORIGIN: 403, MCPGW_E_HTTP_UNAUTHORIZED: 401 };

for (const [group, cases] of [
  ['Host', hostCases],
  ['Origin', originCases],
  ['order of the checks', orderCases],
  ['CORS', corsCases],
  ['bearer and Basic auth', authCases],
] as const) {
  describe(`admit: ${group}`, () => {
    for (const c of cases) {
      test(c.rule, async () => {
        const verdict = verdictOf(await admit(request(c.req), c.gw ?? settings()));
        assert.equal(verdict, c.verdict);
        if (verdict in STATUS) assert.equal(CODES[verdict as Code].http, STATUS[verdict as Code], `the HTTP status of ${verdict}`);
      });
    }
  });
}

describe('admit: what a decision carries', () => {
  test('a 401 challenges Bearer; on / and /status also Basic, so a browser asks for the password', async () => {
    const challenge = async (path: string) => {
      const a = await admit(request({ path, method: 'GET' }), withTokens());
      return a.kind === 'deny' ? a.challenge : undefined;
    };
    assert.equal(await challenge('/mcp'), 'Bearer realm="mcpgw"');
    assert.equal(await challenge('/'), 'Basic realm="mcpgw", Bearer realm="mcpgw"');
    assert.equal(await challenge('/status'), 'Basic realm="mcpgw", Bearer realm="mcpgw"');
    assert.equal(await challenge('/oauth/start/github'), 'Basic realm="mcpgw", Bearer realm="mcpgw"');
  });

  test('a pass carries who the caller is: owner with a bearer token, local without inbound auth (team mode adds users)', async () => {
    const who = (a: Admission) => (a.kind === 'pass' ? a.identity?.name : a.kind);
    assert.equal(who(await admit(request({ authorization: `Bearer ${TOKEN}` }), withTokens())), 'owner');
    assert.equal(who(await admit(request({ path: '/', method: 'GET', authorization: basic('x', TOKEN) }), withTokens())), 'owner');
    assert.equal(who(await admit(request(), settings())), 'local');
    assert.equal(who(await admit(request({ path: '/oauth/start/github', method: 'GET', ticket: true }), withTokens())), undefined);
    assert.equal(who(await admit(request({ path: '/oauth/callback', method: 'GET' }), withTokens())), undefined);
  });

  test('a 403 carries no challenge and names what to allow', async () => {
    const a = await admit(request({ host: 'evil.example' }), settings());
    assert.equal(a.kind, 'deny');
    if (a.kind !== 'deny') return;
    assert.equal(a.challenge, undefined);
    assert.match(a.failure.message, /Host "evil\.example".*gateway\.allowedHosts/);
    const o = await admit(request({ origin: 'https://evil.example' }), settings());
    assert.ok(o.kind === 'deny' && /Origin "https:\/\/evil\.example".*gateway\.allowedOrigins/.test(o.failure.message));
  });

  test('CORS headers name the origin, expose Mcp-Session-Id and vary by Origin', async () => {
    const a = await admit(request({ origin: 'https://app.example' }), settings({ allowedOrigins: ['https://app.example'] }));
    assert.deepEqual(a, {
      kind: 'pass',
      cors: { 'access-control-allow-origin': 'https://app.example', 'access-control-expose-headers': 'mcp-session-id', vary: 'origin' },
      identity: { name: 'local', groups: [], admin: true, via: 'none' },
    });
  });

  test('a preflight allows the MCP methods and headers for ten minutes', async () => {
    const a = await admit(
      request({ method: 'OPTIONS', origin: 'https://app.example' }),
      settings({ allowedOrigins: ['https://app.example'] }),
    );
    assert.equal(a.kind, 'preflight');
    if (a.kind !== 'preflight') return;
    assert.equal(a.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(a.headers['access-control-expose-headers'], 'mcp-session-id');
    assert.deepEqual(a.headers['access-control-allow-methods']!.split(/,\s*/).sort(), ['DELETE', 'GET', 'POST']);
    const headers = a.headers['access-control-allow-headers']!.split(/,\s*/);
    for (const h of [
      'content-type',
      'authorization',
      'mcp-session-id',
      'mcp-protocol-version',
      'last-event-id',
      'mcp-method',
      'mcp-name',
      'traceparent',
    ])
      assert.ok(headers.includes(h), h);
    assert.equal(a.headers['access-control-max-age'], '600');
  });

  test("a preflight allows the Mcp-Param-* headers it asks for (a 2026-07-28 tool's x-mcp-header), nothing else it asks for", async () => {
    const a = await admit(
      request({
        method: 'OPTIONS',
        origin: 'https://app.example',
        requestHeaders: 'Mcp-Param-Region, content-type, x-evil, mcp-param-region, Mcp-Param-A_b',
      }),
      settings({ allowedOrigins: ['https://app.example'] }),
    );
    assert.equal(a.kind, 'preflight');
    if (a.kind !== 'preflight') return;
    const headers = a.headers['access-control-allow-headers']!.split(/,\s*/);
    assert.ok(headers.includes('mcp-param-region'));
    assert.ok(headers.includes('mcp-param-a_b'));
    assert.equal(headers.filter((h) => h === 'mcp-param-region').length, 1);
    assert.ok(!headers.includes('x-evil'));
  });

  test('settings apply live: a new settings object with a new allowedHosts is used at once', async () => {
    const req = request({ host: 'new.lan' });
    assert.equal(verdictOf(await admit(req, settings())), 'MCPGW_E_HTTP_HOST');
    assert.equal(verdictOf(await admit(req, settings({ allowedHosts: ['new.lan'] }))), 'pass');
  });
});
