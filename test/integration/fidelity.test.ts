// Proxy fidelity (SPEC section 5): logging, progress, cancellation, ping, server-to-client
// requests, resource subscriptions and list_changed, through real fixture servers.
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { connect, fixtureServer, startGateway, startHttpFixture, tempDir, waitReady } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const FULL = 'echo,slow,progress,sample,elicit,roots,log,add_tool,touch_resource';

test('capabilities, instructions, ping, and logging levels per session', async (t) => {
  const gw = await startGateway(t, {
    version: 1,
    servers: {
      alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', FULL, '--instructions', 'Use alpha for echoes.']),
      beta: fixtureServer('basic.ts', ['--name', 'beta', '--tools', 'echo']),
    },
  });
  await waitReady(gw.url, ['alpha', 'beta']);
  const quiet = await connect(t, gw.url);
  const chatty = await connect(t, gw.url);
  const caps = quiet.getServerCapabilities()!;
  assert.deepEqual(Object.keys(caps).sort(), ['completions', 'logging', 'prompts', 'resources', 'tools']);
  assert.equal(caps.resources?.subscribe, true);
  assert.equal(quiet.getServerVersion()?.name, 'mcpgw');
  assert.match(quiet.getInstructions() ?? '', /## alpha\n\nUse alpha for echoes\./);
  assert.match(quiet.getInstructions() ?? '', /## beta\n\nThe beta fixture server\./);
  assert.deepEqual(await quiet.ping(), {});

  const quietLogs: string[] = [];
  const chattyLogs: string[] = [];
  quiet.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void quietLogs.push(n.params.level));
  chatty.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void chattyLogs.push(n.params.level));
  await quiet.setLoggingLevel('error');
  await chatty.setLoggingLevel('info');
  // The upstream got the most verbose level asked for (info): debug is not sent at all.
  const result = await chatty.callTool({ name: 'alpha__log', arguments: {} });
  assert.deepEqual((result.structuredContent as { sent: string[] }).sent, ['info', 'warning', 'error']);
  await waitFor(() => chattyLogs.length === 3 && quietLogs.length === 1, 'log messages');
  assert.deepEqual(chattyLogs, ['info', 'warning', 'error']);
  assert.deepEqual(quietLogs, ['error']);
});

test('progress maps to the caller token, cancellation reaches the upstream', async (t) => {
  const dir = tempDir(t);
  const events = join(dir, 'events.jsonl');
  const gw = await startGateway(t, {
    version: 1,
    servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', FULL, '--events', events]) },
  });
  await waitReady(gw.url, ['alpha']);
  const client = await connect(t, gw.url);

  const seen: Array<{ progress: number; total?: number; message?: string }> = [];
  const result = await client.callTool({ name: 'alpha__progress', arguments: { steps: 3 } }, undefined, {
    onprogress: (p) => void seen.push(p),
  });
  assert.deepEqual(
    seen.map((p) => p.progress),
    [1, 2, 3],
  );
  assert.equal(seen[2]!.message, 'step 3 of 3');
  assert.equal(seen[2]!.total, 3);
  assert.equal((result.structuredContent as { steps: number }).steps, 3);

  const controller = new AbortController();
  const call = client.callTool({ name: 'alpha__slow', arguments: { ms: 30_000 } }, undefined, { signal: controller.signal });
  await waitFor(() => existsSync(events) && readFileSync(events, 'utf8').includes('"started"'), 'the slow call to start');
  controller.abort('test cancels');
  await assert.rejects(call);
  await waitFor(() => readFileSync(events, 'utf8').includes('"cancelled"'), 'the upstream to see the cancellation');
  // The session still works after a cancellation.
  assert.deepEqual((await client.callTool({ name: 'alpha__echo', arguments: { text: 'after' } })).structuredContent, { text: 'after' });
});

