// What the Docker image does, without a Docker engine (issue 8): a production install
// (`npm ci --omit=dev`) in a clean folder with the compiled dist/, then the daemon starts,
// answers /healthz and stops cleanly. Also checks that every path the Dockerfile copies exists.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ROOT, tempDir } from '../helpers/gateway.js';
import { spawnMcpgw } from '../helpers/mcpgw.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);

test('the Dockerfile copies paths that exist', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
  assert.ok(copies.length >= 5);
  for (const path of copies) assert.ok(existsSync(join(ROOT, path)), `${path} exists`);
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /^HEALTHCHECK /m);
  assert.match(dockerfile, /npm ci --omit=dev/);
});

test('a production install in a clean folder runs the compiled daemon', { timeout: 240_000 }, async (t) => {
  const dir = tempDir(t, 'mcpgw-prod-');
  for (const path of ['package.json', 'package-lock.json', 'bin', 'schema', 'examples'])
    cpSync(join(ROOT, path), join(dir, path), { recursive: true });
  await run(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')],
    { cwd: ROOT },
  ).catch((err: { stdout?: string }) => {
    // Type errors still emit JavaScript; the daemon starting below is what counts here.
    t.diagnostic(
      `tsc reported: ${String(err.stdout ?? '')
        .split('\n')
        .slice(0, 3)
        .join(' | ')}`,
    );
  });
  const npm = process.env.npm_execpath;
  const [command, args] = npm ? [process.execPath, [npm]] : ['npm', []];
  await run(command, [...args, 'ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, timeout: 180_000 });
  assert.ok(!existsSync(join(dir, 'node_modules/tsx')), 'no dev dependency installed');

  const version = await run(process.execPath, ['bin/mcpgw.js', '--version'], { cwd: dir });
  assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  const valid = await run(process.execPath, ['bin/mcpgw.js', 'validate', '-c', 'examples/gateway.yaml'], { cwd: dir });
  assert.match(valid.stdout, /valid/);

  // Port 0: the daemon binds a port of its own and logs it.
  writeFileSync(join(dir, 'gateway.yaml'), 'version: 1\ngateway:\n  listen: 127.0.0.1:0\nservers: {}\n');
  const daemon = spawnMcpgw(t, ['run', '-c', 'gateway.yaml'], { cwd: dir, bin: 'bin/mcpgw.js' });
  const url = await daemon.listening();
  await waitFor(async () => (await fetch(`${url}/healthz`)).ok, 'the compiled daemon to answer /healthz', 20_000);
  daemon.child.kill('SIGTERM');
  assert.equal(await daemon.exited, 0, daemon.stderr());
});
