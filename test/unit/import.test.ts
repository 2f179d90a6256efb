// The pure parts of `mcpgw import` (issue 19) on plain values: secret detection, names,
// placeholders, the merge into gateway.yaml's text, env files, the atomic write; and the
// command in-process for what a child process cannot show (the prompt, a write failing).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, test, type TestContext } from 'node:test';
import { runImport } from '../../src/cli/import.js';
import type { CommandContext } from '../../src/cli/command-context.js';
import { McpgwError } from '../../src/errors/error.js';
import { mergeServers } from '../../src/import/merge.js';
import { uniqueName, validServerName, VariableNames, secretCandidates } from '../../src/import/naming.js';
import { toParts } from '../../src/import/placeholders.js';
import { isCredentialName, protect, tokenRanges } from '../../src/import/credential-values.js';
import { clientFiles } from '../../src/import/sources.js';
import { envLine, readEnvFile, writeAtomic } from '../../src/import/write.js';

function temp(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-import-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('secrets', () => {
  test('credential-like names', () => {
    for (const name of [
      'GITHUB_TOKEN',
      'API_KEY',
      'BRAVE_API_KEY',
      'apiKey',
      'X-Api-Key',
      'Authorization',
      'CLIENT_SECRET',
      'DB_PASSWORD',
      'x-auth-token',
      'PASSWORD',
      'accessToken',
      'Cookie',
      'MY_PASS',
    ])
      assert.ok(isCredentialName(name), name);
    for (const name of [
      'LOG_LEVEL',
      'SLACK_TEAM_ID',
      'TOKEN_URL',
      'API_KEY_FILE',
      'AWS_REGION',
      'X-Client',
      'HOME',
      'KEYBOARD',
      'OAUTH_PROVIDER',
    ])
      assert.ok(!isCredentialName(name), name);
  });

  test('token-like values, anywhere in a string', () => {
    const found = (text: string) => tokenRanges(text).map(([s, e]) => text.slice(s, e));
    assert.deepEqual(found('ghp_16C7e42F292c6912E7710c838347Ae178B4a'), ['ghp_16C7e42F292c6912E7710c838347Ae178B4a']);
    assert.deepEqual(found('Bearer github_pat_11ABCDEFG0123456789_abcdefghij'), ['github_pat_11ABCDEFG0123456789_abcdefghij']);
    assert.deepEqual(found('--key=sk-proj-abcdefghijklmnop1234'), ['sk-proj-abcdefghijklmnop1234']);
    assert.deepEqual(found('xoxb-1234567890-abcdefghij'), ['xoxb-1234567890-abcdefghij']);
    assert.deepEqual(found('key: a8f5f167f44f4964e6c998dee827110c'), ['a8f5f167f44f4964e6c998dee827110c']);
    assert.deepEqual(found('postgresql://app:pw-123@db/app'), ['pw-123']);
    // Paths, packages, versions, image digests and words are not tokens.
    for (const text of [
      '@modelcontextprotocol/server-everything@2026.8.31',
      '/Users/alice/Library/Application Support/Claude',
      'ghcr.io/github/github-mcp-server',
      'image@sha256:9b2c4f0e1a7d3c5b8e6f4a2d1c0b9e8f7a6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b',
      'awslabs.aws-documentation-mcp-server@latest',
      'mcp-server-fetch-and-more-things-here',
      'https://api.githubcopilot.com/mcp/',
    ])
      assert.deepEqual(found(text), [], text);
  });

  test('protect: a whole value under a credential name keeps its auth scheme; elsewhere only tokens', () => {
    const hint = { key: 'Authorization', label: 'TOKEN', scoped: true, where: 'header Authorization' };
    assert.deepEqual(protect([{ kind: 'text', text: 'Bearer abc' }], hint), [
      { kind: 'text', text: 'Bearer ' },
      { kind: 'secret', value: 'abc', label: 'TOKEN', scoped: true, where: 'header Authorization' },
    ]);
    assert.deepEqual(protect([{ kind: 'text', text: 'plain' }], { ...hint, key: 'X-Client' }), [{ kind: 'text', text: 'plain' }]);
    assert.deepEqual(protect([{ kind: 'text', text: '' }], hint), [{ kind: 'text', text: '' }]);
    // A placeholder under a credential name is already a variable: nothing to take out.
    assert.deepEqual(
      protect(
        [
          { kind: 'text', text: 'Bearer ' },
          { kind: 'env', name: 'T' },
        ],
        hint,
      ),
      [
        { kind: 'text', text: 'Bearer ' },
        { kind: 'env', name: 'T' },
      ],
    );
  });
});

describe('names', () => {
  test('valid names keep their letters; valid ones are kept exactly', () => {
    assert.equal(validServerName('github'), 'github');
    assert.equal(validServerName('GitHub_Copilot-2'), 'GitHub_Copilot-2');
    assert.equal(validServerName('Brave Search'), 'Brave-Search');
    assert.equal(validServerName('café.tools'), 'cafe-tools');
    assert.equal(validServerName('a__b'), 'a_b');
    assert.equal(validServerName('@scope/pkg!'), 'scope-pkg');
    assert.equal(validServerName('日本語'), 'server');
    assert.equal(validServerName('x'.repeat(40)), 'x'.repeat(32));
  });

  test('unique names: -2, -3, shortened to fit 32 characters', () => {
    const taken = new Set(['a', 'a-2', 'x'.repeat(32)]);
    assert.equal(
      uniqueName('a', (n) => taken.has(n)),
      'a-3',
    );
    assert.equal(
      uniqueName('x'.repeat(32), (n) => taken.has(n)),
      `${'x'.repeat(30)}-2`,
    );
  });

  test('two different values never share a variable name; the same value does', () => {
    const known = new Map([['SET_HERE', 'value-1']]);
    const names = new VariableNames((n) => known.get(n));
    names.reserve('USED_IN_CONFIG');
    assert.equal(names.forValue('v1', secretCandidates('weather', 'API_KEY', false)), 'API_KEY');
    assert.equal(names.forValue('v2', secretCandidates('news', 'API_KEY', false)), 'NEWS_API_KEY');
    assert.equal(names.forValue('v3', secretCandidates('news', 'API_KEY', false)), 'NEWS_API_KEY_2');
    assert.equal(names.forValue('v1', secretCandidates('other', 'API_KEY', false)), 'API_KEY');
    assert.equal(names.forValue('x', secretCandidates('s', 'USED_IN_CONFIG', false)), 'S_USED_IN_CONFIG');
    assert.equal(names.forValue('other', secretCandidates('s', 'SET_HERE', false)), 'S_SET_HERE');
    assert.equal(names.forValue('value-1', secretCandidates('s', 'SET_HERE', false)), 'SET_HERE');
    assert.equal(names.forValue('t', secretCandidates('github', 'GITHUB_TOKEN', true)), 'GITHUB_TOKEN');
    assert.equal(names.forValue('t', secretCandidates('1password', 'TOKEN', true)), 'MCP_1PASSWORD_TOKEN');
  });
});

describe('placeholders', () => {
  const base = { home: '/home/u', workspace: '/w/proj', inProject: true, file: '/w/proj/.vscode/mcp.json' };
  test('VS Code: env, input (with its default), folders; unknown ones kept with a warning', () => {
    const inputs = new Map([['region', { description: 'AWS region', default: 'eu-west-1' }]]);
    const r = toParts('${workspaceFolder}/x ${env:HOME} ${input:region} ${userHome} ${command:foo}', { ...base, syntax: 'vscode', inputs });
    assert.deepEqual(r.parts, [
      { kind: 'text', text: '/w/proj/x ' },
      { kind: 'env', name: 'HOME' },
      { kind: 'text', text: ' ' },
      { kind: 'input', id: 'region', file: base.file, description: 'AWS region', fallback: 'eu-west-1' },
      { kind: 'text', text: ' /home/u ${command:foo}' },
    ]);
    assert.equal(r.warnings.length, 1);
  });
  test('Claude Code ${X:-default}; Gemini $X; Claude Desktop nothing', () => {
    assert.deepEqual(toParts('${A:-./d}', { ...base, syntax: 'claude-code' }).parts, [{ kind: 'env', name: 'A', fallback: './d' }]);
    assert.deepEqual(toParts('$A-${B}', { ...base, syntax: 'gemini' }).parts, [
      { kind: 'env', name: 'A' },
      { kind: 'text', text: '-' },
      { kind: 'env', name: 'B' },
    ]);
    assert.deepEqual(toParts('${A}', { ...base, syntax: 'none' }).parts, [{ kind: 'text', text: '${A}' }]);
  });
});

describe('usual locations', () => {
  const host = { home: '/h', cwd: '/h/p', env: {} };
  test('Linux and macOS', () => {
    assert.deepEqual(
      clientFiles('claude-desktop', { ...host, platform: 'linux' }).map((l) => l.path),
      ['/h/.config/Claude/claude_desktop_config.json'],
    );
    assert.deepEqual(
      clientFiles('claude-desktop', { ...host, platform: 'linux', env: { XDG_CONFIG_HOME: '/x' } }).map((l) => l.path),
      ['/x/Claude/claude_desktop_config.json'],
    );
    assert.deepEqual(
      clientFiles('claude-desktop', { ...host, platform: 'darwin' }).map((l) => l.path),
      ['/h/Library/Application Support/Claude/claude_desktop_config.json'],
    );
    assert.deepEqual(
      clientFiles('vscode', { ...host, platform: 'darwin' }).map((l) => l.path),
      [
        '/h/Library/Application Support/Code/User/mcp.json',
        '/h/Library/Application Support/Code/User/settings.json',
        '/h/p/.vscode/mcp.json',
      ],
    );
    assert.deepEqual(
      clientFiles('claude-code', { ...host, platform: 'linux' }).map((l) => l.path),
      ['/h/.claude.json', '/h/p/.mcp.json'],
    );
    assert.deepEqual(
      clientFiles('cursor', { ...host, platform: 'darwin' }).map((l) => l.path),
      ['/h/.cursor/mcp.json', '/h/p/.cursor/mcp.json'],
    );
    assert.deepEqual(
      clientFiles('codex', { ...host, platform: 'linux', env: { CODEX_HOME: '/c' } }).map((l) => l.path),
      ['/c/config.toml'],
    );
    assert.deepEqual(
      clientFiles('gemini', { ...host, cwd: '/h', platform: 'linux' }).map((l) => l.path),
      ['/h/.gemini/settings.json'],
    );
  });
});

describe('merge', () => {
  const groups = [
    { comment: 'Imported from X: x.json', servers: [{ name: 'new', spec: { command: 'n', args: ['-y', 'p'], env: { K: '$<env:K>' } } }] },
  ];
  test('keeps every byte of the old text (comments, spacing, flow style) and adds to the default profile', () => {
    const old =
      'version: 1   # v\nservers:\n    old:      { command: o }   # aligned\n\n    # a trailing comment\n\nprofiles:\n  default: { servers: [old] }  # both\n';
    const { text, profile } = mergeServers(old, groups);
    assert.equal(profile, 'default');
    assert.equal(
      text,
      'version: 1   # v\nservers:\n    old:      { command: o }   # aligned\n\n    # a trailing comment\n\n    # Imported from X: x.json\n    new:\n      command: n\n      args: ["-y", "p"]\n      env:\n        K: "$<env:K>"\n\nprofiles:\n  default: { servers: [old, new] }  # both\n',
    );
  });
  test('a file without servers, or with servers: {}, or CRLF line ends', () => {
    assert.match(mergeServers('version: 1\n', groups).text, /^version: 1\n\nservers:\n  # Imported from X: x.json\n  new:\n/);
    assert.match(mergeServers('version: 1\nservers: {}  # none\n', groups).text, /^version: 1\nservers:  # none\n  # Imported/);
    const crlf = mergeServers('version: 1\r\nservers:\r\n  a: { command: a }\r\n', groups).text;
    assert.ok(
      crlf.startsWith('version: 1\r\nservers:\r\n  a: { command: a }\r\n\r\n  # Imported') && !/[^\r]\n/.test(crlf),
      JSON.stringify(crlf),
    );
  });
  test('a layout the splice does not know (JSON) is edited through the Document, still equal in content', () => {
    const { text } = mergeServers('{"version": 1, "servers": {"a": {"command": "a"}}}\n', groups);
    assert.match(text, /new: \{ command: n/);
  });
  test('names that YAML would read as something else are quoted', () => {
    const { text } = mergeServers('version: 1\nservers:\n  a: { command: a }\nprofiles:\n  default:\n    servers:\n      - a\n', [
      { comment: 'c', servers: [{ name: '123', spec: { command: 'x' } }] },
    ]);
    assert.match(text, /\n  "123":\n    command: x\n/);
    assert.match(text, /\n      - a\n      - "123"\n$/);
  });
});

describe('env file and atomic write', () => {
  test('lines round-trip through readEnvFile', (t) => {
    const dir = temp(t);
    const values = { A: 'plain-1.2/x', B: 'has space', C: "it's", D: 'a#b' };
    writeFileSync(
      join(dir, '.env'),
      `${Object.entries(values)
        .map(([k, v]) => envLine(k, v))
        .join('\n')}\n`,
    );
    assert.deepEqual(Object.fromEntries(readEnvFile(join(dir, '.env'))), values);
  });

  test('a write failing half way leaves the old file and its mode, and no temp file', async (t) => {
    const dir = temp(t);
    const target = join(dir, 'gateway.yaml');
    writeFileSync(target, 'old\n');
    chmodSync(target, 0o640);
    await assert.rejects(
      writeAtomic(target, 'new\n', { hooks: { afterWrite: () => Promise.reject(new Error('disk full')) } }),
      (err: unknown) => err instanceof McpgwError && err.code === 'MCPGW_E_IMPORT_WRITE',
    );
    assert.equal(readFileSync(target, 'utf8'), 'old\n');
    assert.deepEqual(readdirSync(dir), ['gateway.yaml']);
    await writeAtomic(target, 'new\n');
    assert.equal(readFileSync(target, 'utf8'), 'new\n');
    assert.equal(statSync(target).mode & 0o777, 0o640, 'the mode is kept');
  });

  test('killed after the temp file is written and before the rename: the old file is intact', async (t) => {
    const dir = temp(t);
    const target = join(dir, 'gateway.yaml');
    writeFileSync(target, 'old\n');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/import/crash-write.ts', target], { stdio: 'ignore' });
    const signal = await new Promise((resolve) => child.once('exit', (_code, s) => resolve(s)));
    assert.equal(signal, 'SIGKILL');
    assert.equal(readFileSync(target, 'utf8'), 'old\n');
  });
});

/** A command context writing to strings, with the given TTY-ness. */
function context(configPath: string, isTTY: boolean): { ctx: CommandContext; stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        add(String(chunk));
        cb();
      },
    });
  return {
    ctx: { configPath, env: { HOME: '/nonexistent' }, stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), isTTY },
    stdout: () => out,
    stderr: () => err,
  };
}

