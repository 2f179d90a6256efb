// GET /metrics (SPEC section 12, issue 17): scraped after real calls through the daemon and
// read back with a Prometheus text-format parser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import { connect, fixtureServer, startGateway, tempDir, waitReady } from '../helpers/gateway.js';
import { startAuthorizationServer, startProtectedServer } from '../helpers/oauth.js';
import { waitFor } from '../helpers/wait.js';
import { samples, scrape, valueOf } from '../helpers/prometheus.js';

const TOKEN = 'a-bearer-token-for-the-metrics-tests-0123';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const SERVER = 'mcp_server_operation_duration_seconds';
const CLIENT = 'mcp_client_operation_duration_seconds';

test('calls move the server and client histograms by method, tool, server, profile and error type; 401 without the token', async (t) => {
  const gw = await startGateway(t, {
    version: 1,
    gateway: { auth: { bearerTokens: [TOKEN] } },
    servers: { basic: { ...fixtureServer('basic.ts', ['--tools', 'echo,slow,add_tool']), timeouts: { call: '1s' } } },
  });
  const unauthorized = await fetch(`${gw.url}/metrics`);
  assert.equal(unauthorized.status, 401);
  assert.match(unauthorized.headers.get('www-authenticate') ?? '', /Bearer/);
  await waitFor(
    async () => (await (await fetch(`${gw.url}/status`, { headers: AUTH })).json()).servers.basic.state === 'ready',
    'basic ready',
  );
  const client = await connect(t, gw.url, { headers: AUTH });

  assert.deepEqual((await client.callTool({ name: 'basic__echo', arguments: { text: 'hi' } })).structuredContent, { text: 'hi' });
  await client.callTool({ name: 'basic__echo', arguments: { text: 'again' } });
  // A tool result with isError (the tool exists already).
  const dup = await client.callTool({ name: 'basic__add_tool', arguments: { name: 'echo' } });
  assert.equal(dup.isError, true);
  // Past timeouts.call: the gateway gives up and cancels upstream.
  const timeout = await client.callTool({ name: 'basic__slow', arguments: { ms: 5000 } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(timeout instanceof McpError, `a timeout error, got ${JSON.stringify(timeout)}`);

  // A JSON-RPC error of the upstream (a required prompt argument missing: -32602).
  const invalid = await client.getPrompt({ name: 'basic__greet', arguments: {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(invalid instanceof McpError && invalid.code === -32602, `an upstream error, got ${JSON.stringify(invalid)}`);

  const m = await scrape(gw.url, AUTH);
  assert.equal(valueOf(m, SERVER, { mcp_method_name: 'prompts/get', server: 'basic', error_type: '-32602' }), 1);
  assert.equal(valueOf(m, CLIENT, { mcp_method_name: 'prompts/get', server: 'basic', error_type: '-32602' }), 1);
  // The server side names the tool as the client sees it, the client side as the upstream does.
  const echo = { mcp_method_name: 'tools/call', gen_ai_tool_name: 'basic__echo', server: 'basic' };
  assert.equal(valueOf(m, SERVER, { ...echo, profile: 'default', error_type: '' }), 2);
  assert.equal(valueOf(m, CLIENT, { ...echo, gen_ai_tool_name: 'echo', error_type: '' }), 2);
  const [series] = samples(m, SERVER, { ...echo, error_type: '' });
  assert.equal(m.get(SERVER)!.type, 'HISTOGRAM');
  assert.equal(series!.buckets!['+Inf'] ?? series!.count, '2');
  assert.equal(Number(series!.buckets!['60']), 2, 'both calls are under a minute');
  assert.equal(valueOf(m, SERVER, { gen_ai_tool_name: 'basic__add_tool', error_type: 'tool_error' }), 1);
  const timedOut = samples(m, SERVER, { gen_ai_tool_name: 'basic__slow' });
  assert.equal(timedOut.length, 1);
  assert.match(timedOut[0]!.labels!.error_type!, /^MCPGW_E_/, 'a registered code');
  assert.equal(Number(timedOut[0]!.buckets!['0.5']), 0, 'the timed-out call took at least timeouts.call (1s)');
  assert.equal(Number(timedOut[0]!.buckets!['+Inf']), 1);
  assert.ok(valueOf(m, SERVER, { mcp_method_name: 'initialize', profile: 'default' }) >= 1);

  assert.equal(valueOf(m, 'mcpgw_upstream_state', { server: 'basic', state: 'ready' }), 1);
  assert.equal(valueOf(m, 'mcpgw_upstream_state', { server: 'basic', state: 'error' }), 0);
  assert.equal(valueOf(m, 'mcpgw_sessions_open', { profile: 'default' }), 1);
  assert.equal(valueOf(m, 'mcpgw_config_generation'), 1);
  assert.ok(m.has('process_cpu_user_seconds_total'), "Node's default metrics");
  assert.ok(m.has('nodejs_eventloop_lag_seconds'));

  // DELETE ends the session (client.close() alone leaves it open on the gateway).
  await (client.transport as StreamableHTTPClientTransport).terminateSession();
  const after = await waitFor(async () => {
    const now = await scrape(gw.url, AUTH);
    return valueOf(now, 'mcp_server_session_duration_seconds', { profile: 'default' }) === 1 ? now : undefined;
  }, 'the session duration to be recorded');
  assert.equal(valueOf(after, 'mcpgw_sessions_open', { profile: 'default' }), 0);
});

test('a call to a server that needs authorization: its error type, the OAuth failure and status series', async (t) => {
  const starting = startAuthorizationServer(t);
  const [, secure] = await Promise.all([
    starting,
    startProtectedServer(
      t,
      starting.then((a) => a.issuer),
      ['--name', 'secure', '--tools', 'echo'],
    ),
  ]);
  const dataDir = join(tempDir(t), 'data');
  const gw = await startGateway(
    t,
    { version: 1, gateway: { dataDir }, servers: { secure: { url: secure.url, auth: { type: 'oauth' } } } },
    {
      env: { OAUTH_ENCRYPTION_KEY: 'a-key-for-the-metrics-tests-of-enough-length-0123' },
    },
  );
  await waitReady(gw.url, ['secure'], 'needs_auth').catch(async (e) => {
    throw new Error(`${e}: ${JSON.stringify((await (await fetch(`${gw.url}/status`)).json()).servers)}`);
  });
  const client = await connect(t, gw.url);
  const err = await client.callTool({ name: 'secure__echo', arguments: { text: 'x' } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof McpError && err.code === -32011, `needs authorization, got ${JSON.stringify(err)}`);
  const m = await scrape(gw.url);
  assert.equal(
    valueOf(m, SERVER, { mcp_method_name: 'tools/call', error_type: 'MCPGW_E_SERVER_NEEDS_AUTH' }),
    1,
    JSON.stringify(samples(m, SERVER)),
  );
  assert.ok(valueOf(m, 'mcpgw_oauth_authorization_failures_total', { server: 'secure', outcome: 'needs_authorization' }) >= 1);
  assert.equal(valueOf(m, 'mcpgw_oauth_status', { server: 'secure', status: 'needs_authorization' }), 1);
  assert.equal(valueOf(m, 'mcpgw_upstream_state', { server: 'secure', state: 'needs_auth' }), 1);
});

test('gateway.metrics.auth false opens /metrics; enabled false is 404; reloads are counted by outcome', async (t) => {
  const config = (auth: boolean, extra = {}) => ({
    version: 1,
    gateway: { auth: { bearerTokens: [TOKEN] }, metrics: { auth } },
    servers: { basic: fixtureServer('basic.ts', ['--tools', 'echo']), ...extra },
  });
  const gw = await startGateway(t, config(false), { allowErrors: [/config rejected/] });
  const open = await scrape(gw.url);
  assert.equal(valueOf(open, 'mcpgw_config_reloads_total'), 0);
  gw.writeConfig('version: 1\nservers: [oops');
  await gw.daemon.reload('test');
  gw.writeConfig(config(false, { other: fixtureServer('basic.ts', ['--tools', 'echo']) }));
  await gw.daemon.reload('test');
  const m = await scrape(gw.url);
  assert.equal(valueOf(m, 'mcpgw_config_reloads_total', { outcome: 'rejected' }), 1);
  assert.equal(valueOf(m, 'mcpgw_config_reloads_total', { outcome: 'applied' }), 1);
  assert.equal(valueOf(m, 'mcpgw_config_generation'), 2);
  assert.doesNotMatch(await (await fetch(`${gw.url}/metrics`)).text(), new RegExp(TOKEN));
  // auth applies live on reload.
  gw.writeConfig(config(true, { other: fixtureServer('basic.ts', ['--tools', 'echo']) }));
  await gw.daemon.reload('test');
  assert.equal((await fetch(`${gw.url}/metrics`)).status, 401);

  const off = await startGateway(t, { version: 1, gateway: { metrics: { enabled: false } }, servers: {} });
  assert.equal((await fetch(`${off.url}/metrics`)).status, 404);
});
