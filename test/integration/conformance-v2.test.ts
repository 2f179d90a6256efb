// The dual-era fixture built with SDK v2 (test/fixtures/servers/conformance-v2.ts) against the
// official conformance suite (0.2.0-alpha.12, server mode), directly, at both revisions: every
// scenario of --spec-version 2025-11-25 passes, and every scenario of --spec-version
// 2026-07-28 (the 37 scored by --requirements 2026-07-28, plus the 3 it runs as pending) passes.
// This is the baseline a run through the gateway is compared against, scenario by scenario
// (issue 13, item 5; docs/conformance.md). The other tests show what the scenarios do not: the
// change triggers reach 2025-era HTTP sessions, and the same fixture over stdio serves a
// 2025-era SDK v1 client and a 2026-07-28 SDK v2 client.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  PromptListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import {
  describeResult,
  FIXTURES,
  listScenarios,
  missingFiles,
  requirementSet,
  runSuite,
  startFixture,
  type ScenarioResult,
} from '../../scripts/conformance.js';
import { ROOT } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const REVISIONS = ['2025-11-25', '2026-07-28'] as const;
const textOf = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;

test('the SDK v2 fixture passes every conformance scenario of both revisions directly', { timeout: 300_000 }, async (t) => {
  assert.deepEqual(missingFiles(), [], 'the conformance CLI and node@22 are dev dependencies: run npm install');
  const abort = new AbortController();
  t.after(() => abort.abort());
  const fixture = startFixture({ file: FIXTURES.v2, stderr: 'pipe' });
  t.after(() => fixture.stop());
  const url = await fixture.url;

  for (const revision of REVISIONS) {
    const started = Date.now();
    const results: ScenarioResult[] = await runSuite(url, {
      specVersion: revision,
      timeoutMs: 60_000,
      signal: abort.signal,
      onResult: (r) => {
        if (!r.passed || r.warnings.length > 0) t.diagnostic(`${revision}: ${describeResult(r).join('\n')}`);
      },
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const checks = results.reduce((n, r) => n + r.successes, 0);
    t.diagnostic(`${revision}: ${results.filter((r) => r.passed).length}/${results.length} scenarios, ${checks} checks, in ${seconds} s`);

    assert.deepEqual(
      results.map((r) => r.scenario),
      listScenarios({ specVersion: revision }),
      `${revision}: the run covers every scenario the suite lists`,
    );
    // The frozen requirement set's scored scenarios are all among them.
    const set = requirementSet(revision)!;
    assert.deepEqual(
      set.scored.filter((s) => !results.some((r) => r.scenario === s)),
      [],
      `${revision}: scored scenarios missing from the run`,
    );
    assert.deepEqual(
      results.filter((r) => !r.passed).map((r) => describeResult(r).join('\n')),
      [],
      `${revision}: scenarios failing directly at the fixture`,
    );
  }
});

test('the SDK v2 fixture over stdio serves a 2025-era client and a 2026-07-28 client', { timeout: 60_000 }, async (t) => {
  const params = { command: process.execPath, args: ['--import', 'tsx', FIXTURES.v2, '--stdio'], cwd: ROOT, stderr: 'pipe' as const };

  // 2025-11-25 (SDK v1 client): a multi-round-trip tool becomes a real sampling request on the
  // session (the SDK v2 legacy shim); resources/subscribe gets updates.
  const legacy = new Client({ name: 'legacy', version: '1.0.0' }, { capabilities: { sampling: {} } });
  t.after(() => legacy.close());
  legacy.setRequestHandler(CreateMessageRequestSchema, async () => ({
    role: 'assistant',
    content: { type: 'text', text: 'pong' },
    model: 'test',
  }));
  const updates: string[] = [];
  legacy.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => void updates.push(n.params.uri));
  await legacy.connect(new StdioClientTransport(params));
  assert.equal(legacy.getServerVersion()?.name, 'mcpgw-conformance-v2');
  const { tools } = await legacy.listTools();
  assert.ok(tools.some((tool) => tool.name === 'test_input_required_result_elicitation'));
  assert.equal(textOf(await legacy.callTool({ name: 'test_sampling', arguments: { prompt: 'ping?' } })), 'LLM response: pong');
  await legacy.subscribeResource({ uri: 'test://watched-resource' });
  await legacy.callTool({ name: 'test_trigger_resource_update', arguments: {} });
  await waitFor(() => updates.includes('test://watched-resource'), 'resources/updated on the 2025-era stdio session');

  // 2026-07-28 (SDK v2 client pinned to it): server/discover, an InputRequiredResult answered
  // by the client's elicitation handler, subscriptions/listen on the same pipe.
  const modern = new ClientV2(
    { name: 'modern', version: '1.0.0' },
    { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  t.after(() => modern.close());
  modern.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: 'Ada' } }));
  let toolsChanged = 0;
  modern.setNotificationHandler('notifications/tools/list_changed', async () => void toolsChanged++);
  await modern.connect(new StdioV2(params));
  assert.equal(modern.getNegotiatedProtocolVersion(), '2026-07-28');
  assert.equal(textOf(await modern.callTool({ name: 'test_input_required_result_elicitation', arguments: {} })), 'Hello, Ada!');
  const subscription = await modern.listen({ toolsListChanged: true });
  t.after(() => subscription.close());
  await modern.callTool({ name: 'test_trigger_tool_change', arguments: {} });
  await waitFor(() => toolsChanged > 0, 'tools/list_changed on the 2026-07-28 stdio listen stream');
});

test('the SDK v2 fixture over HTTP sends list changes and resource updates to 2025-era sessions', { timeout: 60_000 }, async (t) => {
  const fixture = startFixture({ file: FIXTURES.v2, stderr: 'pipe' });
  t.after(() => fixture.stop());
  const client = new Client({ name: 'legacy-http', version: '1.0.0' });
  t.after(() => client.close());
  const seen: string[] = [];
  client.setNotificationHandler(ToolListChangedNotificationSchema, async () => void seen.push('tools'));
  client.setNotificationHandler(PromptListChangedNotificationSchema, async () => void seen.push('prompts'));
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => void seen.push(n.params.uri));
  await client.connect(new StreamableHTTPClientTransport(new URL(await fixture.url)));
  await client.subscribeResource({ uri: 'test://watched-resource' });
  const trigger = (name: string) => client.callTool({ name, arguments: {} });
  // Notifications travel on the session's GET stream, which the client opens once initialized:
  // trigger until the first one arrives (one sent before the stream exists is not delivered).
  await waitFor(async () => seen.includes('tools') || void (await trigger('test_trigger_tool_change')), 'tools/list_changed');
  await trigger('test_trigger_prompt_change');
  await trigger('test_trigger_resource_update');
  await waitFor(() => seen.includes('prompts') && seen.includes('test://watched-resource'), 'prompts/list_changed and resources/updated');
  assert.deepEqual([...new Set(seen)].sort(), ['prompts', 'test://watched-resource', 'tools']);
});
