// The gateway core end to end: real stdio and HTTP fixture servers aggregated into profiles,
// exposed names, filters, collisions, a server that is down, and the HTTP surface's checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { connect, fixtureServer, rawRequest, startGateway, startHttpFixture, waitReady } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

test('two stdio servers and one HTTP server aggregated in two profiles', async (t) => {
  const web = await startHttpFixture(t, ['--name', 'web', '--tools', 'echo,add']);
  const gw = await startGateway(
    t,
    {
      version: 1,
      servers: {
        alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo,add,env'], { env: { FIXTURE_SECRET: 'from-config' } }),
        beta: fixtureServer('basic.ts', ['--name', 'beta', '--tools', 'echo,add'], { tools: { deny: ['add'] } }),
        web: { url: web.url },
        down: { command: 'mcpgw-no-such-command-xyz' },
        off: { command: 'mcpgw-no-such-command-xyz', enabled: false },
      },
      profiles: {
        default: { servers: ['alpha', 'beta', 'web', 'down', 'off'] },
        narrow: { servers: ['alpha', 'web'], tools: { allow: ['alpha__*'], deny: ['*add'] } },
      },
    },
    { allowErrors: [/mcpgw-no-such-command-xyz/] },
  );
  const status = await waitReady(gw.url, ['alpha', 'beta', 'web']);
  await waitReady(gw.url, ['down'], 'error');

  const client = await connect(t, gw.url);
  const names = (await client.listTools()).tools.map((x) => x.name).sort();
  assert.deepEqual(names, ['alpha__add', 'alpha__echo', 'alpha__env', 'beta__echo', 'web__add', 'web__echo']);

  const echoed = await client.callTool({ name: 'web__echo', arguments: { text: 'hi' } });
  assert.deepEqual(echoed.structuredContent, { text: 'hi' });
  assert.deepEqual(echoed._meta, { 'fixture/server': 'web' });
  const sum = await client.callTool({ name: 'alpha__add', arguments: { a: 2, b: 3 } });
  assert.deepEqual(sum.structuredContent, { sum: 5 });
  const env = await client.callTool({ name: 'alpha__env', arguments: { name: 'FIXTURE_SECRET' } });
  assert.equal((env.structuredContent as { value: string }).value, 'from-config');

  // A listed tool keeps everything but its name: schema, annotations, _meta, title.
  const tool = (await client.listTools()).tools.find((x) => x.name === 'alpha__echo')!;
  assert.equal(tool.title, 'Echo');
  assert.deepEqual(tool.annotations, { readOnlyHint: true });
  assert.deepEqual(tool._meta, { 'fixture/server': 'alpha' });
  assert.deepEqual(tool.outputSchema, { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] });

  const narrow = await connect(t, gw.url, { profile: 'narrow' });
  assert.deepEqual((await narrow.listTools()).tools.map((x) => x.name).sort(), ['alpha__echo', 'alpha__env']);
  await assert.rejects(narrow.callTool({ name: 'web__echo', arguments: { text: 'x' } }), (err: McpError) => err.code === -32602);

  // The server that is down: error state with the reason, its calls fail naming it.
  const down = (await (await fetch(`${gw.url}/status`)).json()) as Record<string, any>;
  assert.equal(down.servers.down.state, 'error');
  assert.equal(down.servers.down.lastError.code, 'MCPGW_E_UPSTREAM_COMMAND');
  assert.match(down.servers.down.lastError.message, /mcpgw-no-such-command-xyz/, 'the message names the command');
  assert.equal(down.servers.off.state, 'disabled');
  assert.equal(status.profiles.default.url.endsWith('/mcp/default'), true);
  await assert.rejects(client.callTool({ name: 'down__anything', arguments: {} }), (err: McpError) => {
    assert.equal(err.code, -32010);
    assert.match(err.message, /server "down"/);
    return true;
  });
  await assert.rejects(
    client.callTool({ name: 'nothing__here', arguments: {} }),
    (err: McpError) => err.code === -32602 && /Unknown tool/.test(err.message),
  );

  // Prompts are prefixed like tools; resources keep their URIs.
  const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
  assert.ok(prompts.includes('alpha__greet') && prompts.includes('web__simple'));
  const greeting = await client.getPrompt({ name: 'beta__greet', arguments: { name: 'Ada' } });
  assert.match(JSON.stringify(greeting.messages), /Ada/);
  const resources = (await client.listResources()).resources.map((r) => r.uri);
  assert.ok(resources.includes('fixture://alpha/static') && resources.includes('fixture://web/static'));
  const read = await client.readResource({ uri: 'fixture://beta/static' });
  assert.match(JSON.stringify(read.contents), /Static resource of beta/);
  const templated = await client.readResource({ uri: 'fixture://web/items/42' });
  assert.match(JSON.stringify(templated.contents), /Item 42 of web/);
});

test('a run-time collision between unprefixed members is won by the first listed', async (t) => {
  const gw = await startGateway(t, {
    version: 1,
    servers: {
      first: fixtureServer('basic.ts', ['--name', 'first', '--tools', 'echo,add'], { prefix: false }),
      second: fixtureServer('basic.ts', ['--name', 'second', '--tools', 'echo,env'], { prefix: false }),
    },
  });
  await waitReady(gw.url, ['first', 'second']);
  const client = await connect(t, gw.url);
  assert.deepEqual((await client.listTools()).tools.map((x) => x.name).sort(), ['add', 'echo', 'env']);
  const echoed = await client.callTool({ name: 'echo', arguments: { text: 'x' } });
  assert.deepEqual(echoed._meta, { 'fixture/server': 'first' });
  const status = (await (await fetch(`${gw.url}/status`)).json()) as Record<string, any>;
  assert.match(status.profiles.default.warnings.join('\n'), /tool "echo" of server "second" dropped: server "first" \(listed first\)/);
});

