// The startup banner of `mcpgw run` (issue 8): listen URL, each profile's endpoint, each server
// with its state, and for a server that needs authorization the link to open.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { fixtureServer, freePort, ROOT, tempDir } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

test('mcpgw run prints where to connect and what needs authorization', async (t) => {
  const locked = createServer((_req, res) => res.writeHead(401, { 'www-authenticate': 'Bearer' }).end());
  await new Promise<void>((resolve) => locked.listen(0, '127.0.0.1', resolve));
  t.after(() => locked.close());
  const dir = tempDir(t);
  const port = await freePort();
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(
    configPath,
    stringify({
      version: 1,
      gateway: { listen: `127.0.0.1:${port}` },
      servers: {
        alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo,add']),
        remote: { url: `http://127.0.0.1:${(locked.address() as AddressInfo).port}/mcp`, auth: { type: 'oauth' } },
      },
      profiles: { default: { servers: ['alpha', 'remote'] }, tools: { servers: ['alpha'] } },
    }),
  );
  const child = spawn(process.execPath, [join(ROOT, 'bin/mcpgw.js'), 'run', '-c', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OAUTH_ENCRYPTION_KEY: 'b'.repeat(40), MCPGW_WATCH: 'off' },
  });
  t.after(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await waitFor(() => stdout.includes('Status page:'), 'the banner', 20_000);
  assert.match(stdout, new RegExp(`listening on http://127\\.0\\.0\\.1:${port}`));
  assert.match(stdout, new RegExp(`default\\s+http://localhost:${port}/mcp\\n`));
  assert.match(stdout, new RegExp(`tools\\s+http://localhost:${port}/mcp/tools`));
  assert.match(stdout, /alpha\s+ready\s+2 tools/);
  assert.match(stdout, /remote\s+needs_auth/);
  assert.match(stdout, new RegExp(`remote: open http://localhost:${port}/oauth/start/remote\\s+\\(or: mcpgw auth login remote\\)`));
  child.kill('SIGINT');
  assert.equal(await exited, 0);
});
