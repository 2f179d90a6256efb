// /metrics and OAuth (issue 17 "Acceptance"): the counters by outcome exist at 0 from the first
// scrape (Prometheus' increase() and rate() never see the first event of a series born at 1),
// then a real refresh (a 401 on an unexpired token: refreshed, the call retried) and a refresh
// refused with invalid_grant move them and the token's expiry time. The whole exposition is
// also read by Prometheus' own checker (promtool) when Debian's prometheus package is there.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { OAUTH_FAILURE_OUTCOMES, OAUTH_REFRESH_OUTCOMES, RELOAD_OUTCOMES } from '../../src/observe/observer.js';
import { connect, fixtureServer, startGateway, tempDir, waitReady, type TestGateway } from '../helpers/gateway.js';
import { followAuthorization, startOAuthUpstream, type AuthorizationServer, type ProtectedServer } from '../helpers/oauth.js';
import { PROMTOOL_SKIP, promtoolCheck, samples, scrape, type Family } from '../helpers/prometheus.js';

const KEY = 'a-key-for-the-metrics-oauth-tests-of-enough-length-0123';
const REFRESHES = 'mcpgw_oauth_refreshes_total';
const FAILURES = 'mcpgw_oauth_authorization_failures_total';
const RELOADS = 'mcpgw_config_reloads_total';
const EXPIRY = 'mcpgw_oauth_token_expiry_timestamp_seconds';

/** The values of the series of `name` with `labels`: [] when there is none, [0] for one at zero. */
const values = (m: Map<string, Family>, name: string, labels: Record<string, string> = {}) =>
  samples(m, name, labels).map((s) => Number(s.value));

interface Setup {
  readonly as: AuthorizationServer;
  readonly secure: ProtectedServer;
  readonly gw: TestGateway;
  config(extra?: Record<string, unknown>): Record<string, unknown>;
  /** Follows /oauth/start/secure headlessly and waits until `secure` is ready. */
  authorize(): Promise<void>;
}

async function setup(t: TestContext, extra: Record<string, unknown> = {}, allowErrors: RegExp[] = []): Promise<Setup> {
  // Access tokens of 5 minutes: no refresh is due during the test unless the test causes one.
  const { as, secure, relay } = await startOAuthUpstream(t, { accessTtl: 300 });
  const dataDir = join(tempDir(t), 'data');
  const config = (more: Record<string, unknown> = {}) => ({
    version: 1,
    gateway: { listen: `127.0.0.1:${relay.port}`, dataDir },
    servers: { secure: { url: secure.url, auth: { type: 'oauth' } }, ...extra, ...more },
  });
  const gw = await startGateway(t, config(), { relay, env: { OAUTH_ENCRYPTION_KEY: KEY }, allowErrors });
  const authorize = async () => {
    const page = await followAuthorization(`http://localhost:${relay.port}/oauth/start/secure`);
    assert.equal(page.status, 200, page.body);
    await waitReady(gw.url, ['secure']);
  };
  return { as, secure, gw, config, authorize };
}

