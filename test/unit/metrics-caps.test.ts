// The cardinality caps of the operation histograms (SPEC section 12): tool names over the cap
// of a server share one `other` series, with one warning. The client side (fx__t1) and the
// upstream side (t1) of the same tools are capped apart: one cap for both sides used to fold a
// server's tools into `other` after 100 of them instead of 200 (found by helper-39's review).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StatusJson } from '../../src/api/status-json.js';
import { MAX_TOOLS_PER_SERVER, PromMetrics } from '../../src/observe/metrics.js';
import { parseExposition, samples } from '../helpers/prometheus.js';

function metrics(warnings: string[]): PromMetrics {
  const status = { version: '0.0.0', config: { generation: 1 }, servers: {}, profiles: {} } as unknown as StatusJson;
  return new PromMetrics({ status: () => status, sessions: () => [], warn: (m) => warnings.push(m) });
}

test('tool names over the per-server cap share one `other` series; client-side and upstream-side names are capped apart', async () => {
  const warnings: string[] = [];
  const m = metrics(warnings);
  const over = 30;
  for (let i = 0; i < MAX_TOOLS_PER_SERVER + over; i++)
    for (let round = 0; round < 2; round++) {
      m.serverOperation({ method: 'tools/call', params: { name: `fx__t${i}` }, profile: 'default' }, 'fx', '', 0.001);
      m.clientOperation({ method: 'tools/call', params: { name: `t${i}` }, server: 'fx' }, '', 0.001);
    }
  const families = parseExposition(await m.text());
  for (const name of ['mcp_server_operation_duration_seconds', 'mcp_client_operation_duration_seconds']) {
    assert.equal(samples(families, name, { server: 'fx' }).length, MAX_TOOLS_PER_SERVER + 1, name);
    const other = samples(families, name, { server: 'fx', gen_ai_tool_name: 'other' });
    assert.equal(other.length, 1, name);
    assert.equal(other[0].count, String(2 * over), name);
    assert.equal(samples(families, name, { gen_ai_tool_name: name.includes('server') ? 'fx__t0' : 't0' })[0].count, '2');
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /more than 200 distinct tool names for server "fx"/);
});
