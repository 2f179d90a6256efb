// What a command says when the daemon does not answer as expected (issue 14, item 12): the
// refusal of its token names where the token came from; other errors keep the daemon's code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { daemonJson, daemonRefusal, type DaemonClient } from '../../src/client/daemon-client.js';

const URL = 'http://127.0.0.1:8750';
const daemon = (answer: Response, tokenSource?: string): DaemonClient => ({ url: URL, tokenSource, fetch: async () => answer });
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const unauthorized = () => json(401, { error: { code: 'MCPGW_E_HTTP_UNAUTHORIZED', message: 'missing or invalid Authorization' } });

test('a 401 is the token: which one was sent, or that none was', async () => {
  const sent = await daemonRefusal(daemon(unauthorized(), '$MCPGW_TOKEN'), unauthorized(), 'GET /status');
  assert.equal(sent?.code, 'MCPGW_E_DAEMON_TOKEN');
  assert.equal(sent?.message, `the daemon at ${URL} refused the bearer token from $MCPGW_TOKEN`);
  assert.match(sent?.hint ?? '', /first token of the config it reads \(-c\).*else \$MCPGW_TOKEN/);
  const none = await daemonRefusal(daemon(unauthorized()), unauthorized(), 'GET /status');
  assert.equal(none?.code, 'MCPGW_E_DAEMON_TOKEN');
  assert.match(none?.message ?? '', /requires a bearer token, and this command has none/);
});

test("other errors keep the daemon's code and message; unknown ones are MCPGW_E_DAEMON_RESPONSE", async () => {
  const locked = json(500, { error: { code: 'MCPGW_E_STORE_LOCKED', message: 'the store is locked', hint: 'stop the other one' } });
  const own = await daemonRefusal(daemon(locked), locked, 'POST /oauth/logout/x');
  assert.deepEqual(
    [own?.code, own?.message, own?.hint],
    ['MCPGW_E_STORE_LOCKED', `the daemon at ${URL} answered POST /oauth/logout/x with HTTP 500: the store is locked`, 'stop the other one'],
  );
  const page = new Response('<html><body><h1>Bad   gateway</h1></body></html>', { status: 502 });
  const html = await daemonRefusal(daemon(page), page, 'GET /status');
  assert.deepEqual(
    [html?.code, html?.message],
    ['MCPGW_E_DAEMON_RESPONSE', `the daemon at ${URL} answered GET /status with HTTP 502: Bad gateway`],
  );
  assert.equal(await daemonRefusal(daemon(json(200, {})), json(200, {}), 'GET /status'), undefined);
});

test('daemonJson: the document, or why not', async () => {
  assert.deepEqual(await daemonJson(daemon(json(200, { servers: {} })), '/status'), { servers: {} });
  await assert.rejects(daemonJson(daemon(unauthorized(), '$MCPGW_TOKEN'), '/status'), { code: 'MCPGW_E_DAEMON_TOKEN' });
  await assert.rejects(daemonJson(daemon(new Response('not json', { status: 200 })), '/status?x=1'), {
    code: 'MCPGW_E_DAEMON_RESPONSE',
    message: `the daemon at ${URL} answered GET /status with something that is not JSON`,
  });
});
