// OpenTelemetry traces (SPEC section 12, issue 17 item 2) sent to a real OTLP/HTTP receiver on
// loopback: a small server decoding the exporter's OTLP JSON.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { connect, fixtureServer, startGateway, tempDir, waitReady } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

async function receiver(t: TestContext): Promise<{ url: string; spans: OtlpSpan[] }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const r of doc.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans };
}

const attr = (s: OtlpSpan, key: string) => Object.values(s.attributes.find((a) => a.key === key)?.value ?? {})[0];

test("a tool call gives a SERVER span under the client's traceparent and a CLIENT child span per upstream call; a malformed one starts a new trace", async (t) => {
  const otlp = await receiver(t);
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50' };
  const events = join(tempDir(t), 'events.jsonl');
  const gw = await startGateway(
    t,
    { version: 1, servers: { basic: fixtureServer('basic.ts', ['--tools', 'echo,slow', '--events', events]) } },
    { env },
  );
  await waitReady(gw.url, ['basic']);
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const client = await connect(t, gw.url, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
  await client.callTool({ name: 'basic__echo', arguments: { text: 'traced' } });
  const server = await waitFor(() => otlp.spans.find((s) => s.kind === 2 && s.name === 'tools/call basic__echo'), 'the SERVER span');
  assert.equal(server.traceId, traceId);
  assert.equal(server.parentSpanId, '00f067aa0ba902b7');
  assert.equal(attr(server, 'mcp.method.name'), 'tools/call');
  assert.equal(attr(server, 'gen_ai.tool.name'), 'basic__echo');
  const child = await waitFor(() => otlp.spans.find((s) => s.kind === 3 && s.parentSpanId === server.spanId), 'the CLIENT span');
  assert.equal(child.traceId, traceId);
  assert.equal(child.name, 'tools/call echo');
  assert.equal(attr(child, 'gen_ai.tool.name'), 'echo');
  assert.equal(attr(server, 'mcp.session.id') !== undefined, true, 'a 2025-era session has an id');
  assert.equal(attr(server, 'jsonrpc.request.id') !== undefined, true);

  // The upstream gets the trace in params._meta.traceparent, with the gateway's CLIENT span as parent.
  await client.callTool({ name: 'basic__slow', arguments: { ms: 1 } });
  const slow = await waitFor(() => otlp.spans.find((s) => s.kind === 3 && s.name === 'tools/call slow'), 'the CLIENT span of slow');
  const started = readFileSync(events, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; traceparent?: string })
    .find((e) => e.event === 'started');
  assert.equal(started?.traceparent, `00-${traceId}-${slow.spanId}-01`, 'the upstream saw the trace id and the CLIENT span as parent');

  const other = await connect(t, gw.url, { headers: { traceparent: 'not-a-traceparent' } });
  await other.callTool({ name: 'basic__echo', arguments: { text: 'new trace' } });
  await waitFor(() => otlp.spans.filter((s) => s.kind === 2 && s.name === 'tools/call basic__echo').length === 2, 'a second SERVER span');
  const fresh = otlp.spans.filter((s) => s.kind === 2 && s.name === 'tools/call basic__echo')[1]!;
  assert.notEqual(fresh.traceId, traceId);
  assert.equal(fresh.parentSpanId ?? '', '');
});
