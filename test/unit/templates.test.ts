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

interface TemplateCase {
  readonly rule: string;
  readonly text: string;
  readonly ctx?: Partial<TemplateContext>;
  readonly value?: string;
  /** Default: true when the text has "$<" outside "$$<". */
  readonly hasTemplate?: boolean;
  readonly secrets?: ReadonlyArray<{ value: string; label: string }>;
  /** One per problem, in order: its code, whether it is missing input, and its message. */
  readonly problems?: ReadonlyArray<{ code: string; missing: boolean; message: string | RegExp; hint?: RegExp }>;
  /** Files recorded for watching. */
  readonly watched?: readonly string[];
}

const malformed = (message: RegExp) => [{ code: 'MCPGW_E_CONFIG_TEMPLATE', missing: false, message }];

const templateCases: readonly TemplateCase[] = [
  {
    rule: 'a string without "$<" is returned as is, with nothing recorded',
    text: 'plain $ text <with> brackets',
    value: 'plain $ text <with> brackets',
    hasTemplate: false,
  },
  {
    rule: '$<env:NAME> is the variable, recorded as a secret under its template',
    text: 'Bearer $<env:TOKEN>',
    value: 'Bearer env-token',
    secrets: [{ value: 'env-token', label: '$<env:TOKEN>' }],
  },
  {
    rule: 'an unset variable is a problem naming it, marked as missing input',
    text: '$<env:NOPE>',
    problems: [
      { code: 'MCPGW_E_CONFIG_ENV', missing: true, message: 'environment variable NOPE is not set', hint: /\$<env:NOPE:-fallback>/ },
    ],
  },
  {
    rule: 'an empty variable counts as unset: a problem naming it',
    text: '$<env:EMPTY>',
    problems: [
      { code: 'MCPGW_E_CONFIG_ENV', missing: true, message: 'environment variable EMPTY is empty', hint: /\$<env:EMPTY:-fallback>/ },
    ],
  },
  { rule: '$<env:NAME:-fallback> is the fallback when the variable is unset', text: '$<env:NOPE:-info>', value: 'info' },
  { rule: '$<env:NAME:-fallback> is the fallback when the variable is empty', text: '$<env:EMPTY:-info>', value: 'info' },
  {
    rule: 'a set variable wins over its fallback, and is a secret',
    text: '$<env:USER_NAME:-nobody>',
    value: 'ada',
    secrets: [{ value: 'ada', label: '$<env:USER_NAME>' }],
  },
  { rule: 'a fallback is not a secret', text: '--user=$<env:NOPE:-nobody>', value: '--user=nobody', secrets: [] },
  { rule: 'an empty fallback resolves to the empty string', text: '$<env:NOPE:->', value: '' },
  { rule: 'a fallback may hold ":-" and spaces', text: '$<env:NOPE:-a:-b c>', value: 'a:-b c' },
  { rule: 'a fallback ends at the first ">"', text: '$<env:NOPE:-a>b>', value: 'ab>' },
  {
    rule: '$$< is a literal "$<" and is not a template',
    text: 'price: $$<5> and $$<env:TOKEN>',
    value: 'price: $<5> and $<env:TOKEN>',
    hasTemplate: false,
  },
  {
    rule: 'a literal "$<" right before a template',
    text: '$$<env:X>$<env:TOKEN>',
    value: '$<env:X>env-token',
    secrets: [{ value: 'env-token', label: '$<env:TOKEN>' }],
  },
  {
    rule: 'several templates and literals in one value',
    text: '$<env:USER_NAME>:$<file:token.txt>@$<env:NOPE:-host> $$<x',
    value: 'ada:file-token@host $<x',
    secrets: [
      { value: 'ada', label: '$<env:USER_NAME>' },
      { value: 'file-token', label: '$<file:token.txt>' },
    ],
  },
  {
    rule: '$<file:PATH> is the file without its trailing newline, relative to the base folder, and watched',
    text: '$<file:token.txt>',
    value: 'file-token',
    secrets: [{ value: 'file-token', label: '$<file:token.txt>' }],
    watched: [join(dir, 'token.txt')],
  },
  {
    rule: 'a trailing CRLF is removed too',
    text: '$<file:crlf.txt>',
    value: 'crlf-token',
    secrets: [{ value: 'crlf-token', label: '$<file:crlf.txt>' }],
  },
  {
    rule: 'only one trailing newline is removed',
    text: '$<file:two-newlines.txt>',
    value: 'kept\n',
    secrets: [{ value: 'kept\n', label: '$<file:two-newlines.txt>' }],
  },
  {
    rule: 'an absolute $<file:> path ignores the base folder',
    text: `$<file:${join(dir, 'token.txt')}>`,
    ctx: { baseDir: '/nonexistent' },
    value: 'file-token',
    secrets: [{ value: 'file-token', label: `$<file:${join(dir, 'token.txt')}>` }],
  },
  { rule: 'an empty file resolves to "" and records no secret', text: '$<file:empty.txt>', value: '', secrets: [] },
  {
    rule: 'a missing file is a problem naming the path, missing input; the path is still watched',
    text: '$<file:nope.txt>',
    problems: [
      { code: 'MCPGW_E_CONFIG_FILE', missing: true, message: `file ${join(dir, 'nope.txt')} named by $<file:nope.txt> does not exist` },
    ],
    watched: [join(dir, 'nope.txt')],
  },
  {
    rule: 'a folder named by $<file:> is a problem saying so',
    text: '$<file:folder>',
    problems: [{ code: 'MCPGW_E_CONFIG_FILE', missing: true, message: /is a folder$/ }],
  },
  { rule: 'an unknown kind is malformed', text: '$<vault:x>', problems: malformed(/^unknown template "\$<vault:x>"$/) },
  { rule: 'a bare name is malformed', text: '$<TOKEN>', problems: malformed(/^unknown template "\$<TOKEN>"$/) },
  {
    rule: 'a variable name starting with a digit is malformed',
    text: '$<env:1X>',
    problems: malformed(/does not name a valid environment variable/),
  },
  { rule: 'an empty variable name is malformed', text: '$<env:>', problems: malformed(/does not name a valid environment variable/) },
  { rule: 'a variable name with "-" is malformed', text: '$<env:A-B>', problems: malformed(/does not name a valid environment variable/) },
  { rule: '$<file:> without a path is malformed', text: '$<file:>', problems: malformed(/names no file/) },
  { rule: 'an unclosed template is malformed', text: '--x=$<env:TOKEN', problems: malformed(/^unclosed template "\$<env:TOKEN"$/) },
  { rule: 'a lone "$<" at the end is an unclosed template', text: 'x$<', problems: malformed(/^unclosed template "\$<"$/) },
  {
    rule: 'each failed template is its own problem; the others still resolve',
    text: '$<env:TOKEN>$<env:NOPE>$<vault:x>',
    value: 'env-token',
    secrets: [{ value: 'env-token', label: '$<env:TOKEN>' }],
    problems: [
      { code: 'MCPGW_E_CONFIG_ENV', missing: true, message: 'environment variable NOPE is not set' },
      { code: 'MCPGW_E_CONFIG_TEMPLATE', missing: false, message: /^unknown template/ },
    ],
  },
];

