// Moving in, end to end (issue 19): a Claude Desktop config with a stdio server is imported
// by the real CLI (its secret going to the env file, not gateway.yaml), the daemon starts on
// the file the import wrote, and a real MCP client calls the server's tool through it.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Daemon } from '../../src/daemon.js';
import { readEnvFile } from '../../src/import/write.js';
import { configureLog } from '../../src/log.js';
import { FIXTURES, tempDir, waitReady } from '../helpers/gateway.js';
import { mcpgw } from '../helpers/import.js';

const SECRET = 'sk-e2e-Zq8Wm3Rt6Yp1Lk4Hs7Dv0Bn';

test('import a Claude Desktop stdio server, start the daemon, call its tool through the gateway', async (t) => {
  const dir = tempDir(t, 'mcpgw-import-e2e-');
  const home = join(dir, 'home');
  const work = join(dir, 'work');
  mkdirSync(join(home, '.config/Claude'), { recursive: true });
  mkdirSync(work);
  // As a user would write it: node with the tsx loader (by absolute URL, as Claude Desktop
  // starts servers from an unrelated folder) running the fixture server.
  const desktop = {
    mcpServers: {
      'basic fixture': {
        command: process.execPath,
        args: ['--import', import.meta.resolve('tsx'), join(FIXTURES, 'basic.ts'), '--tools', 'echo,add'],
        env: { FIXTURE_INSTRUCTIONS: `Uses the key ${SECRET}.` },
      },
    },
    globalShortcut: '',
  };
  writeFileSync(join(home, '.config/Claude/claude_desktop_config.json'), JSON.stringify(desktop, null, 2));

  const r = await mcpgw(['import', '--from', 'claude-desktop', '--save-secrets', '.env'], { cwd: work, home });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\+ basic-fixture {2}renamed from "basic fixture" \(not a valid server name\)/);
  const config = readFileSync(join(work, 'gateway.yaml'), 'utf8');
  assert.ok(!config.includes(SECRET), config);
  assert.match(config, /FIXTURE_INSTRUCTIONS: "Uses the key \$<env:BASIC_FIXTURE_TOKEN>\."/);
  const env = Object.fromEntries(readEnvFile(join(work, '.env')));
  assert.deepEqual(env, { BASIC_FIXTURE_TOKEN: SECRET });

  const logs: string[] = [];
  configureLog({ level: 'debug', format: 'json', sink: { write: (line) => void logs.push(line) } });
  // The daemon gets the env file's variables, as `set -a; . .env` would give them.
  const daemon = await Daemon.start({ configPath: join(work, 'gateway.yaml'), version: 'test', env: { ...process.env, ...env }, port: 0 });
  t.after(() => daemon.close());
  const url = `http://127.0.0.1:${daemon.port}`;
  await waitReady(url, ['basic-fixture']);

  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  t.after(() => client.close());
  assert.deepEqual((await client.listTools()).tools.map((x) => x.name).sort(), ['basic-fixture__add', 'basic-fixture__echo']);
  const result = await client.callTool({ name: 'basic-fixture__echo', arguments: { text: 'moved in' } });
  assert.deepEqual(result.structuredContent, { text: 'moved in' });
  // The secret reached the server through the variable: its instructions carry it.
  assert.match(client.getInstructions() ?? '', new RegExp(`Uses the key ${SECRET}`));
  assert.ok(!logs.some((l) => l.includes(SECRET)), 'the secret is not in the log');
});
