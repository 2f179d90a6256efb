// `mcpgw connect --install/--uninstall` on bad input (issue 19 item 2): usage errors exit 2; a
// missing or malformed client file, a profile gateway.yaml lacks, or a broken gateway.yaml is
// one located error (exit 1) and nothing is written: no client file, no backup, no record.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { tempDir } from '../helpers/gateway.js';
import { mcpgw } from '../helpers/import.js';

const CONFIG = 'version: 1\nservers:\n  a: { command: a-server }\n';

/** Every file under the temp folder with its bytes: what "nothing written" compares. */
function snapshot(dir: string): string {
  return (readdirSync(dir, { recursive: true }) as string[])
    .sort()
    .map((f) => {
      try {
        return `${f}:${readFileSync(join(dir, f), 'utf8')}`;
      } catch {
        return f;
      }
    })
    .join('\n');
}

async function fails(
  t: TestContext,
  args: string[],
  files: Record<string, string>,
  expected: { code: number; stderr: RegExp },
): Promise<void> {
  const dir = tempDir(t, 'mcpgw-install-bad-');
  const home = join(dir, 'home');
  const work = join(dir, 'work');
  mkdirSync(home);
  mkdirSync(work);
  for (const [name, text] of Object.entries({ 'gateway.yaml': CONFIG, ...files })) {
    const path = name.startsWith('~/') ? join(home, name.slice(2)) : join(work, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  }
  const before = snapshot(dir);
  const r = await mcpgw(['connect', ...args], { cwd: work, home });
  assert.equal(r.code, expected.code, `${r.stdout}${r.stderr}`);
  assert.match(r.stderr, expected.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 2, `one error line and its hint:\n${r.stderr}`);
  assert.equal(snapshot(dir), before, 'nothing written');
}

const DESKTOP = '~/.config/Claude/claude_desktop_config.json';

describe('mcpgw connect --install: bad input', { concurrency: 4 }, () => {
  test('an unknown client is a usage error', (t) =>
    fails(
      t,
      ['--install', 'claude'],
      {},
      { code: 2, stderr: /"claude" is not a client mcpgw can configure \[MCPGW_E_USAGE\]\n {2}hint: the clients are claude-desktop/ },
    ));

  test('--install and --uninstall together', (t) =>
    fails(t, ['--install', 'cursor', '--uninstall', 'cursor'], {}, { code: 2, stderr: /--install and --uninstall exclude each other/ }));

  test('--project for a client without project files', (t) =>
    fails(t, ['--install', 'codex', '--project'], {}, { code: 2, stderr: /codex has no project file/ }));

  test('--token: no token is ever written', (t) =>
    fails(t, ['--install', 'cursor', '--token', 'abc'], {}, { code: 2, stderr: /--token does not go with --install/ }));

  test('--stdio without --install', (t) => fails(t, ['--stdio'], {}, { code: 2, stderr: /--stdio goes with --install or --uninstall/ }));

  test("a client's file that does not exist", (t) =>
    fails(
      t,
      ['--install', 'claude-desktop'],
      {},
      {
        code: 1,
        stderr:
          /error: ~\/\.config\/Claude\/claude_desktop_config\.json: no Claude Desktop config at .* \[MCPGW_E_IMPORT_READ\]\n {2}hint: start Claude Desktop once/,
      },
    ));

  test('malformed JSON: file, line and column', (t) =>
    fails(
      t,
      ['--install', 'claude-desktop'],
      { [DESKTOP]: '{\n  "mcpServers": {\n    "a": { "command": "x" }\n    "b": {}\n  }\n}\n' },
      {
        code: 1,
        stderr: /error: ~\/\.config\/Claude\/claude_desktop_config\.json:4:5: invalid JSON: a "," is expected \[MCPGW_E_IMPORT_PARSE\]/,
      },
    ));

  test('malformed TOML: file, line and column', (t) =>
    fails(
      t,
      ['--install', 'codex'],
      { '~/.codex/config.toml': 'model = "x"\n[mcp_servers.a\ncommand = "y"\n' },
      {
        code: 1,
        stderr: /error: ~\/\.codex\/config\.toml:2:\d+: invalid TOML: .* \[MCPGW_E_IMPORT_PARSE\]/,
      },
    ));

  test('an empty file', (t) =>
    fails(t, ['--install', 'cursor'], { '~/.cursor/mcp.json': '' }, { code: 1, stderr: /the file is empty \[MCPGW_E_IMPORT_EMPTY\]/ }));

  test('a JSON file that is not an object, or a server entry of the wrong shape', async (t) => {
    await fails(t, ['--install', 'cursor'], { '~/.cursor/mcp.json': '[1, 2]\n' }, { code: 1, stderr: /the file must hold a JSON object/ });
    await fails(
      t,
      ['--install', 'cursor'],
      { '~/.cursor/mcp.json': '{ "mcpServers": { "a": 3 } }\n' },
      { code: 1, stderr: /server "a" must be an object/ },
    );
  });

  test('a profile gateway.yaml does not have', (t) =>
    fails(
      t,
      ['--install', 'cursor', 'team'],
      { '~/.cursor/mcp.json': '{}\n' },
      {
        code: 1,
        stderr: /gateway\.yaml has no profile "team" \[MCPGW_E_INSTALL_PROFILE\]\n {2}hint: its profiles: default/,
      },
    ));

  test('a gateway.yaml that does not parse', async (t) => {
    const dir = tempDir(t, 'mcpgw-install-bad-');
    mkdirSync(join(dir, '.cursor'));
    writeFileSync(join(dir, '.cursor/mcp.json'), '{}\n');
    writeFileSync(join(dir, 'gateway.yaml'), 'version: 1\ngateway:\n\tlisten: x\n');
    const before = snapshot(dir);
    const r = await mcpgw(['connect', '--install', 'cursor'], { cwd: dir, home: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /gateway\.yaml:3:1: a tab is used for indentation/);
    assert.equal(snapshot(dir), before);
  });

  test('a record of earlier installs that is not ours', (t) =>
    fails(
      t,
      ['--install', 'cursor'],
      { '~/.cursor/mcp.json': '{}\n', '.mcpgw/connect-install/cursor.json': '{"not": "ours"}' },
      {
        code: 1,
        stderr: /\.mcpgw\/connect-install\/cursor\.json: the record of earlier installs is not one mcpgw wrote .*\[MCPGW_E_INSTALL_STASH\]/,
      },
    ));
});
