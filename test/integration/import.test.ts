// `mcpgw import` (issue 19) as users run it: the real CLI in a child process, real client
// files of each client laid out under a temp HOME, golden gateway.yaml texts compared byte for
// byte (after the temp folder's name is replaced by /TMP), no secret value in the result, and
// `mcpgw validate --no-secrets` accepting it. UPDATE_GOLDEN=1 rewrites the golden files.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../helpers/gateway.js';
import { IMPORT_FIXTURES, layOut, mcpgw } from '../helpers/import.js';

const GOLDEN = join(IMPORT_FIXTURES, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

interface Case {
  readonly about: string;
  readonly args: string[];
  /** Values that must appear nowhere but in the env file. */
  readonly secrets: string[];
}

/** Compares with a golden file, or writes it with UPDATE_GOLDEN=1. */
function golden(path: string, actual: string): void {
  if (UPDATE) {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `differs from ${path}`);
}

describe('mcpgw import: golden files of each client', { concurrency: 2 }, () => {
  for (const name of readdirSync(GOLDEN).sort()) {
    const fixture = join(GOLDEN, name);
    const spec = JSON.parse(readFileSync(join(fixture, 'case.json'), 'utf8')) as Case;
    test(`${name}: ${spec.about}`, async (t) => {
      const dir = tempDir(t, 'mcpgw-import-');
      const { home, work } = layOut(fixture, dir);
      const normalize = (text: string) => text.replaceAll(dir, '/TMP');
      const r = await mcpgw(spec.args, { cwd: work, home });
      assert.equal(r.code, 0, r.stderr);
      const expected = join(fixture, 'expected');
      const config = readFileSync(join(work, 'gateway.yaml'), 'utf8');
      golden(join(expected, 'gateway.yaml'), normalize(config));
      golden(join(expected, 'stdout.txt'), normalize(r.stdout));
      golden(join(expected, 'stderr.txt'), normalize(r.stderr));

      for (const secret of spec.secrets) {
        assert.ok(!config.includes(secret), `secret ${secret} in gateway.yaml`);
        assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), `secret ${secret} printed`);
      }
      const saveAt = spec.args.indexOf('--save-secrets');
      if (saveAt >= 0) {
        const envFile = join(work, spec.args[saveAt + 1]!);
        assert.equal(statSync(envFile).mode & 0o777, 0o600, 'the env file is private');
        const text = readFileSync(envFile, 'utf8');
        golden(join(expected, 'env'), text);
        for (const secret of spec.secrets) assert.ok(text.includes(secret), `secret ${secret} is in the env file`);
      }
      const check = await mcpgw(['validate', '--no-secrets', '-c', 'gateway.yaml'], { cwd: work, home });
      assert.equal(check.code, 0, check.stdout);
      assert.match(check.stdout, /gateway\.yaml: valid/);

      // A second run finds nothing new and changes nothing.
      const again = await mcpgw(
        spec.args.filter((a, i) => a !== '--save-secrets' && spec.args[i - 1] !== '--save-secrets'),
        {
          cwd: work,
          home,
        },
      );
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /Nothing new to import/);
      assert.equal(readFileSync(join(work, 'gateway.yaml'), 'utf8'), config);
      assert.ok(existsSync(join(work, 'gateway.yaml')));
    });
  }
});
