// `mcpgw connect --install/--uninstall` over time (issue 19 item 2): the user edits the file in
// between, an `mcpgw` entry that is not ours, a second install for another profile, a project
// file that did not exist, and a write that fails half way.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { runClientConfig } from '../../src/cli/connect-install.js';
import type { CommandContext } from '../../src/cli/command-context.js';
import { McpgwError } from '../../src/errors/error.js';
import { tempDir } from '../helpers/gateway.js';
import { mcpgw } from '../helpers/import.js';

const CONFIG = `version: 1
servers:
  fs: { command: npx, args: ["-y", "@modelcontextprotocol/server-filesystem", "/data"] }
  remote: { url: "https://remote.example.com/mcp", auth: { type: apiKey, value: "Bearer $<env:REMOTE_KEY>" } }
profiles:
  default: { servers: [fs, remote] }
  files: { servers: [fs] }
`;

const CURSOR = `{
  "mcpServers": {
    "fs": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/data"] },
    "remote": { "url": "https://remote.example.com/mcp", "headers": { "Authorization": "Bearer rk-0123456789abcdef" } },
    "own": { "command": "own-server" }
  }
}
`;

function setup(
  t: TestContext,
  files: Record<string, string>,
): { home: string; work: string; run: (...args: string[]) => ReturnType<typeof mcpgw> } {
  const dir = tempDir(t, 'mcpgw-install-undo-');
  const home = join(dir, 'home');
  const work = join(dir, 'work');
  mkdirSync(home);
  mkdirSync(work);
  writeFileSync(join(work, 'gateway.yaml'), CONFIG);
  for (const [name, text] of Object.entries(files)) {
    const path = name.startsWith('~/') ? join(home, name.slice(2)) : join(work, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  }
  return { home, work, run: (...args) => mcpgw(['connect', ...args], { cwd: work, home }) };
}

const servers = (path: string) => Object.keys((JSON.parse(readFileSync(path, 'utf8')) as { mcpServers: object }).mcpServers);

test('the user edits the file after the install: uninstall keeps the edits and puts the moved entries back', async (t) => {
  const { home, run } = setup(t, { '~/.cursor/mcp.json': CURSOR });
  const file = join(home, '.cursor/mcp.json');
  assert.equal((await run('--install', 'cursor')).code, 0);
  assert.deepEqual(servers(file), ['own', 'mcpgw']);
  // The user adds a server, and a server of the same name as a moved one.
  const edited = readFileSync(file, 'utf8').replace(
    '"own": {',
    '"fs": { "command": "my-own-fs" },\n    "later": { "command": "later" },\n    "own": {',
  );
  writeFileSync(file, edited);
  const r = await run('--uninstall', 'cursor');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Put back: remote\./);
  assert.match(r.stdout, /Not put back \(the file has them again\): fs\./);
  assert.deepEqual(servers(file), ['remote', 'fs', 'later', 'own'], 'each at its place of before');
  const text = readFileSync(file, 'utf8');
  // The moved entry comes back as it was written, secret and all, on its one line.
  assert.match(
    text,
    /\n {4}"remote": \{ "url": "https:\/\/remote\.example\.com\/mcp", "headers": \{ "Authorization": "Bearer rk-0123456789abcdef" \} \},\n/,
  );
  assert.match(text, /"fs": \{ "command": "my-own-fs" \}/);
});

test('an mcpgw entry that is not ours is put aside, and comes back at uninstall', async (t) => {
  const theirs = CURSOR.replace('"own":', '"mcpgw": { "url": "http://10.0.0.5:8750/mcp" },\n    "own":');
  const { home, run } = setup(t, { '~/.cursor/mcp.json': theirs });
  const file = join(home, '.cursor/mcp.json');
  const r = await run('--install', 'cursor');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Moved out .*: fs, remote, mcpgw\./);
  assert.equal(
    (JSON.parse(readFileSync(file, 'utf8')) as { mcpServers: { mcpgw: { url: string } } }).mcpServers.mcpgw.url,
    'http://127.0.0.1:8750/mcp/default',
  );
  // Touched since (so the backup is not simply copied back): the edit route restores it.
  writeFileSync(file, readFileSync(file, 'utf8').replace('"own-server"', '"own-server-2"'));
  assert.equal((await run('--uninstall', 'cursor')).code, 0);
  assert.equal(readFileSync(file, 'utf8'), theirs.replace('"own-server"', '"own-server-2"'));
});

