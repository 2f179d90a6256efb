// A closed 2025-era session leaves the daemon's memory whoever closed it. Until this test, the
// session took over its transport's onclose (ClientSession.connect replaced the endpoint's), so
// the MCP endpoint kept every session a client had ended with DELETE, or a reload had closed,
// for the life of the process: about 22-55 KB each (bench, RSS per session), found in a heap
// snapshot of a gateway after 100 closed sessions (100 ClientSessions held by McpEndpoint.entries).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { connect, fixtureServer, startGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const KEEP = 'a-bearer-token-that-stays-0123456789abcdef';
const REVOKE = 'a-bearer-token-revoked-soon-0123456789abcd';

const config = (tokens: string[]) => ({
  version: 1,
  gateway: { auth: { bearerTokens: tokens } },
  servers: { s: fixtureServer('basic.ts', ['--name', 's'], { prefix: false }) },
});

test('sessions ended by DELETE or closed by a reload are no longer held; open ones are', { timeout: 60_000 }, async (t) => {
  const gw = await startGateway(t, config([KEEP, REVOKE]));
  await waitFor(() => gw.daemon.status().servers.s?.state === 'ready', 'the server to be ready');
  const open = async (token: string) => {
    const client = await connect(t, gw.url, { headers: { authorization: `Bearer ${token}` } });
    await client.listTools();
    return client;
  };
  const ended = await Promise.all([open(KEEP), open(KEEP), open(KEEP)]);
  const stays = await open(KEEP);
  await open(REVOKE);
  assert.equal(gw.daemon.mcpEndpoint?.held, 5);

  for (const client of ended) await (client.transport as StreamableHTTPClientTransport).terminateSession();
  await waitFor(() => gw.daemon.mcpEndpoint?.held === 2, 'the three ended sessions to be let go');

  gw.writeConfig(config([KEEP]));
  await waitFor(() => gw.daemon.mcpEndpoint?.held === 1, 'the session of the revoked token to be let go');
  // The one left is the open session, and it still works.
  assert.equal((await stays.listTools()).tools.length > 0, true);
  assert.equal(gw.daemon.status().profiles.default.sessions, 1);
});
