// `mcpgw import` on bad input (issue 19): a missing, empty, unreadable or malformed client
// file is one located error and nothing is written; an invalid gateway.yaml is refused and
// left as it is; usage errors exit 2; --dry-run writes nothing.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { applyPatch } from 'diff';
import { tempDir } from '../helpers/gateway.js';
import { IMPORT_FIXTURES, layOut, mcpgw } from '../helpers/import.js';

const GOOD_CONFIG = 'version: 1\n# mine\nservers:\n  a: { command: a-server }\n';
const DESKTOP = '.config/Claude/claude_desktop_config.json';

/** A temp HOME and working folder, a gateway.yaml, and files (relative to home or work). */
function setup(t: TestContext, files: Record<string, string> = {}): { home: string; work: string; snapshot: () => string } {
  const dir = tempDir(t, 'mcpgw-import-bad-');
  const home = join(dir, 'home');
  const work = join(dir, 'work');
  mkdirSync(home);
  mkdirSync(work);
  writeFileSync(join(work, 'gateway.yaml'), GOOD_CONFIG);
  for (const [name, text] of Object.entries(files)) {
    const path = name.startsWith('~/') ? join(home, name.slice(2)) : join(work, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  }
  // What "nothing written" means: the same files with the same bytes in the working folder.
  const snapshot = () =>
    (readdirSync(work, { recursive: true }) as string[])
      .sort()
      .map((f) => {
        try {
          return `${f}:${readFileSync(join(work, f), 'utf8')}`;
        } catch {
          return f;
        }
      })
      .join('\n');
  return { home, work, snapshot };
}

async function fails(
  t: TestContext,
  args: string[],
  files: Record<string, string>,
  expected: { code: number; stderr: RegExp },
): Promise<void> {
  const { home, work, snapshot } = setup(t, files);
  const before = snapshot();
  const r = await mcpgw(['import', ...args], { cwd: work, home });
  assert.equal(r.code, expected.code, `${r.stdout}${r.stderr}`);
  assert.match(r.stderr, expected.stderr);
  assert.equal(snapshot(), before, 'nothing written');
}

describe('mcpgw import: bad input', { concurrency: 4 }, () => {
  test('no file of the client: names where it looked', (t) =>
    fails(
      t,
      ['--from', 'claude-desktop'],
      {},
      {
        code: 1,
        stderr:
          /^error: no Claude Desktop config found \(looked at ~\/\.config\/Claude\/claude_desktop_config\.json\) \[MCPGW_E_IMPORT_READ\]\n  hint: /,
      },
    ));

  test('a path that does not exist', (t) =>
    fails(t, ['--from', './nope.json'], {}, { code: 1, stderr: /^error: nope\.json: no such file \[MCPGW_E_IMPORT_READ\]/ }));

  test('an empty file', (t) =>
    fails(
      t,
      ['--from', 'empty.json'],
      { 'empty.json': '  \n' },
      { code: 1, stderr: /^error: empty\.json:1:1: the file is empty \[MCPGW_E_IMPORT_EMPTY\]/ },
    ));

  test('a folder', (t) =>
    fails(t, ['--from', 'conf.json/'], { 'conf.json/x': '' }, { code: 1, stderr: /^error: conf\.json: is a folder/ }));

  test('a file that is not text', (t) =>
    fails(
      t,
      ['--from', 'bin.json'],
      { 'bin.json': '{\n  "a\u0000": 1 }' },
      { code: 1, stderr: /^error: bin\.json:2:5: is not a text file/ },
    ));

  test('an unreadable file', { skip: process.getuid?.() === 0 ? 'root reads any file' : false }, async (t) => {
    const { home, work, snapshot } = setup(t, { 'secret.json': '{"mcpServers": {}}' });
    chmodSync(join(work, 'secret.json'), 0o000);
    const before = snapshot();
    const r = await mcpgw(['import', '--from', 'secret.json'], { cwd: work, home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: secret\.json: permission denied \[MCPGW_E_IMPORT_READ\]/);
    assert.equal(snapshot(), before);
  });

  test('malformed JSON (Claude Desktop): file:line:column', (t) =>
    fails(
      t,
      ['--from', 'claude-desktop'],
      { [`~/${DESKTOP}`]: '{\n  "mcpServers": {\n    "a": { "command": "x" }\n    "b": { "command": "y" }\n  }\n}\n' },
      {
        code: 1,
        stderr:
          /^error: ~\/\.config\/Claude\/claude_desktop_config\.json:4:5: invalid JSON: a "," is expected \[MCPGW_E_IMPORT_PARSE\]\n  hint: /,
      },
    ));

  test('malformed JSONC (VS Code): an unclosed comment', (t) =>
    fails(
      t,
      ['--from', 'vscode'],
      { '.vscode/mcp.json': '{\n  // fine\n  "servers": { /* not closed\n  }\n}\n' },
      {
        code: 1,
        stderr: /^error: \.vscode\/mcp\.json:3:16: invalid JSON: unclosed comment \[MCPGW_E_IMPORT_PARSE\]/,
      },
    ));

  test('malformed TOML (Codex)', (t) =>
    fails(
      t,
      ['--from', 'codex'],
      { '~/.codex/config.toml': 'model = "o3"\n[mcp_servers.docs]\ncommand = "npx\n' },
      {
        code: 1,
        stderr: /^error: ~\/\.codex\/config\.toml:3:\d+: invalid TOML: .+ \[MCPGW_E_IMPORT_PARSE\]/,
      },
    ));

  test('a server entry of the wrong shape: located, with its path', (t) =>
    fails(
      t,
      ['--from', 'cursor'],
      { '~/.cursor/mcp.json': '{\n  "mcpServers": {\n    "gh": { "command": "npx", "args": "-y server" }\n  }\n}\n' },
      {
        code: 1,
        stderr:
          /^error: ~\/\.cursor\/mcp\.json:3:39 mcpServers\.gh\.args: args must be a list of strings, not the text "-y server" \[MCPGW_E_IMPORT_FORMAT\]/,
      },
    ));

  test('a server with neither command nor url', (t) =>
    fails(
      t,
      ['--from', 'servers.json'],
      { 'servers.json': '{ "mcpServers": { "x": { "args": [] } } }' },
      {
        code: 1,
        stderr: /^error: servers\.json:1:19 mcpServers\.x: server "x" has neither command nor url \[MCPGW_E_IMPORT_FORMAT\]/,
      },
    ));

  test('a JSON file without servers', (t) =>
    fails(
      t,
      ['--from', 'other.json'],
      { 'other.json': '{ "name": "not a client file" }' },
      {
        code: 1,
        stderr: /^error: other\.json:1:1: no MCP servers found: expected "mcpServers"/,
      },
    ));

  test('one bad file among good ones: nothing is imported', (t) =>
    fails(
      t,
      ['--from', 'good.json', '--from', 'bad.json'],
      {
        'good.json': '{ "mcpServers": { "ok": { "command": "ok-server" } } }',
        'bad.json': '{ "mcpServers": { "ok": { "command": "ok-server" }, } ',
      },
      { code: 1, stderr: /^error: bad\.json:1:\d+: invalid JSON/ },
    ));

  test('an invalid gateway.yaml is refused and left as it is', async (t) => {
    const { home, work, snapshot } = setup(t, { 'good.json': '{ "mcpServers": { "ok": { "command": "ok-server" } } }' });
    writeFileSync(join(work, 'gateway.yaml'), 'version: 1\nservers:\n  a: { command: x, url: http://x }\n  bad name: { command: y }\n');
    const before = snapshot();
    const r = await mcpgw(['import', '--from', 'good.json'], { cwd: work, home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: gateway\.yaml:3:/m);
    assert.match(
      r.stderr,
      /^error: gateway\.yaml is invalid; nothing was imported \[MCPGW_E_IMPORT_CONFIG\]\n  hint: fix it first \(mcpgw validate -c gateway\.yaml\)/m,
    );
    assert.equal(snapshot(), before);
  });

  test('a gateway.yaml whose folder does not exist: a write error, nothing else written', async (t) => {
    const { home, work, snapshot } = setup(t, { 'good.json': '{ "mcpServers": { "ok": { "command": "ok-server" } } }' });
    const before = snapshot();
    const r = await mcpgw(['import', '--from', 'good.json', '-c', 'missing/gateway.yaml', '--save-secrets', 'x.env'], { cwd: work, home });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: cannot write .*missing\/gateway\.yaml: its folder does not exist; it is unchanged \[MCPGW_E_IMPORT_WRITE\]/m,
    );
    assert.equal(snapshot(), before);
  });

  test('usage errors exit 2', async (t) => {
    const { home, work } = setup(t, { 'good.json': '{ "mcpServers": {} }' });
    for (const [args, message] of [
      [['--from', 'claud-desktop'], /--from "claud-desktop" is neither a client nor a file/],
      [['--from', 'good.json', '--dry-run', '--yes'], /--dry-run and --yes exclude each other/],
      [[], /--from is required/],
      [['--from'], /argument missing/],
    ] as const) {
      const r = await mcpgw(['import', ...args], { cwd: work, home });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});

describe('mcpgw import: --dry-run and "nothing new"', () => {
  test('--dry-run prints the unified diff and writes nothing (no gateway.yaml, no env file)', async (t) => {
    const dir = tempDir(t, 'mcpgw-import-dry-');
    const fixture = join(IMPORT_FIXTURES, 'golden/claude-desktop');
    const { home, work } = layOut(fixture, dir);
    const before = readFileSync(join(work, 'gateway.yaml'), 'utf8');
    const r = await mcpgw(['import', '--from', 'claude-desktop', '--dry-run', '--save-secrets', '.env'], { cwd: work, home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(work, 'gateway.yaml'), 'utf8'), before);
    assert.deepEqual(readdirSync(work), ['gateway.yaml']);
    const diff = r.stdout.slice(r.stdout.indexOf('--- gateway.yaml'), r.stdout.indexOf('Secrets are not'));
    assert.match(diff, /^--- gateway\.yaml\n\+\+\+ gateway\.yaml\n@@ -41,6 \+41,46 @@\n/);
    // Applied to the old file, the diff gives exactly what the real import writes.
    assert.equal(applyPatch(before, diff), readFileSync(join(fixture, 'expected/gateway.yaml'), 'utf8'));
    assert.match(r.stdout, /Dry run: nothing written \(8 servers would be added to gateway\.yaml\)\.\n$/);
    assert.ok(!r.stdout.includes('ghp_FAKE'), 'no secret in the diff');
  });

  test('nothing new: exit 0, the file untouched (same bytes and mtime)', async (t) => {
    const { home, work } = setup(t, { 'servers.json': '{ "mcpServers": { "again": { "command": "a-server" } } }' });
    const r = await mcpgw(['import', '--from', 'servers.json'], { cwd: work, home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      'JSON file (servers.json):\n  = again  already in gateway.yaml as "a"\nNothing new to import: gateway.yaml is unchanged.\n',
    );
    assert.equal(readFileSync(join(work, 'gateway.yaml'), 'utf8'), GOOD_CONFIG);
  });
});