test('HTTP surface: unknown profile, malformed JSON, oversized body, sessions', async (t) => {
  const gw = await startGateway(t, {
    version: 1,
    servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo']) },
    profiles: { main: { servers: ['alpha'] }, other: { servers: ['alpha'] } },
  });
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    });

  const missing = await post('/mcp/nope', '{}');
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as any).error.message, /no profile "nope"; profiles: main, other/);
  // With profiles and no "default", /mcp is 404 too.
  assert.equal((await post('/mcp', '{}')).status, 404);

  const garbled = await post('/mcp/main', '{"jsonrpc": "2.0", ');
  assert.equal(garbled.status, 400);
  assert.equal(((await garbled.json()) as any).error.code, -32700);

  const huge = await post(
    '/mcp/main',
    JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(5 * 1024 * 1024) } }),
  );
  assert.equal(huge.status, 413);

  const noSession = await post('/mcp/main', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
  assert.equal(noSession.status, 400);
  const unknownSession = await post('/mcp/main', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), {
    'mcp-session-id': 'nope',
  });
  assert.equal(unknownSession.status, 404);

  // A session belongs to its profile; DELETE ends it.
  const client = await connect(t, gw.url, { profile: 'main' });
  const sessionId = (client.transport as { sessionId?: string }).sessionId!;
  const wrongProfile = await post('/mcp/other', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), {
    'mcp-session-id': sessionId,
    'mcp-protocol-version': '2025-11-25',
  });
  assert.equal(wrongProfile.status, 404);
  const status = (await (await fetch(`${gw.url}/status`)).json()) as Record<string, any>;
  assert.equal(status.profiles.main.sessions, 1);
  const deleted = await fetch(`${gw.url}/mcp/main`, {
    method: 'DELETE',
    headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
  });
  assert.equal(deleted.status, 200);
  const after = await post('/mcp/main', JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }), {
    'mcp-session-id': sessionId,
    'mcp-protocol-version': '2025-11-25',
  });
  assert.equal(after.status, 404);
});

test('over real HTTP: a bad Host or Origin gets 403 before auth, no or a wrong token 401 (Basic only on /status), allowedOrigins get CORS preflights', async (t) => {
  const gw = await startGateway(
    t,
    {
      version: 1,
      gateway: {
        auth: { bearerTokens: ['$<env:TEST_GW_TOKEN>'] },
        allowedOrigins: ['https://app.example.com'],
        allowedHosts: ['gw.internal'],
      },
      servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo']) },
    },
    { env: { TEST_GW_TOKEN: 'token-for-tests-1234567890' } },
  );
  const auth = { authorization: 'Bearer token-for-tests-1234567890' };
  const get = (path: string, headers: Record<string, string> = {}) => rawRequest(`${gw.url}${path}`, { headers });

  assert.equal((await get('/healthz', { host: 'evil.example' })).status, 200);
  assert.equal((await get('/readyz', { host: 'evil.example' })).status !== 403, true);
  assert.equal((await get('/status', { ...auth, host: 'evil.example' })).status, 403);
  assert.equal((await get('/status', { ...auth, host: 'gw.internal:8750' })).status, 200);
  assert.equal((await get('/status', { ...auth, host: 'localhost' })).status, 200);
  assert.equal((await get('/status', { ...auth, origin: 'https://evil.example' })).status, 403);
  assert.equal((await get('/status', { ...auth, origin: 'null' })).status, 403);
  assert.equal((await get('/status', { ...auth, origin: 'http://localhost:6274' })).status, 200);
  // Host and Origin are checked before auth: no token needed to be refused.
  assert.equal((await get('/mcp', { host: 'evil.example' })).status, 403);

  const noToken = await get('/status');
  assert.equal(noToken.status, 401);
  assert.match(String(noToken.headers['www-authenticate']), /Bearer/);
  assert.doesNotMatch(String(noToken.headers['www-authenticate']), /resource_metadata/);
  assert.equal((await get('/status', { authorization: 'Bearer wrong' })).status, 401);
  const basic = `Basic ${Buffer.from('any:token-for-tests-1234567890').toString('base64')}`;
  assert.equal((await get('/status', { authorization: basic })).status, 200);
  assert.equal(
    (await fetch(`${gw.url}/mcp`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/json' }, body: '{}' }))
      .status,
    401,
  );

  // CORS for an allowed origin: preflight answered, session id exposed.
  const preflight = await fetch(`${gw.url}/mcp`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example.com');

  await assert.rejects(connect(t, gw.url), /401|Unauthorized/i);
  const client = await connect(t, gw.url, { headers: auth });
  assert.deepEqual(
    await waitFor(async () => {
      const names = (await client.listTools()).tools.map((x) => x.name);
      return names.length > 0 ? names : undefined;
    }, 'alpha to be ready'),
    ['alpha__echo'],
  );
  const status = (await get('/status', auth)).body;
  assert.doesNotMatch(status, /token-for-tests/);
});
