// Hot reload (SPEC section 5, issue 4): edits apply without a restart, only changed servers
// restart, broken files change nothing, bursts of saves settle in one consistent state.
import assert from 'node:assert/strict';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { stringify } from 'yaml';
import { connect, fixtureServer, liveProcesses, startGateway, waitReady } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const alpha = fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo']);
const beta = fixtureServer('basic.ts', ['--name', 'beta', '--tools', 'echo,add']);

/** Live child processes of this test process started as a fixture with `--name NAME`. */
function childProcessesNamed(name: string): number[] {
  return liveProcesses()
    .filter((p) => p.ppid === process.pid)
    .map((p) => p.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`\0--name\0${name}\0`);
      } catch {
        return false; // gone meanwhile
      }
    });
}

async function status(url: string): Promise<Record<string, any>> {
  return (await (await fetch(`${url}/status`)).json()) as Record<string, any>;
}

test('adding a server gives list_changed; the unchanged server keeps its process', async (t) => {
  const gw = await startGateway(t, { version: 1, servers: { alpha } });
  const before = await waitReady(gw.url, ['alpha']);
  const client = await connect(t, gw.url);
  let changed = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
  await client.listTools();

  const written = Date.now();
  gw.writeConfig({ version: 1, servers: { alpha, beta } });
  await waitFor(() => changed > 0, 'tools/list_changed', 15_000);
  const elapsed = Date.now() - written;
  t.diagnostic(`file write to list_changed: ${elapsed} ms (includes beta starting)`);
  assert.ok((await client.listTools()).tools.some((x) => x.name === 'beta__add'));
  const after = await status(gw.url);
  assert.equal(after.config.generation, 2);
  assert.equal(after.servers.alpha.since, before.servers.alpha.since, 'alpha was not restarted');
  assert.equal(
    gw.daemon.gateway.upstream('alpha')!.status().pid,
    before.servers.alpha.pid ?? gw.daemon.gateway.upstream('alpha')!.status().pid,
  );
});

test('a broken file changes nothing, shows in /status, and the next good save clears it', async (t) => {
  const gw = await startGateway(t, { version: 1, servers: { alpha } }, { allowErrors: [/config rejected/] });
  await waitReady(gw.url, ['alpha']);
  const client = await connect(t, gw.url);
  const good = await status(gw.url);

  gw.writeConfig('version: 1\nservers:\n  alpha:\n    command: x\n   bad: indentation\n');
  const broken = await waitFor(async () => {
    const s = await status(gw.url);
    return s.config.lastError ? s : undefined;
  }, 'the reload error in /status');
  assert.equal(broken.config.generation, good.config.generation);
  assert.match(broken.config.lastError.message, /YAML|indent/i);
  assert.equal(typeof broken.config.lastError.line, 'number');
  assert.equal(gw.logs.filter((l) => l.includes('config rejected')).length, 1);
  // Still serving the last good config.
  assert.deepEqual((await client.callTool({ name: 'alpha__echo', arguments: { text: 'still' } })).structuredContent, { text: 'still' });

  // A schema error too.
  gw.writeConfig({ version: 1, servers: { alpha: { ...alpha, bogus: true } } });
  await waitFor(async () => /unknown key "bogus"/.test((await status(gw.url)).config.lastError?.message ?? ''), 'the schema error');

  gw.writeConfig({ version: 1, servers: { alpha, beta } });
  const fixed = await waitFor(async () => {
    const s = await status(gw.url);
    return s.config.lastError === null && s.servers.beta ? s : undefined;
  }, 'the good save to apply');
  assert.equal(fixed.config.generation, good.config.generation + 1);
});