test('OAuth and reload counters are at 0 from the first scrape, for servers a reload adds too; a refresh and an invalid_grant move them and the expiry', async (t) => {
  const { as, secure, gw, config, authorize } = await setup(t);
  const first = await scrape(gw.url);
  for (const outcome of OAUTH_REFRESH_OUTCOMES) assert.deepEqual(values(first, REFRESHES, { server: 'secure', outcome }), [0], outcome);
  for (const outcome of OAUTH_FAILURE_OUTCOMES.filter((o) => o !== 'needs_authorization'))
    assert.deepEqual(values(first, FAILURES, { server: 'secure', outcome }), [0], outcome);
  // The daemon may have tried the server without a token already (needs_authorization counted).
  assert.equal(values(first, FAILURES, { server: 'secure', outcome: 'needs_authorization' }).length, 1);
  for (const outcome of RELOAD_OUTCOMES) assert.deepEqual(values(first, RELOADS, { outcome }), [0], outcome);
  assert.deepEqual(values(first, EXPIRY, { server: 'secure' }), [], 'no token yet');

  // A reload adds an OAuth server: its series are there at 0 on the next scrape.
  gw.writeConfig(config({ twin: { url: secure.url, auth: { type: 'oauth' } } }));
  await gw.daemon.reload('test');
  const reloaded = await scrape(gw.url);
  assert.deepEqual(values(reloaded, RELOADS, { outcome: 'applied' }), [1]);
  assert.deepEqual(values(reloaded, RELOADS, { outcome: 'failed' }), [0]);
  for (const outcome of OAUTH_REFRESH_OUTCOMES) assert.deepEqual(values(reloaded, REFRESHES, { server: 'twin', outcome }), [0], outcome);

  await authorize();
  const client = await connect(t, gw.url);
  await client.callTool({ name: 'secure__echo', arguments: { text: 'before' } });
  const authorized = await scrape(gw.url);
  assert.deepEqual(values(authorized, REFRESHES, { server: 'secure', outcome: 'success' }), [0]);
  const [expiry] = values(authorized, EXPIRY, { server: 'secure' });
  assert.ok(expiry !== undefined && expiry * 1000 > Date.now(), `an expiry time in the future: ${expiry}`);

  // The server refuses the unexpired token: the gateway refreshes it and retries the call.
  await secure.revokeTokens();
  assert.deepEqual((await client.callTool({ name: 'secure__echo', arguments: { text: 'again' } })).structuredContent, { text: 'again' });
  assert.equal((await as.stats()).refreshGrants, 1);
  const refreshed = await scrape(gw.url);
  assert.deepEqual(values(refreshed, REFRESHES, { server: 'secure', outcome: 'success' }), [1]);
  assert.deepEqual(values(refreshed, REFRESHES, { server: 'secure', outcome: 'invalid_grant' }), [0]);
  assert.deepEqual(values(refreshed, FAILURES, { server: 'secure', outcome: 'rejected' }), [1], 'the 401 on a token');
  const [later] = values(refreshed, EXPIRY, { server: 'secure' });
  assert.ok(later !== undefined && later > expiry, `the new token expires later: ${later} > ${expiry}`);

  // The grant is gone: the next refresh is refused with invalid_grant and the token dropped.
  await as.revoke();
  await secure.revokeTokens();
  const err = await client.callTool({ name: 'secure__echo', arguments: { text: 'x' } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof McpError && err.code === -32011, `needs authorization, got ${JSON.stringify(err)}`);
  const refused = await scrape(gw.url);
  assert.deepEqual(values(refused, REFRESHES, { server: 'secure', outcome: 'invalid_grant' }), [1]);
  assert.deepEqual(values(refused, REFRESHES, { server: 'secure', outcome: 'success' }), [1]);
  assert.deepEqual(values(refused, REFRESHES, { server: 'secure', outcome: 'error' }), [0]);
  assert.deepEqual(values(refused, EXPIRY, { server: 'secure' }), [], 'the refused token is gone, and its expiry with it');
  assert.deepEqual(values(refused, 'mcpgw_oauth_status', { server: 'secure', status: 'needs_authorization' }), [1]);
});

test(
  'promtool check metrics accepts the whole exposition after real calls (OAuth, tool errors, a server in error)',
  { skip: PROMTOOL_SKIP },
  async (t) => {
    const { gw, authorize } = await setup(
      t,
      {
        basic: fixtureServer('basic.ts', ['--tools', 'echo,add_tool']),
        broken: fixtureServer('crash-on-start.ts'),
      },
      [/broken/],
    );
    await authorize();
    await waitReady(gw.url, ['basic']);
    const client = await connect(t, gw.url);
    await client.callTool({ name: 'secure__echo', arguments: { text: 's' } });
    await client.callTool({ name: 'basic__echo', arguments: { text: 'b' } });
    assert.equal((await client.callTool({ name: 'basic__add_tool', arguments: { name: 'echo' } })).isError, true);
    await client.getPrompt({ name: 'basic__greet', arguments: {} }).catch(() => undefined);
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(text, /mcpgw_oauth_refreshes_total\{server="secure",outcome="success"\} 0/);
    const check = promtoolCheck(text);
    assert.ok(check.parsed, `promtool could not parse /metrics: ${check.output}`);
    // promtool's lint (names, help) is reported for our own series only: prom-client's default
    // Node metrics (nodejs_active_handles_total is a gauge named like a counter) are not ours.
    const ours = check.lint.filter((l) => /^(mcp_|mcpgw_)/.test(l));
    assert.deepEqual(ours, [], check.output);
  },
);
