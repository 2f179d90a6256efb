// What the conformance client suite at 2026-07-28 found in the gateway's upstream client, each
// against a real (hand-written, raw JSON-RPC) 2026-07-28 HTTP server: modern-raw.ts.
// - sep-2322-client-request-state: a result without `resultType` (which clients MUST read as
//   complete) failed the call with an opaque internal error: the SDK v2 client refuses it.
// - http-invalid-tool-headers: tools whose x-mcp-header annotations break the revision's
//   constraints were listed (and a call of one failed in fetch, or sent a header it must not).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client as ClientV2, StreamableHTTPClientTransport as StreamableHTTPV2 } from '@modelcontextprotocol/client';
import { connect, startGateway, startHttpFixture, waitReady } from '../helpers/gateway.js';

const textOf = (result: unknown) =>
  ((result as { content?: { type: string; text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');

async function setup(t: import('node:test').TestContext) {
  const raw = await startHttpFixture(t, [], 'modern-raw.ts');
  const gw = await startGateway(t, { version: 1, servers: { raw: { url: raw.url } } });
  const status = await waitReady(gw.url, ['raw']);
  assert.equal(status.servers.raw.protocol, '2026-07-28');
  return gw;
}

test('a 2026-07-28 result without resultType reads as complete, for clients of both eras', async (t) => {
  const gw = await setup(t);
  const legacy = await connect(t, gw.url);
  const answered = JSON.parse(textOf(await legacy.callTool({ name: 'raw__echo_headers', arguments: { region: 'eu-west' } })));
  assert.equal(answered['mcp-method'], 'tools/call');
  assert.equal(answered['mcp-name'], 'echo_headers');
  assert.equal(answered['mcp-param-region'], 'eu-west');

  const modern = new ClientV2({ name: 'modern', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  t.after(() => modern.close());
  await modern.connect(new StreamableHTTPV2(new URL(`${gw.url}/mcp`)));
  const result = await modern.callTool({ name: 'raw__echo_headers', arguments: { region: 'us' } });
  assert.equal(JSON.parse(textOf(result))['mcp-param-region'], 'us');
});

test('tools with invalid x-mcp-header annotations are left out of tools/list, each with a warning naming it and why', async (t) => {
  const gw = await setup(t);
  const client = await connect(t, gw.url);
  const { tools } = await client.listTools();
  assert.deepEqual(
    tools.map((tool) => tool.name),
    ['raw__echo_headers'],
  );
  const warnings = gw.logs
    .filter((line) => line.includes('left out'))
    .map((line) => JSON.parse(line) as { level: string; msg: string; server: string });
  assert.deepEqual(
    warnings.map((w) => [w.level, w.server, w.msg.replace(/:.*/, '')]),
    [
      ['warn', 'raw', 'tool "bad_number" left out'],
      ['warn', 'raw', 'tool "bad_token" left out'],
      ['warn', 'raw', 'tool "bad_nested" left out'],
    ],
  );
  assert.match(warnings[0]!.msg, /x-mcp-header "Score" of property "score" is on type "number"/);
  assert.match(warnings[1]!.msg, /"My Region" of property "value" is not an HTTP header token/);
  assert.match(warnings[2]!.msg, /reached through "properties" alone/);
  // Not listed means not callable either: the name is unknown to the gateway.
  await assert.rejects(client.callTool({ name: 'raw__bad_number', arguments: { score: 1 } }));
});
