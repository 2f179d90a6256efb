// Bad 2026-07-28 input (issue 13, "Bad input"): each request gets the revision's documented
// error and HTTP status, nothing reaches the upstream, and the daemon keeps serving everyone
// else (a 2025-era session and a good 2026-07-28 request afterwards). A counting proxy in front
// of the HTTP upstream sees every request the gateway sends it.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { FIXTURES, startFixture } from '../../scripts/conformance.js';
import { connect, startGateway, waitReady } from '../helpers/gateway.js';

/** A pass-through proxy that counts the JSON-RPC methods it forwards. */
async function countingProxy(t: TestContext, target: string): Promise<{ url: string; calls: Map<string, number> }> {
  const upstream = new URL(target);
  const calls = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        const method = (JSON.parse(body.toString('utf8')) as { method?: string }).method;
        if (method) calls.set(method, (calls.get(method) ?? 0) + 1);
      } catch {
        // GET/DELETE have no body
      }
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: upstream.pathname,
          method: req.method,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, calls };
}

const ENVELOPE = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
const CALL = { name: 'test_simple_text', arguments: {} };

interface Case {
  readonly what: string;
  readonly headers?: Record<string, string | undefined>;
  readonly method?: string;
  readonly params?: Record<string, unknown>;
  readonly path?: string;
  readonly status: number;
  readonly code: number;
}

const good = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'test_simple_text' };

const CASES: readonly Case[] = [
  { what: 'no _meta with a 2026-07-28 header', headers: good, params: { ...CALL }, status: 400, code: -32602 },
  {
    what: '_meta without clientCapabilities',
    headers: good,
    params: { ...CALL, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
    status: 400,
    code: -32602,
  },
  // Not a JSON-RPC request at all (params._meta must be an object): the SDK's classifier says -32600.
  { what: '_meta that is not an object', headers: good, params: { ...CALL, _meta: 'x' }, status: 400, code: -32600 },
  {
    what: 'an unknown protocol version',
    headers: { ...good, 'mcp-protocol-version': '2099-01-01' },
    params: { ...CALL, _meta: { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } },
    status: 400,
    code: -32022,
  },
  {
    what: 'a version header that contradicts _meta',
    headers: { ...good, 'mcp-protocol-version': '2025-11-25' },
    params: { ...CALL, _meta: ENVELOPE },
    status: 400,
    code: -32020,
  },
  {
    what: 'no MCP-Protocol-Version header',
    headers: { ...good, 'mcp-protocol-version': undefined },
    params: { ...CALL, _meta: ENVELOPE },
    status: 400,
    code: -32020,
  },
  {
    what: 'no Mcp-Method header',
    headers: { ...good, 'mcp-method': undefined },
    params: { ...CALL, _meta: ENVELOPE },
    status: 400,
    code: -32020,
  },
  {
    what: 'an Mcp-Method that is not the body method',
    headers: { ...good, 'mcp-method': 'tools/list' },
    params: { ...CALL, _meta: ENVELOPE },
    status: 400,
    code: -32020,
  },
  {
    what: 'no Mcp-Name header',
    headers: { ...good, 'mcp-name': undefined },
    params: { ...CALL, _meta: ENVELOPE },
    status: 400,
    code: -32020,
  },
  {
    what: 'an Mcp-Name that is not the body name',
    headers: { ...good, 'mcp-name': 'test_error_handling' },
    params: { ...CALL, _meta: ENVELOPE },
    status: 400,
    code: -32020,
  },
  {
    what: 'an Mcp-Name with broken Base64',
    headers: { ...good, 'mcp-name': '=?base64?dGVzd?=' },
    params: { ...CALL, _meta: ENVELOPE },
    status: 400,
    code: -32020,
  },
  {
    what: 'ping, removed by 2026-07-28',
    headers: { ...good, 'mcp-method': 'ping', 'mcp-name': undefined },
    method: 'ping',
    params: { _meta: ENVELOPE },
    status: 404,
    code: -32601,
  },
  {
    what: 'logging/setLevel, removed by 2026-07-28',
    headers: { ...good, 'mcp-method': 'logging/setLevel', 'mcp-name': undefined },
    method: 'logging/setLevel',
    params: { level: 'debug', _meta: ENVELOPE },
    status: 404,
    code: -32601,
  },
  {
    what: 'resources/subscribe, removed by 2026-07-28',
    headers: { ...good, 'mcp-method': 'resources/subscribe', 'mcp-name': undefined },
    method: 'resources/subscribe',
    params: { uri: 'test://watched-resource', _meta: ENVELOPE },
    status: 404,
    code: -32601,
  },
  {
    what: 'initialize with a 2026-07-28 envelope',
    headers: { ...good, 'mcp-method': 'initialize', 'mcp-name': undefined },
    method: 'initialize',
    params: { protocolVersion: '2026-07-28', capabilities: {}, clientInfo: { name: 'x', version: '1' }, _meta: ENVELOPE },
    status: 404,
    code: -32601,
  },
  {
    what: 'a forged requestState',
    headers: good,
    params: { ...CALL, requestState: 'forged-state-xyz', inputResponses: {}, _meta: ENVELOPE },
    status: 200,
    code: -32602,
  },
  {
    what: 'subscriptions/listen on an unknown profile',
    path: '/mcp/nope',
    headers: { ...good, 'mcp-method': 'subscriptions/listen', 'mcp-name': undefined },
    method: 'subscriptions/listen',
    params: { notifications: { toolsListChanged: true }, _meta: ENVELOPE },
    status: 404,
    code: -32600,
  },
];

test(
  'bad 2026-07-28 requests get the revision’s error and status, reach no server, and leave the daemon serving',
  { timeout: 120_000 },
  async (t) => {
    const fixture = startFixture({ file: FIXTURES.v2, stderr: 'pipe' });
    t.after(() => fixture.stop());
    const proxy = await countingProxy(t, await fixture.url);
    const gw = await startGateway(
      t,
      { version: 1, servers: { conf: { url: proxy.url, prefix: false } } },
      { allowErrors: [/request failed/] },
    );
    await waitReady(gw.url, ['conf']);
    const before = new Map(proxy.calls);

    for (const c of CASES) {
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      for (const [k, v] of Object.entries(c.headers ?? {})) if (v !== undefined) headers[k] = v;
      const response = await fetch(`${gw.url}${c.path ?? '/mcp'}`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: c.method ?? 'tools/call', params: c.params }),
      });
      const body = (await response.json()) as { id?: unknown; error?: { code: number; message: string } };
      assert.equal(response.status, c.status, `${c.what}: HTTP status (${body.error?.message})`);
      assert.equal(body.error?.code, c.code, `${c.what}: JSON-RPC code (${body.error?.message})`);
      assert.ok(body.error?.message, `${c.what}: a message`);
      if (c.status !== 404 || c.code !== -32600) assert.equal(body.id, 7, `${c.what}: the error carries the request id`);
    }
    for (const method of ['tools/call', 'ping', 'logging/setLevel', 'resources/subscribe', 'subscriptions/listen']) {
      assert.equal(proxy.calls.get(method) ?? 0, before.get(method) ?? 0, `no ${method} reached the upstream`);
    }

    // Everyone else is still served: a 2025-era session, and a good 2026-07-28 request.
    const legacy = await connect(t, gw.url);
    assert.ok((await legacy.listTools()).tools.some((tool) => tool.name === 'test_simple_text'));
    const fine = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...good },
      body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { ...CALL, _meta: ENVELOPE } }),
    });
    assert.equal(fine.status, 200);
    assert.equal(((await fine.json()) as { result: { resultType: string } }).result.resultType, 'complete');
  },
);
