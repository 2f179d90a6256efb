// Templates in string values (SPEC section 2): resolveTemplate on one string, resolveTree on a
// parsed document. Files come from a temp folder; the environment is always given explicitly.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveTree } from '../../src/config/resolve.js';
import { labelOf, resolveTemplate, type TemplateContext } from '../../src/config/templates.js';

const dir = mkdtempSync(join(tmpdir(), 'mcpgw-templates-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'token.txt'), 'file-token\n');
writeFileSync(join(dir, 'crlf.txt'), 'crlf-token\r\n');
writeFileSync(join(dir, 'two-newlines.txt'), 'kept\n\n');
writeFileSync(join(dir, 'empty.txt'), '');
mkdirSync(join(dir, 'folder'));

const env = { TOKEN: 'env-token', EMPTY: '', USER_NAME: 'ada' };
const ctx = (extra: Partial<TemplateContext> = {}): TemplateContext => ({ env, baseDir: dir, ...extra });

describe('resolveTemplate', () => {
  test('a string without "$<" is returned as is, with nothing recorded', () => {
    const r = resolveTemplate('plain $ text <with> brackets', ctx());
    assert.deepEqual(r, { value: 'plain $ text <with> brackets', hasTemplate: false, secrets: [], problems: [] });
  });

  test('$<env:NAME> is the variable, recorded as a secret under its template', () => {
    const r = resolveTemplate('Bearer $<env:TOKEN>', ctx());
    assert.equal(r.value, 'Bearer env-token');
    assert.equal(r.hasTemplate, true);
    assert.deepEqual(r.secrets, [{ value: 'env-token', label: '$<env:TOKEN>' }]);
    assert.deepEqual(r.problems, []);
  });

  test('an unset or empty variable is a problem naming it, marked as missing input', () => {
    for (const [name, state] of [
      ['NOPE', 'not set'],
      ['EMPTY', 'empty'],
    ] as const) {
      const r = resolveTemplate(`$<env:${name}>`, ctx());
      assert.equal(r.problems.length, 1);
      const [p] = r.problems;
      assert.equal(p!.code, 'MCPGW_E_CONFIG_ENV');
      assert.equal(p!.missing, true);
      assert.equal(p!.message, `environment variable ${name} is ${state}`);
      assert.match(p!.hint, new RegExp(`\\$<env:${name}:-fallback>`));
    }
  });

  test('$<env:NAME:-fallback> uses the fallback when unset or empty; a fallback is not a secret', () => {
    assert.equal(resolveTemplate('$<env:NOPE:-info>', ctx()).value, 'info');
    assert.equal(resolveTemplate('$<env:EMPTY:-info>', ctx()).value, 'info');
    const set = resolveTemplate('$<env:USER_NAME:-nobody>', ctx());
    assert.equal(set.value, 'ada');
    assert.deepEqual(set.secrets, [{ value: 'ada', label: '$<env:USER_NAME>' }]);
    const fallback = resolveTemplate('--user=$<env:NOPE:-nobody>', ctx());
    assert.equal(fallback.value, '--user=nobody');
    assert.deepEqual(fallback.secrets, []);
    assert.deepEqual(fallback.problems, []);
  });

  test('an empty fallback resolves to the empty string', () => {
    const r = resolveTemplate('$<env:NOPE:->', ctx());
    assert.deepEqual([r.value, r.hasTemplate, r.problems, r.secrets], ['', true, [], []]);
  });

  test('a fallback may hold ":-" and spaces, but ends at the first ">"', () => {
    assert.equal(resolveTemplate('$<env:NOPE:-a:-b c>', ctx()).value, 'a:-b c');
    assert.equal(resolveTemplate('$<env:NOPE:-a>b>', ctx()).value, 'ab>');
  });

  test('$$< is a literal "$<" and is not a template', () => {
    const r = resolveTemplate('price: $$<5> and $$<env:TOKEN>', ctx());
    assert.equal(r.value, 'price: $<5> and $<env:TOKEN>');
    assert.equal(r.hasTemplate, false);
    assert.deepEqual(r.secrets, []);
  });

  test('several templates and literals in one value', () => {
    const r = resolveTemplate('$<env:USER_NAME>:$<file:token.txt>@$<env:NOPE:-host> $$<x', ctx());
    assert.equal(r.value, 'ada:file-token@host $<x');
    assert.deepEqual(r.secrets, [
      { value: 'ada', label: '$<env:USER_NAME>' },
      { value: 'file-token', label: '$<file:token.txt>' },
    ]);
  });

  test('$<file:PATH> is the file without its trailing newline, relative to the base folder', () => {
    const files = new Set<string>();
    const r = resolveTemplate('$<file:token.txt>', ctx({ files }));
    assert.equal(r.value, 'file-token');
    assert.deepEqual(r.secrets, [{ value: 'file-token', label: '$<file:token.txt>' }]);
    assert.deepEqual([...files], [join(dir, 'token.txt')]);
    assert.equal(resolveTemplate('$<file:crlf.txt>', ctx()).value, 'crlf-token');
    assert.equal(resolveTemplate('$<file:two-newlines.txt>', ctx()).value, 'kept\n', 'only one newline is removed');
    assert.equal(resolveTemplate(`$<file:${join(dir, 'token.txt')}>`, ctx({ baseDir: '/nonexistent' })).value, 'file-token');
  });

  test('an empty file resolves to "" and records no secret', () => {
    const r = resolveTemplate('$<file:empty.txt>', ctx());
    assert.deepEqual([r.value, r.secrets, r.problems], ['', [], []]);
  });

  test('a missing file or a folder is a problem naming the path; the path is still watched', () => {
    const files = new Set<string>();
    const missing = resolveTemplate('$<file:nope.txt>', ctx({ files }));
    assert.equal(missing.problems[0]!.code, 'MCPGW_E_CONFIG_FILE');
    assert.equal(missing.problems[0]!.missing, true);
    assert.equal(missing.problems[0]!.message, `file ${join(dir, 'nope.txt')} named by $<file:nope.txt> does not exist`);
    assert.ok(files.has(join(dir, 'nope.txt')), 'a reload watches the file that is not there yet');
    const folder = resolveTemplate('$<file:folder>', ctx());
    assert.match(folder.problems[0]!.message, /is a folder$/);
  });

  test('file reads go through the context when it provides readFile', () => {
    const read: string[] = [];
    const r = resolveTemplate('$<file:/run/secrets/key>', ctx({ readFile: (p) => (read.push(p), 'from-reader\n') }));
    assert.equal(r.value, 'from-reader');
    assert.deepEqual(read, ['/run/secrets/key']);
  });

  test('malformed templates are problems that are not missing input', () => {
    const cases: Array<[string, RegExp]> = [
      ['$<vault:x>', /^unknown template "\$<vault:x>"$/],
      ['$<TOKEN>', /^unknown template "\$<TOKEN>"$/],
      ['$<env:1X>', /does not name a valid environment variable/],
      ['$<env:>', /does not name a valid environment variable/],
      ['$<env:A-B>', /does not name a valid environment variable/],
      ['$<file:>', /names no file/],
      ['--x=$<env:TOKEN', /^unclosed template "\$<env:TOKEN"$/],
    ];
    for (const [text, message] of cases) {
      const r = resolveTemplate(text, ctx());
      assert.equal(r.problems.length, 1, text);
      assert.equal(r.problems[0]!.code, 'MCPGW_E_CONFIG_TEMPLATE', text);
      assert.equal(r.problems[0]!.missing, false, text);
      assert.match(r.problems[0]!.message, message, text);
      assert.ok(r.problems[0]!.hint.length > 0);
    }
  });

  test('a problem never contains a resolved value', () => {
    const r = resolveTemplate('$<env:TOKEN>$<env:NOPE>$<vault:x>', ctx());
    assert.equal(r.problems.length, 2);
    for (const p of r.problems) assert.ok(!`${p.message} ${p.hint}`.includes('env-token'));
  });

  test('labelOf names the template, never the value', () => {
    assert.equal(labelOf({ kind: 'env', name: 'A', fallback: 'x' }), '$<env:A>');
    assert.equal(labelOf({ kind: 'file', path: 'secrets/a' }), '$<file:secrets/a>');
  });
});

describe('resolveTree', () => {
  test('resolves string values at any depth, never keys or other scalars', () => {
    const tree = resolveTree({ '$<env:TOKEN>': 'k', a: [1, true, null, { b: '$<env:USER_NAME>' }] }, ctx());
    assert.deepEqual(tree.value, { '$<env:TOKEN>': 'k', a: [1, true, null, { b: 'ada' }] });
    assert.deepEqual([...tree.templated], [['a[3].b', '$<env:USER_NAME>']]);
  });

  test('a value resolving to "" leaves an optional key absent and drops a list item', () => {
    const tree = resolveTree(
      {
        servers: { gh: { url: 'https://x', auth: { type: 'oauth', clientId: '$<env:NOPE:->', clientSecret: '$<env:EMPTY:->' } } },
        gateway: { auth: { bearerTokens: ['$<env:NOPE:->', '$<env:TOKEN>', '$<file:empty.txt>'] } },
        literal: '',
      },
      ctx(),
    );
    assert.deepEqual(
      tree.value,
      {
        servers: { gh: { url: 'https://x', auth: { type: 'oauth' } } },
        gateway: { auth: { bearerTokens: ['env-token'] } },
        literal: '',
      },
      'a literal "" (no template) stays: the schema judges it',
    );
  });

  test('secrets are recorded once, except where the SPEC says the value is public', () => {
    const tree = resolveTree(
      {
        gateway: { listen: '$<env:TOKEN>', publicUrl: '$<env:TOKEN>', dataDir: '$<env:TOKEN>', logLevel: '$<env:USER_NAME>' },
        servers: {
          a: { command: '$<env:TOKEN>', cwd: '$<env:TOKEN>', args: ['$<env:USER_NAME>'], env: { X: '$<file:token.txt>' } },
          b: { url: '$<env:TOKEN>', headers: { Y: '$<env:USER_NAME>' } },
        },
      },
      ctx(),
    );
    assert.deepEqual(tree.secrets, [
      { value: 'ada', label: '$<env:USER_NAME>' },
      { value: 'file-token', label: '$<file:token.txt>' },
    ]);
  });

  test('failed templates are reported per path, and the value is left as written', () => {
    const tree = resolveTree({ servers: { a: { env: { K: 'x-$<env:NOPE>', L: '$<bad>' } } } }, ctx());
    assert.deepEqual(tree.value, { servers: { a: { env: { K: 'x-$<env:NOPE>', L: '$<bad>' } } } });
    assert.deepEqual(
      tree.issues.map((i) => [i.path.join('/'), i.raw, i.problem.code]),
      [
        ['servers/a/env/K', 'x-$<env:NOPE>', 'MCPGW_E_CONFIG_ENV'],
        ['servers/a/env/L', '$<bad>', 'MCPGW_E_CONFIG_TEMPLATE'],
      ],
    );
    assert.deepEqual([...tree.unresolved], ['servers.a.env.K', 'servers.a.env.L']);
  });

  test('a document that is one templated string resolves too', () => {
    assert.equal(resolveTree('$<env:TOKEN>', ctx()).value, 'env-token');
    assert.equal(resolveTree('$<env:NOPE:->', ctx()).value, '');
  });
});