describe('resolveTemplate', () => {
  for (const c of templateCases) {
    test(c.rule, () => {
      const files = new Set<string>();
      const r = resolveTemplate(c.text, ctx({ files, ...c.ctx }));
      if (c.value !== undefined) assert.equal(r.value, c.value);
      assert.equal(r.hasTemplate, c.hasTemplate ?? c.text.replaceAll('$$<', '').includes('$<'), 'hasTemplate');
      assert.deepEqual(r.secrets, c.secrets ?? [], 'secrets');
      const problems = c.problems ?? [];
      assert.equal(r.problems.length, problems.length, `problems: ${JSON.stringify(r.problems)}`);
      problems.forEach((expected, i) => {
        const p = r.problems[i]!;
        assert.equal(p.code, expected.code);
        assert.equal(p.missing, expected.missing, 'missing input, not a malformed template');
        if (typeof expected.message === 'string') assert.equal(p.message, expected.message);
        else assert.match(p.message, expected.message);
        assert.ok(p.hint.length > 0, 'every problem has a hint');
        if (expected.hint) assert.match(p.hint, expected.hint);
        assert.ok(!`${p.message} ${p.hint}`.includes('env-token'), 'a problem never contains a resolved value');
      });
      if (c.watched) assert.deepEqual([...files], c.watched, 'watched files');
    });
  }

  test('file reads go through the context when it provides readFile', () => {
    const read: string[] = [];
    const r = resolveTemplate('$<file:/run/secrets/key>', ctx({ readFile: (p) => (read.push(p), 'from-reader\n') }));
    assert.equal(r.value, 'from-reader');
    assert.deepEqual(read, ['/run/secrets/key']);
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
