// The startup banner of `mcpgw run` (issue 8): listen URL, each profile's endpoint, each server
// with its state, and for a server that needs authorization the link to open.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { fixtureServer, tempDir } from '../helpers/gateway.js';
import { spawnMcpgw } from '../helpers/mcpgw.js';
import { waitFor } from '../helpers/wait.js';

test('mcpgw run prints where to connect and what needs authorization', async (t) => {
  const locked = createServer((_req, res) => res.writeHead(401, { 'www-authenticate': 'Bearer' }).end());
  await new Promise<void>((resolve) => locked.listen(0, '127.0.0.1', resolve));
  t.after(() => locked.close());
  const dir = tempDir(t);
  const configPath = join(dir, 'gateway.yaml');
  // The daemon binds a port of its own (listen port 0) and the banner says which. The profile
  // and authorization links use publicUrl, where a browser reaches the gateway (here a name
  // nothing listens at: the banner only prints it).
  const publicUrl = 'http://gateway.localhost:8750';
  writeFileSync(
    configPath,
    stringify({
      version: 1,
      gateway: { listen: '127.0.0.1:0', publicUrl },
      servers: {
        alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo,add']),
        remote: { url: `http://127.0.0.1:${(locked.address() as AddressInfo).port}/mcp`, auth: { type: 'oauth' } },
      },
      profiles: { default: { servers: ['alpha', 'remote'] }, tools: { servers: ['alpha'] } },
    }),
  );
  const run = spawnMcpgw(t, ['run', '-c', configPath], {
    env: { ...process.env, OAUTH_ENCRYPTION_KEY: 'b'.repeat(40), MCPGW_WATCH: 'off' },
  });
  const url = await run.listening();
  await waitFor(() => run.stdout().includes('Status page:'), 'the banner', 20_000);
  const stdout = run.stdout();
  assert.match(stdout, new RegExp(`listening on ${url.replace(/\./g, '\\.')}\\n`));
  assert.match(stdout, /default\s+http:\/\/gateway\.localhost:8750\/mcp\n/);
  assert.match(stdout, /tools\s+http:\/\/gateway\.localhost:8750\/mcp\/tools/);
  assert.match(stdout, /alpha\s+ready\s+2 tools/);
  assert.match(stdout, /remote\s+needs_auth/);
  assert.match(stdout, /remote: open http:\/\/gateway\.localhost:8750\/oauth\/start\/remote\s+\(or: mcpgw auth login remote\)/);
  assert.match(stdout, /Status page: http:\/\/gateway\.localhost:8750\//);
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 0);
});
