// What MCP authorization 2026-07-28 adds to the client's grant mechanics (auth/oauth-flow.ts):
// RFC 9207 `iss` in the authorization response (SEP-2468; the conformance suite's iss-* set),
// the `application_type` of dynamic registration (SEP-837), offline_access (SEP-2207) and
// credentials bound to their authorization server (SEP-2352).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Discovered } from '../../src/auth/discovery.js';
import { McpgwError } from '../../src/errors/error.js';
import {
  applicationType,
  beginAuthorization,
  clientMetadata,
  configurationFor,
  issuerProblem,
  obtainClient,
  withOfflineAccess,
} from '../../src/auth/oauth-flow.js';

describe('issuerProblem: the table of the spec (advertised x present), simple string comparison', () => {
  const issuer = 'http://localhost:4000';
  const advertised = { issuer, authorization_response_iss_parameter_supported: true };
  const silent = { issuer };
  const query = (params: Record<string, string | string[]>) => {
    const q = new URLSearchParams({ code: 'c', state: 's' });
    for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) q.append(k, one);
    return q;
  };
  const cases: Array<[string, Record<string, unknown>, URLSearchParams, RegExp | undefined]> = [
    ['advertised, present, equal: proceed', advertised, query({ iss: issuer }), undefined],
    ['advertised, absent: refuse', advertised, query({}), /no iss parameter, although http:\/\/localhost:4000 advertises it/],
    ['advertised, another issuer: refuse', advertised, query({ iss: 'https://evil.example.com' }), /"https:\/\/evil.example.com", not/],
    ['not advertised, absent: proceed', silent, query({}), undefined],
    ['not advertised, present, another issuer: refuse', silent, query({ iss: 'https://evil.example.com' }), /not http:\/\/localhost:4000/],
    ['not advertised, present, equal: proceed', silent, query({ iss: issuer }), undefined],
    ['a trailing slash is another issuer (no normalization)', advertised, query({ iss: `${issuer}/` }), /"http:\/\/localhost:4000\/"/],
    ['case is not folded', advertised, query({ iss: 'HTTP://LOCALHOST:4000' }), /not http/],
    ['the default port is not elided', { issuer: 'https://as.example' }, query({ iss: 'https://as.example:443' }), /not https/],
    ['two iss parameters: refuse', advertised, query({ iss: [issuer, issuer] }), /more than one iss/],
    ['an error response from another issuer: refused too', silent, query({ error: 'access_denied', iss: 'https://x' }), /not http/],
    [
      'advertised as a string, not true: not advertised',
      { issuer, authorization_response_iss_parameter_supported: 'true' },
      query({}),
      undefined,
    ],
  ];
  for (const [name, metadata, q, problem] of cases)
    test(name, () => {
      const got = issuerProblem(metadata, q);
      if (problem) assert.match(got ?? '(accepted)', problem);
      else assert.equal(got, undefined);
    });
});

test('application_type: native for a loopback callback, web for any other host', () => {
  const cases: Array<[string, 'native' | 'web']> = [
    ['http://127.0.0.1:8750/oauth/callback', 'native'],
    ['http://localhost:8750/oauth/callback', 'native'],
    ['http://[::1]:8750/oauth/callback', 'native'],
    ['https://gateway.example.com/oauth/callback', 'web'],
    ['http://10.0.0.5:8750/oauth/callback', 'web'],
  ];
  for (const [uri, type] of cases) assert.equal(applicationType(uri), type, uri);
  const metadata = clientMetadata('http://localhost:8750/oauth/callback');
  assert.equal(metadata.application_type, 'native');
  assert.deepEqual(metadata.grant_types, ['authorization_code', 'refresh_token']);
});

describe('withOfflineAccess: asked for when the authorization server lists it, never when it lists scopes without it', () => {
  const lists = { scopes_supported: ['mcp:basic', 'offline_access'] };
  const lacks = { scopes_supported: ['mcp:basic', 'mcp:read'] };
  const silent = {};
  const cases: Array<[string, string | undefined, Record<string, unknown>, string | undefined]> = [
    ['listed: added', 'mcp:basic', lists, 'mcp:basic offline_access'],
    ['listed and already asked for: once', 'offline_access mcp:basic', lists, 'mcp:basic offline_access'],
    ['listed, but no scope at all: still none (the server default)', undefined, lists, undefined],
    ['not listed: none added', 'mcp:basic mcp:read', lacks, 'mcp:basic mcp:read'],
    ['not listed, but a challenge named it: removed', 'mcp:basic offline_access', lacks, 'mcp:basic'],
    ['not listed, and only it: no scope', 'offline_access', lacks, undefined],
    ['no scopes_supported: as selected', 'mcp:basic', silent, 'mcp:basic'],
    ['no scopes_supported, a challenge named it: kept', 'mcp:basic offline_access', silent, 'mcp:basic offline_access'],
  ];
  for (const [name, scope, metadata, expected] of cases) test(name, () => assert.equal(withOfflineAccess(scope, metadata), expected));
});

test('an authorization request for offline_access carries prompt=consent (OpenID Connect Core section 11); others none', async () => {
  const as = {
    issuer: 'http://127.0.0.1:9',
    authorization_endpoint: 'http://127.0.0.1:9/authorize',
    token_endpoint: 'http://127.0.0.1:9/token',
  };
  const config = configurationFor(as, { clientId: 'c', redirectUri: 'http://127.0.0.1:1/cb', method: 'dynamic', registeredAt: 0 });
  const begin = (scope: string) =>
    beginAuthorization(config, { redirectUri: 'http://127.0.0.1:1/cb', scope, resource: 'http://127.0.0.1:2/mcp' });
  assert.equal((await begin('mcp:basic offline_access')).url.searchParams.get('prompt'), 'consent');
  assert.equal((await begin('mcp:basic')).url.searchParams.get('prompt'), null);
});

describe('obtainClient: pre-registered credentials stay with the authorization server they were used with (SEP-2352)', () => {
  const discovered = (issuer: string) =>
    ({
      resource: 'http://127.0.0.1:2/mcp',
      authorizationServer: issuer,
      asMetadata: { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token` },
      fallback: false,
    }) as Discovered;
  const used = (issuer: string, clientId = 'pre') => ({
    issuer,
    client: { clientId, redirectUri: 'http://127.0.0.1:1/cb', method: 'preregistered' as const, registeredAt: 0 },
  });
  const options = (usedWith?: ReturnType<typeof used>) => ({
    configured: { clientId: 'pre', clientSecret: 's' },
    redirectUri: 'http://127.0.0.1:1/cb',
    usedWith,
  });

  test('first use, and again with the same issuer: the configured client', async () => {
    assert.equal((await obtainClient(discovered('http://as1'), options())).clientId, 'pre');
    assert.equal((await obtainClient(discovered('http://as1'), options(used('http://as1')))).clientId, 'pre');
  });
  test('the server now names another authorization server: an error saying so, nothing sent there', async () => {
    await assert.rejects(
      obtainClient(discovered('http://as2'), options(used('http://as1'))),
      (err: unknown) =>
        err instanceof McpgwError &&
        err.code === 'MCPGW_E_OAUTH_REGISTRATION' &&
        /auth\.clientId pre was registered with the authorization server http:\/\/as1, but the server now names http:\/\/as2/.test(
          err.message,
        ),
    );
  });
  test('another configured client id (registered with the new server) is used', async () => {
    assert.equal((await obtainClient(discovered('http://as2'), options(used('http://as1', 'older')))).clientId, 'pre');
  });
});
