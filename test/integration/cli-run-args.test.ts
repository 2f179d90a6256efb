// `mcpgw run` as users type it, through the real bin/mcpgw.js: the plain forms start without
// commander (cli/run-args.ts), the rest goes to commander, whose help and messages are the
// same as before. What the fast path loads is checked by load-on-demand.test.ts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../../src/cli/program.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'mcpgw-run-args-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function mcpgw(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(ROOT, 'bin/mcpgw.js'), ...args], { cwd: tmp, env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      if (code === -1) return reject(err);
      resolve({ code, stdout, stderr });
    });
  });
}

test("run --help prints commander's help of run, exit 0", async () => {
  const run = buildProgram(() => {}, '0.0.0').commands.find((c) => c.name() === 'run')!;
  for (const help of ['--help', '-h']) {
    const { code, stdout } = await mcpgw(['run', help]);
    assert.equal(code, 0);
    assert.equal(stdout, run.helpInformation());
    assert.match(stdout, /--log-format <format>/);
    assert.match(stdout, /-c, --config <file>/);
  }
});

test("a bad value or option of run: commander's message, exit 2", async () => {
  const bad = await mcpgw(['run', '--log-format', 'xml']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: option '--log-format <format>' argument 'xml' is invalid\. Allowed choices are pretty, json\.\n/);
  assert.match(bad.stderr, /\(run "mcpgw run --help" for usage\)/);
  const missing = await mcpgw(['run', '-c']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^error: option '-c, --config <file>' argument missing/);
});

test('the fast path reports an invalid config as run always did, exit 1', async () => {
  const configPath = join(tmp, 'bad.yaml');
  writeFileSync(configPath, 'version: 1\nservers:\n  a: { command: 42 }\n');
  for (const args of [
    ['run', '-c', configPath, '--log-format', 'json'],
    ['--config=' + configPath, 'run'],
  ]) {
    const { code, stderr } = await mcpgw(args);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /invalid, not starting \[MCPGW_E_CONFIG_INVALID\]/);
  }
  const absent = await mcpgw(['run']);
  assert.equal(absent.code, 1);
  assert.match(absent.stderr, /gateway\.yaml: no such file \[MCPGW_E_CONFIG_READ\]/);
});
