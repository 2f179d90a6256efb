// prom-client loads after the stdio servers have started (observe/start.ts, issue 18 item 2).
// What happens before it has loaded is held and replayed: nothing is lost, and a scrape at any
// moment loads it and answers in full. Its own process: the first test needs prom-client
// not loaded yet.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { connect, fixtureServer, startGateway } from '../helpers/gateway.js';
import { scrape, valueOf } from '../helpers/prometheus.js';
import { waitFor } from '../helpers/wait.js';

const promClientLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes('/prom-client/'));

test('calls and a closed session while a server is still starting are counted once prom-client has loaded', async (t) => {
  // `never` stays starting (it answers nothing): the daemon holds prom-client back meanwhile.
  const gw = await startGateway(t, {
    version: 1,
    servers: { basic: fixtureServer('basic.ts', ['--tools', 'echo']), never: fixtureServer('never-initialize.ts') },
  });
  const client = await connect(t, gw.url);
  await client.listTools();
  await client.listTools();
  // DELETE: the session ends as its client asked, and the gateway has closed it when this resolves.
  await (client.transport as StreamableHTTPClientTransport).terminateSession();
  assert.equal(promClientLoaded(), false, 'prom-client is not loaded while a server is starting');

  const first = await scrape(gw.url);
  assert.equal(promClientLoaded(), true);
  assert.equal(valueOf(first, 'mcp_server_operation_duration_seconds', { mcp_method_name: 'tools/list', profile: 'default' }), 2);
  // The session's end may be recorded just after DELETE's answer (as in metrics.test.ts).
  const m = await waitFor(async () => {
    const now = await scrape(gw.url);
    return valueOf(now, 'mcp_server_session_duration_seconds', { profile: 'default' }) === 1 ? now : undefined;
  }, 'the session duration to be recorded');
  // The rest of the exposition is there from this first scrape: gauges, build info, Node's own.
  assert.equal(valueOf(m, 'mcpgw_upstream_state', { server: 'never', state: 'starting' }), 1);
  assert.ok(m.has('mcpgw_build_info') && m.has('process_cpu_user_seconds_total') && m.has('nodejs_eventloop_lag_seconds'));
});
