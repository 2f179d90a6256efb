// The authorization step as a URL-mode elicitation (SPEC section 10, MCP 2025-11-25): a client
// that declared `elicitation.url` gets a call's needs-authorization error as
// URLElicitationRequired (-32042) with the link in data.elicitations, and a 2025-era session
// hears notifications/elicitation/complete once the server is usable; a client without the
// capability keeps getting -32011 with data.authorizationUrl; a 2026-07-28 client gets -32042.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { ElicitationCompleteNotificationSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { connect, startGateway, tempDir, waitReady } from '../helpers/gateway.js';
import { followAuthorization, startOAuthUpstream } from '../helpers/oauth.js';
import { waitFor } from '../helpers/wait.js';

const KEY = 'a-test-key-for-url-elicitation-0123456789ab';

async function failure(call: Promise<unknown>): Promise<{ code?: number; data?: Record<string, any> }> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err && typeof err === 'object' && 'code' in err, `expected a JSON-RPC error, got ${JSON.stringify(err)}`);
  return err as { code?: number; data?: Record<string, any> };
}

test('elicitation.url clients get -32042 with the link, then elicitation/complete; others -32011', async (t) => {
  const { secure, relay } = await startOAuthUpstream(t, { tools: 'echo' });
  const gw = await startGateway(
    t,
    {
      version: 1,
      gateway: { listen: `127.0.0.1:${relay.port}`, dataDir: join(tempDir(t), 'data') },
      servers: { secure: { url: secure.url, auth: { type: 'oauth' } } },
    },
    { relay, env: { OAUTH_ENCRYPTION_KEY: KEY } },
  );
  await waitReady(gw.url, ['secure'], 'needs_auth');
  const call = { name: 'secure__echo', arguments: { text: 'hi' } };

  const plain = await connect(t, gw.url);
  const old = await failure(plain.callTool(call));
  assert.equal(old.code, -32011);
  assert.equal(old.data?.elicitations, undefined);

  const eliciting = await connect(t, gw.url, { capabilities: { elicitation: { form: {}, url: {} } } });
  const completed: string[] = [];
  eliciting.setNotificationHandler(ElicitationCompleteNotificationSchema, async (n) => void completed.push(n.params.elicitationId));
  const err = await failure(eliciting.callTool(call));
  assert.ok(err instanceof McpError);
  assert.equal(err.code, -32042);
  const [elicitation] = err.data!.elicitations as Array<{ mode: string; url: string; elicitationId: string; message: string }>;
  assert.equal(elicitation!.mode, 'url');
  // The same link as -32011 carries (the SDK keeps only data.elicitations of a -32042).
  assert.equal(elicitation!.url, old.data!.authorizationUrl);
  assert.match(elicitation!.message, /authorize "secure"/);

  // A 2026-07-28 client that takes URL elicitations gets the same error (no session, no notice).
  const modern = new ClientV2(
    { name: 'modern', version: '1.0.0' },
    { capabilities: { elicitation: { url: {} } }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await modern.connect(new HttpV2(new URL(`${gw.url}/mcp`)));
  t.after(() => modern.close());
  const modernErr = await failure(modern.callTool(call));
  assert.equal(modernErr.code, -32042);
  assert.equal((modernErr.data!.elicitations as unknown[]).length, 1);

  // The user opens the page; once secure is usable, the session hears the elicitation is done.
  const page = await followAuthorization(elicitation!.url);
  assert.equal(page.status, 200, page.body);
  await waitFor(() => completed.length > 0 || undefined, 'notifications/elicitation/complete', 20_000);
  assert.deepEqual(completed, [elicitation!.elicitationId]);
  assert.deepEqual((await eliciting.callTool(call)).structuredContent, { text: 'hi' });
});
