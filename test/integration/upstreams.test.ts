// Upstream kinds and options: legacy HTTP+SSE, API-key and static headers, isolation:
// session, and the attribution rule for server-to-client requests on shared upstreams.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { connect, fixtureServer, processesInGroup, startGateway, startHttpFixture, waitReady } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

test('a legacy HTTP+SSE upstream (transport: sse) is listed and called like any other', async (t) => {
  const legacy = await startHttpFixture(t, ['--name', 'old', '--tools', 'echo', '--sse']);
  const gw = await startGateway(t, { version: 1, servers: { old: { url: `http://127.0.0.1:${legacy.port}/sse`, transport: 'sse' } } });
  await waitReady(gw.url, ['old']);
  const client = await connect(t, gw.url);
  assert.deepEqual((await client.callTool({ name: 'old__echo', arguments: { text: 'sse' } })).structuredContent, { text: 'sse' });
});

test('apiKey auth and static headers are sent on every request; a rejected key is an error', async (t) => {
  const web = await startHttpFixture(t, ['--name', 'web', '--tools', 'echo', '--require-header', 'X-Api-Key: key-for-tests-123456']);
  const gw = await startGateway(
    t,
    {
      version: 1,
      servers: {
        good: { url: web.url, auth: { type: 'apiKey', header: 'X-Api-Key', value: '$<env:TEST_API_KEY>' } },
        viaHeaders: { url: web.url, headers: { 'X-Api-Key': 'key-for-tests-123456' } },
        bad: { url: web.url, auth: { type: 'apiKey', header: 'X-Api-Key', value: 'wrong-key-000000' } },
      },
    },
    { env: { TEST_API_KEY: 'key-for-tests-123456' }, allowErrors: [/rejected the API key/] },
  );
  await waitReady(gw.url, ['good', 'viaHeaders']);
  const status = await waitReady(gw.url, ['bad'], 'error');
  assert.equal(status.servers.bad.lastError.code, 'MCPGW_E_UPSTREAM_API_KEY');
  assert.doesNotMatch(JSON.stringify(status), /key-for-tests|wrong-key/);
  const client = await connect(t, gw.url);
  assert.deepEqual((await client.callTool({ name: 'good__echo', arguments: { text: 'k' } })).structuredContent, { text: 'k' });
  assert.deepEqual((await client.callTool({ name: 'viaHeaders__echo', arguments: { text: 'h' } })).structuredContent, { text: 'h' });
  assert.doesNotMatch(gw.logs.join(''), /key-for-tests/);
});

test('isolation: session gives each client session its own upstream, stopped with the session', async (t) => {
  const gw = await startGateway(t, {
    version: 1,
    servers: { own: fixtureServer('basic.ts', ['--name', 'own', '--tools', 'echo,sample,env'], { isolation: 'session' }) },
  });
  const a = await connect(t, gw.url, { capabilities: { sampling: {} } });
  const b = await connect(t, gw.url, { capabilities: { sampling: {} } });
  for (const [client, who] of [
    [a, 'a'],
    [b, 'b'],
  ] as const) {
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      model: who,
      content: { type: 'text', text: `from ${who}` },
    }));
  }
  await waitFor(
    async () => (await a.listTools()).tools.length > 0 && (await b.listTools()).tools.length > 0,
    'both sessions to get their upstream',
  );
  // Two calls at once, each answered by its own session.
  const [ra, rb] = await Promise.all([
    a.callTool({ name: 'own__sample', arguments: { prompt: 'q' } }),
    b.callTool({ name: 'own__sample', arguments: { prompt: 'q' } }),
  ]);
  assert.equal((ra.structuredContent as { model: string }).model, 'a');
  assert.equal((rb.structuredContent as { model: string }).model, 'b');

  const groups = gw.daemon.gateway.sessions.all().map((s) => s.own.get('own')!.status().pid!);
  assert.equal(new Set(groups).size, 2);
  // Client.close() only drops the connection; DELETE ends the session.
  await (b.transport as StreamableHTTPClientTransport).terminateSession();
  await waitFor(() => processesInGroup(groups[1]!).length === 0, "the closed session's upstream to stop");
  assert.ok(processesInGroup(groups[0]!).length > 0);
});

test('a shared upstream asking while two sessions have calls in flight is refused with -32603', async (t) => {
  const gw = await startGateway(t, {
    version: 1,
    servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'slow,sample']) },
  });
  await waitReady(gw.url, ['alpha']);
  const a = await connect(t, gw.url, { capabilities: { sampling: {} } });
  const b = await connect(t, gw.url, { capabilities: { sampling: {} } });
  for (const c of [a, b])
    c.setRequestHandler(CreateMessageRequestSchema, async () => ({ role: 'assistant', model: 'm', content: { type: 'text', text: 'x' } }));
  const slow = b.callTool({ name: 'alpha__slow', arguments: { ms: 3000 } });
  await waitFor(() => gw.daemon.gateway.inflightCount() === 1, 'the slow call to be in flight');
  const refused = await a.callTool({ name: 'alpha__sample', arguments: { prompt: 'q' } }).then(
    (r) => JSON.stringify(r),
    (err: McpError) => `${err.code} ${err.message}`,
  );
  assert.match(refused, /cannot tell which client/);
  await slow;
});