test('installing another profile replaces the entry; uninstall still gives the original bytes', async (t) => {
  const { home, work, run } = setup(t, { '~/.cursor/mcp.json': CURSOR });
  const file = join(home, '.cursor/mcp.json');
  assert.equal((await run('--install', 'cursor', 'files')).code, 0);
  assert.deepEqual(servers(file), ['remote', 'own', 'mcpgw'], 'remote is not in profile files');
  const second = await run('--install', 'cursor');
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /Moved out .*: remote\./);
  assert.deepEqual(servers(file), ['own', 'mcpgw']);
  assert.match(readFileSync(file, 'utf8'), /127\.0\.0\.1:8750\/mcp\/default/);
  const record = JSON.parse(readFileSync(join(work, '.mcpgw/connect-install/cursor.json'), 'utf8')) as {
    installs: Record<string, { moved: Array<{ name: string }>; profile: string }>;
  };
  assert.deepEqual(
    record.installs[file]!.moved.map((m) => m.name),
    ['fs', 'remote'],
  );
  assert.equal((await run('--uninstall', 'cursor')).code, 0);
  assert.equal(readFileSync(file, 'utf8'), CURSOR);
  assert.equal(readdirSync(join(home, '.cursor')).filter((f) => f.includes('mcpgw-backup')).length, 3, 'one backup per change');
});

test('--project creates the project file when there is none, and uninstall removes it', async (t) => {
  const { work, run } = setup(t, {});
  const r = await run('--install', 'vscode', '--project');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Created VS Code \(\.vscode\/mcp\.json\)/);
  const file = join(work, '.vscode/mcp.json');
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
    servers: { mcpgw: { type: 'http', url: 'http://127.0.0.1:8750/mcp/default' } },
  });
  const undo = await run('--uninstall', 'vscode', '--project');
  assert.equal(undo.code, 0, undo.stderr);
  assert.match(undo.stdout, /Removed \.vscode\/mcp\.json/);
  assert.ok(!existsSync(file));
});

test('uninstalling what was never installed exits 0 and changes nothing', async (t) => {
  const { home, run } = setup(t, { '~/.cursor/mcp.json': CURSOR });
  const r = await run('--uninstall', 'cursor');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Nothing to uninstall/);
  assert.equal(readFileSync(join(home, '.cursor/mcp.json'), 'utf8'), CURSOR);
  assert.deepEqual(readdirSync(join(home, '.cursor')), ['mcp.json'], 'no backup either');
  const none = await run('--uninstall', 'gemini');
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /Nothing to uninstall: ~\/\.gemini\/settings\.json does not exist/);
});

test('a write that fails half way leaves the old file and no record', async (t) => {
  const { home, work } = setup(t, { '~/.cursor/mcp.json': CURSOR });
  const file = join(home, '.cursor/mcp.json');
  let stdout = '';
  const ctx: CommandContext = {
    configPath: join(work, 'gateway.yaml'),
    env: { HOME: home },
    stdout: new Writable({ write: (chunk, _e, cb) => void ((stdout += String(chunk)), cb()) }),
    stderr: new Writable({ write: (_c, _e, cb) => cb() }),
    isTTY: false,
  };
  await assert.rejects(
    runClientConfig(
      ctx,
      undefined,
      { install: 'cursor' },
      {
        host: { home, cwd: work },
        hooks: {
          afterWrite: () => {
            throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
          },
        },
      },
    ),
    (err: McpgwError) => {
      assert.equal(err.code, 'MCPGW_E_INSTALL_WRITE');
      assert.match(err.message, /the disk is full; it is unchanged/);
      return true;
    },
  );
  assert.equal(readFileSync(file, 'utf8'), CURSOR);
  assert.ok(!existsSync(join(work, '.mcpgw/connect-install/cursor.json')), 'the record is taken back');
  assert.deepEqual(
    readdirSync(join(home, '.cursor')).filter((f) => !f.includes('mcpgw-backup')),
    ['mcp.json'],
    'no temp file left',
  );
  assert.equal(stdout, '');
});
