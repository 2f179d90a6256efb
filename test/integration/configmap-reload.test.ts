// Hot reload of a Kubernetes ConfigMap mount (issue 16, SPEC section 11). The kubelet never
// writes gateway.yaml in place: it writes a new timestamped folder, points a `..data_tmp`
// symlink at it, renames that over `..data`, then removes the old folder; gateway.yaml itself
// is a symlink `gateway.yaml -> ..data/gateway.yaml` that never changes (the kubelet's
// AtomicWriter, pkg/volume/util/atomic_writer.go). The daemon runs as in a pod: `mcpgw run`.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { stringify } from 'yaml';
import { connect, fixtureServer, tempDir } from '../helpers/gateway.js';
import { spawnMcpgw } from '../helpers/mcpgw.js';
import { waitFor } from '../helpers/wait.js';

const alpha = fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo']);
const beta = fixtureServer('basic.ts', ['--name', 'beta', '--tools', 'echo,add']);
const gamma = fixtureServer('basic.ts', ['--name', 'gamma', '--tools', 'echo']);

const config = (servers: Record<string, unknown>) =>
  stringify({ version: 1, gateway: { listen: '127.0.0.1:0', logLevel: 'debug' }, servers });

/** A ConfigMap volume as the kubelet lays it out, and its update. */
class ConfigMapVolume {
  private current?: string;
  private serial = 0;
  constructor(readonly dir: string) {}

  /** The kubelet's timestamped folder name: `..2006_01_02_15_04_05.<random digits>`. */
  private folderName(): string {
    const t = new Date().toISOString().replace(/[-T:]/g, '_').replace(/\..*$/, '');
    return `..${t}.${String(randomInt(1e9)).padStart(9, '0')}${++this.serial}`;
  }

  /** Writes `files` as the kubelet does (first write or update); returns the new folder. */
  write(files: Record<string, string>): string {
    const folder = this.folderName();
    mkdirSync(join(this.dir, folder));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(this.dir, folder, name), text, { mode: 0o644 });
    const tmp = join(this.dir, '..data_tmp');
    symlinkSync(folder, tmp);
    renameSync(tmp, join(this.dir, '..data')); // atomic: readers see the old or the new folder
    for (const name of Object.keys(files)) {
      const link = join(this.dir, name);
      if (!existsSync(link)) symlinkSync(join('..data', name), link);
    }
    if (this.current) rmSync(join(this.dir, this.current), { recursive: true, force: true });
    this.current = folder;
    return folder;
  }
}

async function status(url: string): Promise<Record<string, any>> {
  return (await (await fetch(`${url}/status`)).json()) as Record<string, any>;
}