test('sampling, elicitation and roots requests reach the calling session and their answers get back', async (t) => {
  const gw = await startGateway(t, {
    version: 1,
    servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', FULL]) },
  });
  await waitReady(gw.url, ['alpha']);
  const client = await connect(t, gw.url, { capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } } });
  const bystander = await connect(t, gw.url, { capabilities: { sampling: {} } });
  let bystanderAsked = false;
  bystander.setRequestHandler(CreateMessageRequestSchema, async () => {
    bystanderAsked = true;
    return { role: 'assistant', model: 'wrong', content: { type: 'text', text: 'wrong session' } };
  });
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
    role: 'assistant',
    model: 'test-model',
    content: { type: 'text', text: `answer to ${(req.params.messages[0]!.content as { text: string }).text}` },
  }));
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada' } }));
  client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///work', name: 'work' }] }));

  const sampled = await client.callTool({ name: 'alpha__sample', arguments: { prompt: 'the question' } });
  assert.equal((sampled.content as Array<{ text: string }>)[0]!.text, 'answer to the question');
  assert.equal((sampled.structuredContent as { model: string }).model, 'test-model');
  assert.equal(bystanderAsked, false);

  const elicited = await client.callTool({ name: 'alpha__elicit', arguments: { message: 'Who are you?' } });
  assert.deepEqual(elicited.structuredContent, { action: 'accept', content: { name: 'Ada' } });

  const roots = await client.callTool({ name: 'alpha__roots', arguments: {} });
  assert.deepEqual(roots.structuredContent, { roots: [{ uri: 'file:///work', name: 'work' }] });

  // A client without the capability: the upstream's request gets -32601, its tool reports it.
  const plain = await connect(t, gw.url);
  const refused = await plain.callTool({ name: 'alpha__elicit', arguments: { message: 'x' } }).then(
    (r) => JSON.stringify(r),
    (err: McpError) => `${err.code} ${err.message}`,
  );
  assert.match(refused, /-32601|does not support/);
  // url-mode elicitation needs elicitation.url.
  const urlMode = await client.callTool({ name: 'alpha__elicit', arguments: { message: 'open', url: 'https://example.com/x' } }).then(
    (r) => JSON.stringify(r),
    (err: McpError) => `${err.code} ${err.message}`,
  );
  assert.match(urlMode, /-32601|does not support/);
});

test('resource subscriptions and list_changed reach the right sessions', async (t) => {
  const web = await startHttpFixture(t, ['--name', 'web', '--tools', FULL]);
  const gw = await startGateway(t, {
    version: 1,
    servers: {
      alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', FULL]),
      web: { url: web.url },
    },
    profiles: { default: { servers: ['alpha', 'web'] }, onlyweb: { servers: ['web'] } },
  });
  await waitReady(gw.url, ['alpha', 'web']);
  const subscriber = await connect(t, gw.url);
  const other = await connect(t, gw.url);
  const webOnly = await connect(t, gw.url, { profile: 'onlyweb' });
  const updates: string[] = [];
  const otherUpdates: string[] = [];
  subscriber.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
  other.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void otherUpdates.push(n.params.uri));
  await subscriber.subscribeResource({ uri: 'fixture://web/counter' });
  await other.callTool({ name: 'web__touch_resource', arguments: {} });
  await waitFor(() => updates.length === 1, 'the resource update');
  assert.deepEqual(updates, ['fixture://web/counter']);
  assert.deepEqual(otherUpdates, []);
  await subscriber.unsubscribeResource({ uri: 'fixture://web/counter' });

  const changed = { subscriber: 0, webOnly: 0 };
  subscriber.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed.subscriber++);
  webOnly.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed.webOnly++);
  await other.callTool({ name: 'alpha__add_tool', arguments: { name: 'fresh' } });
  await waitFor(() => changed.subscriber === 1, 'tools/list_changed on the default profile');
  assert.ok((await subscriber.listTools()).tools.some((x) => x.name === 'alpha__fresh'));
  assert.deepEqual((await subscriber.callTool({ name: 'alpha__fresh', arguments: {} })).content, [
    { type: 'text', text: 'dynamic tool fresh of alpha' },
  ]);
  // The onlyweb profile does not contain alpha: its lists did not change.
  await other.callTool({ name: 'web__add_tool', arguments: { name: 'webfresh' } });
  await waitFor(() => changed.webOnly === 1 && changed.subscriber === 2, 'tools/list_changed for web');
  assert.ok((await webOnly.listTools()).tools.some((x) => x.name === 'web__webfresh'));
});

test('completion routes by prompt name and by resource template', async (t) => {
  const gw = await startGateway(t, {
    version: 1,
    servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo']) },
  });
  await waitReady(gw.url, ['alpha']);
  const client = await connect(t, gw.url);
  const byPrompt = await client.complete({ ref: { type: 'ref/prompt', name: 'alpha__greet' }, argument: { name: 'name', value: '' } });
  assert.ok(byPrompt.completion.values.length > 0);
  const template = (await client.listResourceTemplates()).resourceTemplates[0]!.uriTemplate;
  const byTemplate = await client.complete({ ref: { type: 'ref/resource', uri: template }, argument: { name: 'id', value: '' } });
  assert.ok(byTemplate.completion.values.length > 0);
});