describe('the command in-process', () => {
  const client = '{ "mcpServers": { "fetch": { "command": "uvx", "args": ["mcp-server-fetch"] } } }';

  for (const [answer, written] of [
    ['y\n', true],
    ['n\n', false],
    ['', false],
  ] as const) {
    test(`on a terminal it shows the diff and asks: ${JSON.stringify(answer)} ${written ? 'writes' : 'writes nothing'}`, async (t) => {
      const dir = temp(t);
      writeFileSync(join(dir, 'servers.json'), client);
      const { ctx, stdout, stderr } = context(join(dir, 'gateway.yaml'), true);
      const stdin = Object.assign(new PassThrough(), { isTTY: true });
      const run = runImport(ctx, { from: ['servers.json'] }, { stdin, host: { cwd: dir, home: dir } });
      setTimeout(() => stdin.end(answer), 50);
      if (written) {
        assert.equal(await run, 0);
        assert.match(readFileSync(join(dir, 'gateway.yaml'), 'utf8'), /fetch:\n {4}command: uvx/);
      } else {
        await assert.rejects(run, (err: unknown) => err instanceof McpgwError && err.code === 'MCPGW_E_IMPORT_DECLINED');
        assert.deepEqual(readdirSync(dir), ['servers.json']);
      }
      assert.match(stdout(), /\+\+\+ gateway\.yaml\n/);
      assert.equal(stderr(), 'Write these changes to gateway.yaml? [y/N] ');
    });
  }

  test('without a terminal it writes without asking, like --yes', async (t) => {
    const dir = temp(t);
    writeFileSync(join(dir, 'servers.json'), client);
    const { ctx, stderr } = context(join(dir, 'gateway.yaml'), false);
    const stdin = Object.assign(new PassThrough(), { isTTY: false });
    assert.equal(await runImport(ctx, { from: ['servers.json'] }, { stdin, host: { cwd: dir, home: dir } }), 0);
    assert.equal(stderr(), '');
    assert.match(readFileSync(join(dir, 'gateway.yaml'), 'utf8'), /^# yaml-language-server: \$schema=/);
  });

  test('a write failing half way: the error, and the old gateway.yaml intact', async (t) => {
    const dir = temp(t);
    writeFileSync(join(dir, 'servers.json'), '{ "mcpServers": { "s": { "command": "s", "env": { "S_TOKEN": "abc" } } } }');
    writeFileSync(join(dir, 'gateway.yaml'), 'version: 1\n');
    const { ctx } = context(join(dir, 'gateway.yaml'), false);
    await assert.rejects(
      runImport(
        ctx,
        { from: ['servers.json'], yes: true },
        { host: { cwd: dir, home: dir }, hooks: { afterWrite: () => Promise.reject(new Error('EIO')) } },
      ),
      (err: unknown) => err instanceof McpgwError && err.code === 'MCPGW_E_IMPORT_WRITE',
    );
    assert.equal(readFileSync(join(dir, 'gateway.yaml'), 'utf8'), 'version: 1\n');
    assert.deepEqual(readdirSync(dir).sort(), ['gateway.yaml', 'servers.json']);
  });
});
