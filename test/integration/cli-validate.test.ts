// `mcpgw validate` as users run it: the real bin/mcpgw.js in a child process (with this
// test's own node, never "node" from PATH), a controlled environment, real files.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/mcpgw.js');
const FIXTURES = join(ROOT, 'test/fixtures/config');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** A value that must never be printed, whatever the command line or the file. */
const SECRET = 'cli-secret-6f1d2a9b7c';
const FIXTURE_ENV = { SET_VAR: 'from-env', FIXTURE_SECRET: 'fixture-secret-value-1234', EMPTY_VAR: '' };

const tmp = mkdtempSync(join(tmpdir(), 'mcpgw-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs mcpgw with only PATH and HOME from this machine's environment (no MCPGW_CONFIG,
 * no stray secrets), then checks what holds for every run: no stack trace, no secret.
 */
function mcpgw(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, ...options.env };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      if (code === -1) return reject(err);
      const all = `${stdout}${stderr}`;
      assert.ok(!all.includes('    at '), `no stack trace in:\n${all}`);
      for (const secret of [SECRET, FIXTURE_ENV.FIXTURE_SECRET]) assert.ok(!all.includes(secret), `no secret in:\n${all}`);
      resolve({ code, stdout, stderr });
    });
  });
}

function write(name: string, text: string): string {
  const path = join(tmp, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('mcpgw validate', { concurrency: 4 }, () => {
  test('exit 0 on examples/gateway.yaml, with a one-line summary', async () => {
    const r = await mcpgw(['validate', '-c', 'examples/gateway.yaml']);
    assert.deepEqual(r, { code: 0, stdout: 'examples/gateway.yaml: valid (1 server, 1 profile)\n', stderr: '' });
  });

  test('-c before the command works too', async () => {
    const r = await mcpgw(['-c', 'examples/gateway.yaml', 'validate']);
    assert.equal(r.code, 0);
  });

  // The CLI prints exactly the golden findings of the fixture, then a summary line.
  const goldens: Array<[string, string]> = [
    ['tabs', '1 error'],
    ['duplicate-key', '1 error'],
    ['unknown-key-server', '3 errors'],
    ['wrong-types', '11 errors'],
    ['bad-duration', '3 errors'],
    ['prefix-collision', '1 error'],
    ['binary', '1 error'],
    ['json-list', '1 error'],
    ['empty', '1 error'],
    ['all-at-once', '5 errors'],
    ['secret-never-shown', '5 errors'],
    ['profile-unknown-server', '2 errors, 1 warning'],
  ];
  for (const [name, summary] of goldens) {
    test(`exit 1 on ${name}.yaml, with located one-line findings`, async () => {
      const r = await mcpgw(['validate', '-c', `${name}.yaml`], { cwd: FIXTURES, env: FIXTURE_ENV });
      const expected = readFileSync(join(FIXTURES, `${name}.err.txt`), 'utf8');
      assert.equal(r.code, 1);
      assert.equal(r.stdout, `${expected}${name}.yaml: invalid (${summary})\n`);
      assert.equal(r.stderr, '');
      for (const line of r.stdout.trimEnd().split('\n').slice(0, -1)) {
        assert.match(line, /^(error|warning): \S+\.yaml(:\d+:\d+)?( \S.*)?: .+ \[MCPGW_[EW]_[A-Z_]+\]$|^ {2}hint: \S/, line);
      }
    });
  }

  test('exit 1 on a missing file and on a folder, naming them', async () => {
    const missing = await mcpgw(['validate', '-c', 'nope.yaml'], { cwd: tmp });
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /^error: nope\.yaml: no such file \[MCPGW_E_CONFIG_READ\]\n {2}hint: /);
    const folder = await mcpgw(['validate', '-c', FIXTURES]);
    assert.equal(folder.code, 1);
    assert.match(folder.stdout, /is a folder, not a config file/);
  });

  test('usage errors exit 2 with one line and a pointer to --help on stderr', async () => {
    for (const args of [['validate', '--bogus'], ['frobnicate'], ['validate', '-c'], ['validate', 'extra'], []]) {
      const r = await mcpgw(args);
      assert.equal(r.code, 2, args.join(' '));
      if (args.length === 0) {
        assert.match(r.stdout, /^Usage: mcpgw/, 'no command: the help');
        continue;
      }
      assert.equal(r.stdout, '', args.join(' '));
      assert.match(r.stderr, /^error: .+\n\(run "mcpgw( validate)? --help" for usage\)\n$/, args.join(' '));
    }
    assert.match((await mcpgw(['validate', '--bogus'])).stderr, /unknown option '--bogus'/);
    assert.match((await mcpgw(['frobnicate'])).stderr, /unknown command 'frobnicate'/);
  });

  test('--help, COMMAND --help and --version exit 0', async () => {
    const help = await mcpgw(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: mcpgw \[options\] \[command\]/);
    assert.match(help.stdout, /validate/);
    const sub = await mcpgw(['validate', '--help']);
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /^Usage: mcpgw validate/);
    assert.match(sub.stdout, /--no-secrets/);
    assert.match(sub.stdout, /--json/);
    assert.deepEqual(await mcpgw(['--version']), { code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  test('--json on a valid file: valid, no findings, its servers and profiles, exit 0', async () => {
    const r = await mcpgw(['validate', '--json', '-c', 'examples/gateway.yaml']);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), {
      valid: true,
      file: join(ROOT, 'examples/gateway.yaml'),
      errors: 0,
      warnings: 0,
      findings: [],
      servers: ['everything'],
      profiles: ['default'],
    });
  });

  test('--json: an invalid file lists located findings with codes and hints', async () => {
    const r = await mcpgw(['validate', '--json', '-c', 'profile-unknown-server.yaml'], { cwd: FIXTURES });
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as { valid: boolean; errors: number; warnings: number; findings: Array<Record<string, unknown>> };
    assert.deepEqual(Object.keys(out), ['valid', 'file', 'errors', 'warnings', 'findings']);
    assert.deepEqual([out.valid, out.errors, out.warnings], [false, 2, 1]);
    assert.deepEqual(out.findings[1], {
      code: 'MCPGW_E_CONFIG_REFERENCE',
      severity: 'error',
      message: 'profile "default" names server "serch", which is not defined',
      hint: 'defined servers: github, search',
      file: join(FIXTURES, 'profile-unknown-server.yaml'),
      line: 7,
      column: 23,
      path: 'profiles.default.servers[1]',
    });
    for (const f of out.findings)
      assert.deepEqual(Object.keys(f).sort(), ['code', 'column', 'file', 'hint', 'line', 'message', 'path', 'severity']);
  });

  test('--no-secrets turns an unset variable into a warning (exit 0), not a malformed template', async () => {
    const file = write(
      'no-secrets/gateway.yaml',
      'version: 1\nservers:\n  s:\n    url: https://s.example.com/mcp\n    auth: { type: apiKey, value: "Bearer $<env:SEARCH_API_KEY>" }\n',
    );
    const strict = await mcpgw(['validate', '-c', file]);
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /^error: .*:5:34 servers\.s\.auth\.value: environment variable SEARCH_API_KEY is not set/);
    const lax = await mcpgw(['validate', '--no-secrets', '-c', file]);
    assert.equal(lax.code, 0);
    assert.match(
      lax.stdout,
      /^warning: .*servers\.s\.auth\.value: environment variable SEARCH_API_KEY is not set .*\[MCPGW_W_CONFIG_ENV_DISABLED\]\n/,
    );
    assert.match(lax.stdout, /: valid \(1 server, 1 profile, 1 warning\)\n$/);
    const json = JSON.parse((await mcpgw(['validate', '--json', '--no-secrets', '-c', file])).stdout) as {
      valid: boolean;
      warnings: number;
    };
    assert.deepEqual([json.valid, json.warnings], [true, 1]);
    const malformed = write('no-secrets/bad.yaml', 'version: 1\nservers:\n  s: { command: x, env: { K: "$<env:K" } }\n');
    assert.equal((await mcpgw(['validate', '--no-secrets', '-c', malformed])).code, 1);
  });

  test('MCPGW_CONFIG names the file when -c is absent; -c wins; else ./gateway.yaml', async () => {
    const good = write('env-config/good.yaml', 'version: 1\n');
    const bad = write('env-config/bad.yaml', 'version: 2\n');
    const viaEnv = await mcpgw(['validate'], { env: { MCPGW_CONFIG: bad } });
    assert.equal(viaEnv.code, 1);
    assert.match(viaEnv.stdout, /bad\.yaml:1:10 version: must be 1/);
    assert.equal((await mcpgw(['validate', '-c', good], { env: { MCPGW_CONFIG: bad } })).code, 0);
    const cwd = join(tmp, 'env-config');
    write('env-config/gateway.yaml', 'version: 1\nservers: { a: { command: x } }\n');
    assert.equal((await mcpgw(['validate'], { cwd })).stdout, 'gateway.yaml: valid (1 server, 1 profile)\n');
    assert.equal((await mcpgw(['validate'], { cwd, env: { MCPGW_CONFIG: '' } })).code, 0, 'an empty MCPGW_CONFIG counts as unset');
  });

  test('a secret from the environment never shows, even when the file fails elsewhere', async () => {
    const file = write(
      'secret/gateway.yaml',
      [
        'version: 1',
        'gateway:',
        '  auth: { bearerTokens: ["$<env:GW_SECRET>"] }',
        '  logLevel: "$<env:GW_SECRET>"',
        'servers:',
        '  a: { command: x, prefix: "$<env:GW_SECRET>", args: ["--token=$<env:GW_SECRET>"] }',
        '  b: { command: y, prefix: "$<env:GW_SECRET>", timeouts: { call: "$<env:GW_SECRET>" } }',
        '  c: { url: "https://c.example.com/mcp", auth: { type: apiKey, value: "Bearer $<env:GW_SECRET>", header: "$<env:GW_SECRET>" } }',
        '  d: { url: not-a-url, unknown: 1 }',
        'profiles:',
        '  default: { servers: [a, b, c, d, "$<env:GW_SECRET>"] }',
      ].join('\n'),
    );
    const env = { GW_SECRET: SECRET };
    const text = await mcpgw(['validate', '-c', file], { env });
    assert.equal(text.code, 1);
    assert.match(text.stdout, /\$<env:GW_SECRET>/, 'the template is named instead');
    assert.match(text.stdout, /invalid \(\d+ errors\)/);
    const json = await mcpgw(['validate', '--json', '-c', file], { env });
    assert.equal(json.code, 1);
    assert.ok((JSON.parse(json.stdout) as { errors: number }).errors >= 5);
    // The same file, fixed, is valid: the secret was resolved and used, just never printed.
    const fixed = write(
      'secret/fixed.yaml',
      'version: 1\ngateway:\n  auth: { bearerTokens: ["$<env:GW_SECRET>"] }\nservers:\n  c: { url: "https://c.example.com/mcp", auth: { type: apiKey, value: "Bearer $<env:GW_SECRET>" } }\n',
    );
    for (const args of [
      ['validate', '-c', fixed],
      ['validate', '--json', '-c', fixed],
    ])
      assert.equal((await mcpgw(args, { env })).code, 0);
  });
});
