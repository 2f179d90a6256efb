// `mcpgw connect` from a client's environment that lacks the config's secrets (issue 19 item
// 3): the daemon runs with every variable set; the relay is started the way Claude Desktop
// starts it, with none of them, and reads only the daemon's address and token.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fixtureServer, ROOT, startGateway, tempDir, waitReady } from '../helpers/gateway.js';
import { spawnMcpgw } from '../helpers/mcpgw.js';
import { startRelay } from '../helpers/ports.js';

const BIN = join(ROOT, 'bin/mcpgw.js');
const TOKEN = 'gw-token-5d1c9a7e3b2f4086';
/** What the daemon has and the relay does not. */
const SECRETS = { ALPHA_SECRET: 'alpha-secret-value', REMOTE_KEY: 'remote-key-value', GW_TOKEN: TOKEN };

/** A config whose servers need variables only the daemon has; `auth` is the gateway's own. */
function config(port: number, auth: Record<string, unknown> | undefined): Record<string, unknown> {
  return {
    version: 1,
    gateway: { listen: `127.0.0.1:${port}`, ...(auth ? { auth } : {}) },
    servers: {
      alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo'], { env: { FIXTURE_INSTRUCTIONS: '$<env:ALPHA_SECRET>' } }),
      remote: {
        url: 'http://127.0.0.1:9/mcp',
        enabled: false,
        auth: { type: 'apiKey', value: 'Bearer $<env:REMOTE_KEY>' },
      },
    },
  };
}

/** Only what a desktop app gives a server it starts: no variable of the config. */
function bareEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', ...extra };
}

async function relayClient(t: TestContext, configPath: string, env: Record<string, string>): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'connect', 'default', '-c', configPath],
    env,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'desktop-like', version: '1.0.0' });
  await client.connect(transport);
  t.after(() => client.close().catch(() => undefined));
  return client;
}

test('a config full of unset secrets: connect still reaches the daemon and calls a tool', async (t) => {
  const relay = await startRelay(t);
  // The token in a file, which a desktop app's relay can read as well as the daemon.
  const tokenFile = join(tempDir(t), 'token.txt');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const gw = await startGateway(t, config(relay.port, { bearerTokens: [`$<file:${tokenFile}>`] }), { env: SECRETS, relay });
  // A call while alpha starts is -32010 by design; on a loaded machine it can still be starting.
  await waitReady(gw.url, ['alpha'], 'ready', { authorization: `Bearer ${TOKEN}` });
  const client = await relayClient(t, gw.configPath, bareEnv());
  const result = await client.callTool({ name: 'alpha__echo', arguments: { text: 'no secrets here' } });
  assert.deepEqual(result.structuredContent, { text: 'no secrets here' });
  // The server got its secret from the daemon's environment.
  assert.match(client.getInstructions() ?? '', /alpha-secret-value/);
});

test('a token variable the relay lacks: a clear error naming it, else MCPGW_TOKEN', async (t) => {
  const relay = await startRelay(t);
  const gw = await startGateway(t, config(relay.port, { bearerTokens: ['$<env:GW_TOKEN>'] }), { env: SECRETS, relay });
  await waitReady(gw.url, ['alpha'], 'ready', { authorization: `Bearer ${TOKEN}` });

  const refused = spawnMcpgw(t, ['connect', '-c', gw.configPath], { env: bareEnv() });
  assert.equal(await refused.exited, 1);
  assert.match(
    refused.stderr(),
    /gateway\.auth\.bearerTokens\[0\]: the daemon's bearer token cannot be read here: environment variable GW_TOKEN is not set/,
  );
  assert.match(refused.stderr(), /MCPGW_E_CONNECT_TOKEN/);
  assert.equal(refused.stdout(), '', 'stdout carries protocol only');
  assert.doesNotMatch(refused.stderr(), /\n\s+at /, 'no stack trace');

  const client = await relayClient(t, gw.configPath, bareEnv({ MCPGW_TOKEN: TOKEN }));
  const result = await client.callTool({ name: 'alpha__echo', arguments: { text: 'with MCPGW_TOKEN' } });
  assert.deepEqual(result.structuredContent, { text: 'with MCPGW_TOKEN' });
});
