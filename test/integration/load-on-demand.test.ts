// The daemon with a config like the example's (one stdio server, no OAuth, no team, no remote
// server) loads only what that config uses (docs/performance.md, "Issue 18: third pass").
// The modules left out here are the ones made lazy; each is loaded by the first config or
// request that needs it, which the tests of those features cover.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { fixtureServer, ROOT, tempDir } from '../helpers/gateway.js';
import { spawnMcpgw } from '../helpers/mcpgw.js';
import { waitFor } from '../helpers/wait.js';

const NOT_LOADED: ReadonlyArray<[string, RegExp]> = [
  ['the HTTP upstream transports', /\/src\/upstream\/(remote-transports|http-fetch|http-transport|http-send|http-answer|sse-read)\.ts$/],
  ['node:https', /^node:https$/],
  ['the OAuth service', /\/src\/auth\/oauth-service\.ts$/],
  ['h3 and its app (status page, OAuth routes)', /\/node_modules\/h3\/|\/src\/http\/(app|oauth-routes|page)\.ts$/],
  ['the other commands (doctor, import, connect)', /\/src\/(doctor|import|client)\/|\/src\/cli\/(doctor|import|connect|auth)\.ts$/],
  ['SDK v1 and the v2 server package', /\/node_modules\/@modelcontextprotocol\/(sdk|server)\//],
  // A plain `mcpgw run` parses its own options (cli/run-args.ts): commander would delay the early spawn.
  ['commander and the program of every command', /\/node_modules\/commander\/|\/src\/cli\/program\.ts$/],
];

test('a stdio-only config loads neither the HTTP upstream transports nor OAuth, h3, other commands or SDK v1', async (t) => {
  const dir = tempDir(t);
  const configPath = join(dir, 'gateway.yaml');
  const log = join(dir, 'loaded.txt');
  writeFileSync(log, '');
  writeFileSync(
    configPath,
    stringify({ version: 1, gateway: { listen: '127.0.0.1:0' }, servers: { basic: fixtureServer('basic.ts', ['--name', 'basic']) } }),
  );
  const daemon = spawnMcpgw(t, ['run', '-c', configPath, '--log-format', 'json'], {
    nodeArgs: ['--import', 'tsx', '--import', join(ROOT, 'test/fixtures/load-log/register.mjs')],
    bin: join(ROOT, 'src/main.ts'),
    env: { ...process.env, MCPGW_LOAD_LOG: log },
  });
  const url = await daemon.listening();
  // /readyz, not /status: /status is served by h3, which is loaded on that first request.
  await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 'the daemon to be ready', 20_000);
  daemon.child.kill('SIGTERM');
  assert.equal(await daemon.exited, 0);
  const loaded = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  // The hook saw the daemon and the stdio transport, so an empty match below means "not loaded".
  assert.ok(
    loaded.some((u) => u.endsWith('/src/daemon.ts')) && loaded.some((u) => u.endsWith('/src/upstream/stdio.ts')),
    loaded.join('\n'),
  );
  for (const [what, pattern] of NOT_LOADED) {
    assert.deepEqual(
      loaded.filter((u) => pattern.test(u)),
      [],
      `${what} loaded at start`,
    );
  }
});