test('saves by rename, a file missing for a moment, and a $<file:> template change are seen', async (t) => {
  const gw = await startGateway(t, { version: 1, servers: { alpha } }, { allowErrors: [/config rejected/] });
  await waitReady(gw.url, ['alpha']);
  const generation = async () => (await status(gw.url)).config.generation as number;

  // An editor's save: write a temp file, rename it over the config.
  const tmp = join(gw.dir, '.gateway.yaml.swp');
  writeFileSync(tmp, stringify({ version: 1, servers: { alpha, beta } }));
  renameSync(tmp, gw.configPath);
  await waitFor(async () => (await generation()) === 2, 'the renamed save');

  // git checkout: the file disappears, then comes back with other content.
  rmSync(gw.configPath);
  await waitFor(async () => (await status(gw.url)).config.lastError !== null, 'the missing file to be noticed');
  assert.ok((await status(gw.url)).servers.beta, 'the last good config keeps serving');
  gw.writeConfig({ version: 1, servers: { alpha } });
  await waitFor(async () => (await generation()) === 3 && (await status(gw.url)).config.lastError === null, 'the restored file');

  // A file read by a template is watched too.
  writeFileSync(join(gw.dir, 'level.txt'), 'info\n');
  gw.writeConfig({ version: 1, servers: { alpha: { ...alpha, env: { LEVEL: '$<file:level.txt>' } } } });
  await waitFor(async () => (await generation()) === 4, 'the templated config');
  writeFileSync(join(gw.dir, 'level.txt'), 'debug\n');
  await waitFor(async () => (await generation()) === 5, 'the template file change');
});

test('ten saves in quick succession end in one consistent state', async (t) => {
  const gw = await startGateway(t, { version: 1, servers: { alpha } });
  await waitReady(gw.url, ['alpha']);
  for (let i = 1; i <= 10; i++) {
    gw.writeConfig({ version: 1, servers: { alpha, beta: { ...beta, args: [...(beta.args as string[]), '--instructions', `v${i}`] } } });
  }
  const final = await waitFor(
    async () => {
      const s = await status(gw.url);
      return s.servers.beta?.state === 'ready' ? s : undefined;
    },
    'the final state',
    20_000,
  );
  // Settled: the running beta is the last definition, and exactly one beta process runs (the
  // ones started for earlier saves are stopped).
  const upstream = await waitFor(() => {
    const running = gw.daemon.gateway.upstream('beta');
    return running?.instructions === 'v10' && childProcessesNamed('beta').length === 1 ? running : undefined;
  }, 'one beta process, running the last definition');
  const transport = upstream.spec.transport;
  assert.equal(transport.kind, 'stdio');
  assert.match(transport.kind === 'stdio' ? transport.args.join(' ') : '', /v10$/);
  assert.ok(final.config.generation >= 2);
});

test('a client calling continuously through 20 reloads sees no failed call to an unchanged server', async (t) => {
  const gw = await startGateway(t, { version: 1, servers: { alpha, beta } });
  await waitReady(gw.url, ['alpha', 'beta']);
  const client = await connect(t, gw.url);
  let calls = 0;
  const failures: string[] = [];
  let stop = false;
  const caller = (async () => {
    while (!stop) {
      try {
        await client.callTool({ name: 'alpha__echo', arguments: { text: String(calls) } });
      } catch (err) {
        failures.push((err as Error).message);
      }
      calls++;
    }
  })();
  const latencies: number[] = [];
  let changes = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes++);
  for (let i = 1; i <= 20; i++) {
    const before = changes;
    const written = Date.now();
    // Alternate a profile-level filter on beta: alpha is untouched, beta's list changes.
    gw.writeConfig({ version: 1, servers: { alpha, beta: { ...beta, tools: i % 2 ? { deny: ['add'] } : {} } } });
    await waitFor(() => changes > before, `list_changed after edit ${i}`);
    latencies.push(Date.now() - written);
  }
  stop = true;
  await caller;
  latencies.sort((a, b) => a - b);
  t.diagnostic(
    `reload latency (write -> list_changed) over 20 edits: median ${latencies[10]} ms, min ${latencies[0]} ms, max ${latencies[19]} ms; ${calls} calls`,
  );
  assert.deepEqual(failures, []);
  assert.ok(calls > 20);
  // A filter change restarts nothing.
  assert.equal((await status(gw.url)).servers.beta.restarts, 0);
});
