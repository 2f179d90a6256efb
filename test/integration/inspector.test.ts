// The MCP Inspector's CLI mode lists and calls tools through the gateway (issue 3).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { fixtureServer, ROOT, startGateway, waitReady } from '../helpers/gateway.js';

const run = promisify(execFile);
// inspector-cli 1.0.3 checks for ../package.json relative to the working folder but imports
// it relative to its module: run it from its build folder so both agree.
const CLI_DIR = join(ROOT, 'node_modules/@modelcontextprotocol/inspector-cli/build');

async function inspector(args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['index.js', ...args], { cwd: CLI_DIR, timeout: 30_000 });
  return JSON.parse(stdout);
}

test('the Inspector CLI lists and calls tools through the gateway', async (t) => {
  const gw = await startGateway(t, {
    version: 1,
    servers: { alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo,add']) },
  });
  await waitReady(gw.url, ['alpha']);
  const listed = (await inspector([`${gw.url}/mcp`, '--transport', 'http', '--method', 'tools/list'])) as {
    tools: Array<{ name: string }>;
  };
  assert.deepEqual(listed.tools.map((x) => x.name).sort(), ['alpha__add', 'alpha__echo']);
  const called = (await inspector([
    `${gw.url}/mcp`,
    '--transport',
    'http',
    '--method',
    'tools/call',
    '--tool-name',
    'alpha__echo',
    '--tool-arg',
    'text=hello',
  ])) as { structuredContent: unknown };
  assert.deepEqual(called.structuredContent, { text: 'hello' });
});