for (const watch of ['events', 'poll'] as const) {
  test(`a ConfigMap update (the ..data symlink swap) is applied, twice, and a broken one keeps the old config (${watch})`, async (t) => {
    const volume = new ConfigMapVolume(tempDir(t, 'mcpgw-configmap-'));
    const first = volume.write({ 'gateway.yaml': config({ alpha }) });
    // The layout the daemon sees in a pod.
    assert.equal(readlinkSync(join(volume.dir, 'gateway.yaml')), '..data/gateway.yaml');
    assert.equal(readlinkSync(join(volume.dir, '..data')), first);
    assert.ok(lstatSync(join(volume.dir, 'gateway.yaml')).isSymbolicLink());

    const env = { ...process.env, MCPGW_WATCH: watch === 'poll' ? 'poll' : '' };
    const daemon = spawnMcpgw(t, ['run', '--log-format', 'json', '-c', join(volume.dir, 'gateway.yaml')], { env });
    const url = await daemon.listening();
    await waitFor(async () => (await status(url)).servers.alpha?.state === 'ready', 'alpha to be ready', 20_000);
    const client = await connect(t, url);
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    await client.listTools();

    // Update 1: a server added.
    let before = changed;
    const written = Date.now();
    volume.write({ 'gateway.yaml': config({ alpha, beta }) });
    await waitFor(async () => (await status(url)).servers.beta?.state === 'ready', 'beta to show in /status after the swap', 20_000);
    await waitFor(() => changed > before, 'tools/list_changed after the swap');
    t.diagnostic(`swap to beta ready: ${Date.now() - written} ms`);
    assert.ok((await client.listTools()).tools.some((x) => x.name === 'beta__add'));
    assert.equal((await status(url)).config.generation, 2);

    // Update 2, right after: another server added, one removed.
    before = changed;
    volume.write({ 'gateway.yaml': config({ beta, gamma }) });
    await waitFor(
      async () => {
        const s = await status(url);
        return s.servers.gamma?.state === 'ready' && !s.servers.alpha;
      },
      'the second swap to apply',
      20_000,
    );
    await waitFor(() => changed > before, 'tools/list_changed after the second swap');
    const names = (await client.listTools()).tools.map((x) => x.name);
    assert.ok(names.includes('gamma__echo') && !names.includes('alpha__echo'), names.join(', '));
    assert.equal((await status(url)).config.generation, 3);

    // Update 3: a broken file changes nothing; the old config keeps serving.
    volume.write({ 'gateway.yaml': 'version: 1\nservers:\n  beta:\n    command: x\n   bad: indentation\n' });
    const broken = await waitFor(async () => {
      const s = await status(url);
      return s.config.lastError ? s : undefined;
    }, 'the broken swap in /status');
    assert.equal(broken.config.generation, 3);
    assert.ok(broken.servers.gamma && broken.servers.beta);
    assert.deepEqual((await client.callTool({ name: 'gamma__echo', arguments: { text: 'still' } })).structuredContent, { text: 'still' });
    assert.match(daemon.stderr(), /config rejected/);

    // Update 4: fixed again.
    volume.write({ 'gateway.yaml': config({ alpha, beta, gamma }) });
    await waitFor(
      async () => {
        const s = await status(url);
        return s.config.lastError === null && s.servers.alpha?.state === 'ready' ? s : undefined;
      },
      'the fixed swap to apply',
      20_000,
    );
    assert.equal((await status(url)).config.generation, 4);
    // Exactly the kubelet's layout remains: one timestamped folder, ..data, the file link.
    assert.equal(readdirSync(volume.dir).filter((f) => f.startsWith('..2')).length, 1);

    // Watching the deleted folders raised no error, and each swap was one reload.
    assert.doesNotMatch(daemon.stderr(), /watching the config failed/);
    t.diagnostic(
      `reloads logged: ${
        daemon
          .stderr()
          .split('\n')
          .filter((l) => /config reloaded|config rejected/.test(l)).length
      } for 4 swaps`,
    );
    daemon.child.kill('SIGTERM');
    assert.equal(await daemon.exited, 0, 'a clean stop');
  });
}

test('a Secret volume rotation (the same swap) applies a new bearer token read through $<file:>', async (t) => {
  const secrets = new ConfigMapVolume(tempDir(t, 'mcpgw-secret-'));
  const configs = new ConfigMapVolume(tempDir(t, 'mcpgw-configmap-'));
  const [oldToken, newToken] = ['old-bearer-token-0123456789abcdef', 'new-bearer-token-0123456789abcdef'];
  secrets.write({ 'bearer-token': `${oldToken}\n` });
  configs.write({
    'gateway.yaml': stringify({
      version: 1,
      gateway: { listen: '127.0.0.1:0', auth: { bearerTokens: [`$<file:${join(secrets.dir, 'bearer-token')}>`] } },
      servers: { alpha },
    }),
  });
  const daemon = spawnMcpgw(t, ['run', '--log-format', 'json', '-c', join(configs.dir, 'gateway.yaml')]);
  const url = await daemon.listening();
  const statusWith = async (token: string) => (await fetch(`${url}/status`, { headers: { authorization: `Bearer ${token}` } })).status;
  assert.equal(await statusWith(oldToken), 200);

  secrets.write({ 'bearer-token': `${newToken}\n` });
  await waitFor(async () => (await statusWith(newToken)) === 200, 'the rotated token to be accepted');
  assert.equal(await statusWith(oldToken), 401);
  assert.ok(!daemon.stderr().includes(newToken) && !daemon.stderr().includes(oldToken), 'no token in the log');
  daemon.child.kill('SIGTERM');
  assert.equal(await daemon.exited, 0);
});
