// Golden pairs in test/fixtures/config (STYLE "Tests", like Caddy's .caddyfiletest):
//   name.yaml + name.err.txt   the exact text `mcpgw validate` prints for each finding
//   name.yaml + name.out.json  the normalized model, as JSON
// Absolute paths show as <fixtures>, hashes as <sha256>, so the goldens hold on any machine.
// UPDATE_GOLDEN=1 npm test -- test/unit/config-fixtures.test.ts rewrites them: read the diff.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import type { ConfigModel } from '../../src/config/types.js';
import type { Finding } from '../../src/errors/error.js';
import { renderFindingText } from '../../src/errors/render.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/config', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** The whole environment of every fixture: the machine's own never leaks in. */
const SECRET = 'fixture-secret-value-1234';
const ENV = { SET_VAR: 'from-env', FIXTURE_SECRET: SECRET, EMPTY_VAR: '' };
/** Values read from secrets/*.txt: they may appear in a model, never in a message. */
const FILE_SECRETS = ['token-from-file-5678', 'fixture-client-secret'];

function stable(text: string, dir: string): string {
  return text.split(dir).join('<fixtures>');
}

function renderAll(findings: readonly Finding[], dir: string): string {
  const text = findings.map((f) => renderFindingText({ ...f, file: f.file && relative(dir, f.file) })).join('\n');
  return `${stable(text, dir)}\n`;
}

function modelJson(model: ConfigModel, dir: string): string {
  const json = JSON.stringify(
    model,
    (key, value: unknown) => {
      if ((key === 'digest' || key === 'fingerprint') && typeof value === 'string') {
        assert.match(value, /^[0-9a-f]{64}$/, `${key} is a sha256`);
        return '<sha256>';
      }
      return value;
    },
    2,
  );
  return `${stable(json, dir)}\n`;
}

function golden(path: string, actual: string): void {
  if (UPDATE) {
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `${relative(FIXTURES, path)} is missing (UPDATE_GOLDEN=1 writes it)`);
  assert.equal(actual, readFileSync(path, 'utf8'), `${relative(FIXTURES, path)} differs`);
}

/** What every rendered error must look like, golden or not. */
function assertReadable(text: string, findings: readonly Finding[]): void {
  assert.ok(!text.includes('    at '), 'no stack trace');
  for (const secret of [SECRET, ...FILE_SECRETS]) assert.ok(!text.includes(secret), `the secret ${secret} is not shown`);
  // ajv's own phrasing ("must NOT have additional properties", "must match pattern") or a
  // library's API names mean a translation is missing.
  assert.doesNotMatch(text, /must NOT|must match|must have required|must be equal to|property name|parseAllDocuments|YAML\.\w+\(/);
  for (const f of findings) {
    assert.ok(f.hint, `a hint for "${f.message}"`);
    assert.ok(!f.message.includes('\n') && !f.hint.includes('\n'), 'one line each');
    // Only a file that cannot be read as text at all has no position.
    if (f.code !== 'MCPGW_E_CONFIG_READ') assert.ok(f.line !== undefined && f.column !== undefined, `"${f.message}" is located`);
  }
}

const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('config fixtures (golden pairs)', () => {
  test('there are enough of them, each with exactly one golden', () => {
    assert.ok(names.length >= 30, `${names.length} fixtures`);
    for (const name of names) {
      const base = join(FIXTURES, name.replace(/\.yaml$/, ''));
      const goldens = [existsSync(`${base}.err.txt`), existsSync(`${base}.out.json`)].filter(Boolean).length;
      assert.ok(UPDATE || goldens === 1, `${name} has ${goldens} goldens`);
    }
  });

  for (const name of names) {
    test(name, () => {
      const file = join(FIXTURES, name);
      const base = file.replace(/\.yaml$/, '');
      const result = loadConfig(file, { env: ENV });
      const expectValid = existsSync(`${base}.out.json`) || (UPDATE && !existsSync(`${base}.err.txt`) && result.model !== undefined);
      const rendered = renderAll(result.findings, FIXTURES);
      if (expectValid) {
        assert.ok(result.model, `valid, but got:\n${rendered}`);
        assert.ok(result.findings.every((f) => f.severity !== 'error'));
        golden(`${base}.out.json`, modelJson(result.model, FIXTURES));
      } else {
        assert.equal(result.model, undefined, 'no model for an invalid file');
        assert.ok(
          result.findings.some((f) => f.severity === 'error'),
          'at least one error',
        );
        golden(`${base}.err.txt`, rendered);
      }
      if (result.findings.length > 0) assertReadable(rendered, result.findings);
    });
  }
});

describe('config files generated at test time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-fixtures-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const render = (path: string) => renderAll(loadConfig(path, { env: ENV }).findings, dir);

  test('a 5 MB file is refused before it is read', () => {
    const path = join(dir, 'huge.yaml');
    writeFileSync(path, `version: 1\n${`#${' '.repeat(78)}\n`.repeat((5 * 1024 * 1024) / 80)}`);
    assert.equal(
      render(path),
      [
        'error: huge.yaml: is 5.0 MB; a config file is at most 1 MB [MCPGW_E_CONFIG_READ]',
        '  hint: check that -c names your gateway.yaml',
        '',
      ].join('\n'),
    );
  });

  test('a missing config file: MCPGW_E_CONFIG_READ "no such file", with where a config comes from', () => {
    assert.equal(
      render(join(dir, 'missing.yaml')),
      [
        'error: missing.yaml: no such file [MCPGW_E_CONFIG_READ]',
        '  hint: create it (see examples/gateway.yaml) or pass -c FILE or set MCPGW_CONFIG',
        '',
      ].join('\n'),
    );
  });

  test('a folder given as the config file: MCPGW_E_CONFIG_READ "is a folder", with what to pass', () => {
    mkdirSync(join(dir, 'gateway.yaml'));
    assert.equal(
      render(join(dir, 'gateway.yaml')),
      [
        'error: gateway.yaml: is a folder, not a config file [MCPGW_E_CONFIG_READ]',
        '  hint: pass the YAML file itself, e.g. -c ./gateway.yaml',
        '',
      ].join('\n'),
    );
  });

  test('an alias bomb ("billion laughs") is refused, not expanded', () => {
    const path = join(dir, 'bomb.yaml');
    const level = (name: string, prev: string) => `${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`;
    writeFileSync(
      path,
      [
        'version: 1',
        'x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]',
        ...Array.from({ length: 8 }, (_, i) => level(`x${i + 1}`, `x${i}`)),
      ].join('\n'),
    );
    const text = render(path);
    assert.match(text, /^error: bomb\.yaml:3:\d+: invalid YAML: too many aliases/);
  });
});
