// `mcpgw connect --install|--uninstall CLIENT` (issue 19 item 2) as users run it: the real
// CLI in a child process, HOME pointed at a temp folder holding real-shaped client files.
// Golden files give each client's file after the install (the temp folder, node and the
// checkout replaced by /TMP, /NODE and /ROOT); installing twice changes nothing; uninstalling
// gives the original bytes back; the record and the backup are private where they must be.
// UPDATE_GOLDEN=1 rewrites the golden files.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { parse as parseJsonc } from 'jsonc-parser';
import { ROOT, tempDir } from '../helpers/gateway.js';
import { layOut, mcpgw } from '../helpers/import.js';

const FIXTURES = join(ROOT, 'test/fixtures/connect-install');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
/** In the environment of every run: it must never be written anywhere. */
const TOKEN = 'never-written-token-0123456789abcdef';

interface Case {
  readonly about: string;
  readonly args: string[];
  /** The client's file, relative to the fixture (home/... or work/...). */
  readonly file: string;
}

function golden(path: string, actual: string): void {
  if (UPDATE) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `differs from ${path}`);
}

function normalizer(dir: string): (text: string) => string {
  const root = realpathSync(ROOT).replace(/\/$/, '');
  return (text) =>
    text
      .replaceAll(process.execPath, '/NODE')
      .replaceAll(root, '/ROOT')
      .replaceAll(realpathSync(dir), '/TMP')
      .replaceAll(dir, '/TMP')
      .replace(/mcpgw-backup-\d{8}T\d{6}Z(-\d+)?/g, 'mcpgw-backup-TIME');
}

const backups = (file: string) => readdirSync(dirname(file)).filter((f) => f.startsWith(`${basename(file)}.mcpgw-backup-`));
const mode = (path: string) => statSync(path).mode & 0o777;

describe('mcpgw connect --install: golden files of each client', { concurrency: 2 }, () => {
  for (const name of readdirSync(FIXTURES).sort()) {
    const fixture = join(FIXTURES, name);
    if (!existsSync(join(fixture, 'case.json'))) continue;
    const spec = JSON.parse(readFileSync(join(fixture, 'case.json'), 'utf8')) as Case;
    test(`${name}: ${spec.about}`, async (t) => {
      const dir = tempDir(t, 'mcpgw-install-');
      const { home, work } = layOut(fixture, dir);
      const normalize = normalizer(dir);
      const file = join(dir, spec.file);
      // A private file: its backup must be as private.
      chmodSync(file, 0o640);
      const original = readFileSync(file);
      const run = (args: string[]) => mcpgw(['connect', ...args], { cwd: work, home, env: { MCPGW_TOKEN: TOKEN } });

      const r = await run(spec.args);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const after = readFileSync(file, 'utf8');
      golden(join(fixture, 'expected', `${basename(spec.file)}.after`), normalize(after));
      golden(join(fixture, 'expected', 'stdout.txt'), normalize(r.stdout));
      assert.ok(!after.includes(TOKEN), 'no token in the client file');
      assert.equal(mode(file), 0o640, 'the file keeps its mode');
      // It still parses as the client reads it.
      if (file.endsWith('.toml')) parseToml(after);
      else assert.ok(parseJsonc(after));

      // The backup: the old bytes, the old mode. The record: private, with the moved entries.
      const [backup, ...more] = backups(file);
      assert.equal(more.length, 0);
      assert.deepEqual(readFileSync(join(dirname(file), backup!)), original);
      assert.equal(mode(join(dirname(file), backup!)), 0o640);
      const client = spec.args[spec.args.indexOf('--install') + 1]!;
      const record = join(work, '.mcpgw/connect-install', `${client}.json`);
      assert.equal(mode(dirname(record)), 0o700);
      assert.equal(mode(record), 0o600);
      const stash = JSON.parse(readFileSync(record, 'utf8')) as {
        installs: Record<string, { moved: Array<{ name: string; text: string }> }>;
      };
      const moved = stash.installs[file]!.moved;
      for (const m of moved) assert.ok(original.toString('utf8').includes(m.text), `${m.name}: its text as written`);
      assert.ok(!JSON.stringify(stash).includes(TOKEN));

      // Twice: the same bytes, no write, no new backup.
      const again = await run(spec.args);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /already uses the gateway/);
      assert.equal(readFileSync(file, 'utf8'), after);
      assert.equal(backups(file).length, 1);

      // Uninstall: the original bytes (the file was not touched in between), no record left.
      const undo = await run(['--uninstall', client, ...(spec.args.includes('--project') ? ['--project'] : [])]);
      assert.equal(undo.code, 0, undo.stderr);
      assert.deepEqual(readFileSync(file), original);
      assert.equal(mode(file), 0o640);
      assert.ok(!existsSync(record), 'the record is gone');
      if (moved.length > 0) assert.match(undo.stdout, /Put back: /);
      const twice = await run(['--uninstall', client, ...(spec.args.includes('--project') ? ['--project'] : [])]);
      assert.equal(twice.code, 0, twice.stderr);
      assert.match(twice.stdout, /Nothing to uninstall/);
      assert.deepEqual(readFileSync(file), original);
    });
  }
});
