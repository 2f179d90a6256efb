// The catalog of a profile (SPEC section 2, exposed names; section 5, calls to servers that
// are not ready): members in, exposed items and routes out. One row per rule, on plain
// member objects.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Tool } from '@modelcontextprotocol/client';
import type { FilterSpec } from '../../src/config/types.js';
import { buildCatalog, exposedName, MAX_NAME_LENGTH, memberToBlame, type MemberView } from '../../src/gateway/catalog.js';
import { ALL, member } from '../helpers/members.js';

describe('exposedName', () => {
  const cases: ReadonlyArray<[prefix: string, name: string, exposed: string]> = [
    ['github', 'create_issue', 'github__create_issue'],
    ['', 'create_issue', 'create_issue'],
    ['gh', 'a__b', 'gh__a__b'],
    ['x', '', 'x__'],
  ];
  for (const [prefix, name, exposed] of cases) {
    test(`prefix "${prefix}" and "${name}" give "${exposed}"`, () => assert.equal(exposedName(prefix, name), exposed));
  }
});

interface CatalogCase {
  readonly rule: string;
  readonly members: readonly MemberView[];
  readonly profile?: FilterSpec;
  /** Exposed names, in order; a list left out is not checked. */
  readonly tools?: readonly string[];
  readonly prompts?: readonly string[];
  readonly resources?: readonly string[];
  readonly templates?: readonly string[];
  /** exposed name -> [server, upstream name] (only the ones listed are checked). */
  readonly toolRoutes?: Readonly<Record<string, readonly [string, string]>>;
  readonly promptRoutes?: Readonly<Record<string, readonly [string, string]>>;
  /** URI or URI template -> server. */
  readonly resourceRoutes?: Readonly<Record<string, string>>;
  readonly templateRoutes?: Readonly<Record<string, string>>;
  /** One pattern per warning, in order; none expected when left out. */
  readonly warnings?: readonly RegExp[];
}

const cases: readonly CatalogCase[] = [
  {
    rule: 'a tool or prompt t of a server with prefix p is exposed as p__t, routed to t',
    members: [member('github', { tools: ['create_issue'], prompts: ['triage'] })],
    tools: ['github__create_issue'],
    prompts: ['github__triage'],
    toolRoutes: { github__create_issue: ['github', 'create_issue'] },
    promptRoutes: { github__triage: ['github', 'triage'] },
  },
  {
    rule: 'prefix false (the empty prefix) exposes the upstream names as they are',
    members: [member('local', { tools: ['echo'], prompts: ['simple'] }, { prefix: '' })],
    tools: ['echo'],
    prompts: ['simple'],
    toolRoutes: { echo: ['local', 'echo'] },
  },
  {
    rule: 'a prefix of another name replaces the server name',
    members: [member('github', { tools: ['x'] }, { prefix: 'gh' })],
    tools: ['gh__x'],
    toolRoutes: { gh__x: ['github', 'x'] },
  },
  {
    rule: 'routing uses the table, never a split on "__": an upstream name with "__" keeps it',
    members: [member('a', { tools: ['b__c'] })],
    tools: ['a__b__c'],
    toolRoutes: { a__b__c: ['a', 'b__c'] },
  },
  {
    rule: 'members keep their order, and each member its own order',
    members: [member('b', { tools: ['z', 'y'] }), member('a', { tools: ['x'] })],
    tools: ['b__z', 'b__y', 'a__x'],
  },
  {
    rule: 'the server filter applies to the upstream names, before the prefix',
    members: [
      member('alpha', { tools: ['read_a', 'write_a'] }, { filter: { allow: ['read_*'], deny: [] } }),
      member('beta', { tools: ['read_b'] }, { filter: { allow: ['beta__*'], deny: [] } }),
    ],
    tools: ['alpha__read_a'],
  },
  {
    rule: 'the profile filter applies to the exposed names, after the prefix',
    members: [member('alpha', { tools: ['echo', 'add'] }), member('beta', { tools: ['echo'] })],
    profile: { deny: ['alpha__*', 'echo'] },
    tools: ['beta__echo'],
  },
  {
    rule: 'the server and the profile filter both apply; deny wins in each',
    members: [member('gh', { tools: ['create_issue', 'delete_repo', 'get_issue'] }, { filter: { deny: ['delete_*'] } })],
    profile: { allow: ['gh__*'], deny: ['gh__create_*'] },
    tools: ['gh__get_issue'],
  },
  {
    rule: 'the tools filters do not apply to prompts',
    members: [member('alpha', { tools: ['echo'], prompts: ['echo'] }, { filter: { deny: ['*'] } })],
    profile: { deny: ['*'] },
    tools: [],
    prompts: ['alpha__echo'],
  },
  {
    rule: 'a run-time collision is won by the member listed first; the other item is dropped with a warning',
    members: [member('a', { tools: ['x', 'only_a'] }, { prefix: '' }), member('b', { tools: ['x', 'only_b'] }, { prefix: '' })],
    tools: ['x', 'only_a', 'only_b'],
    toolRoutes: { x: ['a', 'x'], only_b: ['b', 'only_b'] },
    warnings: [/^tool "x" of server "b" dropped: server "a" \(listed first\)/],
  },
  {
    rule: 'prompts collide like tools, separately from them',
    members: [member('a', { tools: ['greet'], prompts: ['greet'] }, { prefix: '' }), member('b', { prompts: ['greet'] }, { prefix: '' })],
    tools: ['greet'],
    prompts: ['greet'],
    promptRoutes: { greet: ['a', 'greet'] },
    warnings: [/^prompt "greet" of server "b" dropped: server "a"/],
  },
  {
    rule: 'an unprefixed name can collide with a prefixed one: the first listed still wins',
    members: [member('flat', { tools: ['gh__x'] }, { prefix: '' }), member('gh', { tools: ['x'] })],
    tools: ['gh__x'],
    toolRoutes: { gh__x: ['flat', 'gh__x'] },
    warnings: [/^tool "gh__x" of server "gh" dropped: server "flat"/],
  },
  {
    rule: 'filters run before the collision check: a filtered-out item takes no name',
    members: [member('a', { tools: ['x'] }, { prefix: '', filter: { deny: ['x'] } }), member('b', { tools: ['x'] }, { prefix: '' })],
    tools: ['x'],
    toolRoutes: { x: ['b', 'x'] },
  },
  {
    rule: `a name of exactly ${MAX_NAME_LENGTH} characters is kept; one over is dropped with a warning`,
    members: [member('p', { tools: ['k'.repeat(MAX_NAME_LENGTH - 3), 'd'.repeat(MAX_NAME_LENGTH - 2)] })],
    tools: [`p__${'k'.repeat(MAX_NAME_LENGTH - 3)}`],
    warnings: [new RegExp(`^tool "p__d+" of server "p" dropped: its name is over ${MAX_NAME_LENGTH} characters`)],
  },
  {
    rule: 'the length limit counts the prefix, and applies to prompts too',
    members: [member('server', { prompts: ['q'.repeat(MAX_NAME_LENGTH - 1)] }, { prefix: 'srv' })],
    prompts: [],
    warnings: [/^prompt "srv__q+" of server "server" dropped: its name is over/],
  },
  {
    rule: 'a member that is not ready is absent',
    members: [member('down', { tools: ['x'], prompts: ['p'], resources: ['r://1'], templates: ['r://{id}'] }, { ready: false })],
    tools: [],
    prompts: [],
    resources: [],
    templates: [],
  },
  {
    rule: 'a member that is not ready takes no name: the next member gets it',
    members: [member('a', { tools: ['x'] }, { prefix: '', ready: false }), member('b', { tools: ['x'] }, { prefix: '' })],
    tools: ['x'],
    toolRoutes: { x: ['b', 'x'] },
  },
  {
    rule: 'resource URIs and templates pass through unchanged, whatever the prefix',
    members: [member('files', { resources: ['file:///a'], templates: ['file:///{path}'] })],
    resources: ['file:///a'],
    templates: ['file:///{path}'],
    resourceRoutes: { 'file:///a': 'files' },
    templateRoutes: { 'file:///{path}': 'files' },
  },
  {
    rule: 'a URI served by two members goes to the first listed, without a warning',
    members: [
      member('a', { resources: ['r://same', 'r://a'], templates: ['t://{x}'] }),
      member('b', { resources: ['r://same', 'r://b'], templates: ['t://{x}', 't://b/{y}'] }),
    ],
    resources: ['r://same', 'r://a', 'r://b'],
    templates: ['t://{x}', 't://b/{y}'],
    resourceRoutes: { 'r://same': 'a', 'r://b': 'b' },
    templateRoutes: { 't://{x}': 'a', 't://b/{y}': 'b' },
  },
  {
    rule: 'no members: empty lists',
    members: [],
    tools: [],
    prompts: [],
    resources: [],
    templates: [],
  },
];

describe('buildCatalog', () => {
  for (const c of cases) {
    test(c.rule, () => {
      const catalog = buildCatalog(c.members, c.profile ?? ALL);
      if (c.tools)
        assert.deepEqual(
          catalog.tools.map((x) => x.name),
          c.tools,
          'tools',
        );
      if (c.prompts)
        assert.deepEqual(
          catalog.prompts.map((x) => x.name),
          c.prompts,
          'prompts',
        );
      if (c.resources)
        assert.deepEqual(
          catalog.resources.map((x) => x.uri),
          c.resources,
          'resources',
        );
      if (c.templates)
        assert.deepEqual(
          catalog.resourceTemplates.map((x) => x.uriTemplate),
          c.templates,
          'templates',
        );
      for (const [exposed, [server, name]] of Object.entries(c.toolRoutes ?? {}))
        assert.deepEqual(catalog.toolRoutes.get(exposed), { server, name }, `tool route of ${exposed}`);
      for (const [exposed, [server, name]] of Object.entries(c.promptRoutes ?? {}))
        assert.deepEqual(catalog.promptRoutes.get(exposed), { server, name }, `prompt route of ${exposed}`);
      for (const [uri, server] of Object.entries(c.resourceRoutes ?? {})) assert.equal(catalog.resourceRoutes.get(uri), server, uri);
      for (const [uri, server] of Object.entries(c.templateRoutes ?? {})) assert.equal(catalog.templateRoutes.get(uri), server, uri);
      // Every exposed item has its route, and nothing else has one.
      assert.deepEqual(
        [...catalog.toolRoutes.keys()],
        catalog.tools.map((x) => x.name),
        'one route per exposed tool',
      );
      assert.deepEqual(
        [...catalog.promptRoutes.keys()],
        catalog.prompts.map((x) => x.name),
        'one route per exposed prompt',
      );
      const warnings = c.warnings ?? [];
      assert.equal(catalog.warnings.length, warnings.length, `warnings: ${JSON.stringify(catalog.warnings)}`);
      warnings.forEach((re, i) => assert.match(catalog.warnings[i]!, re));
    });
  }

  test('items pass through unchanged except for their name', () => {
    const tool: Tool = {
      name: 'echo',
      title: 'Echo',
      description: 'says it back',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
      outputSchema: { type: 'object' },
      annotations: { readOnlyHint: true },
      _meta: { 'example.com/x': 1 },
    };
    const flat: MemberView = { ...member('flat', {}, { prefix: '' }), lists: { ...member('x').lists, tools: [tool] } };
    const prefixed: MemberView = { ...member('p'), lists: { ...member('x').lists, tools: [tool] } };
    assert.equal(buildCatalog([flat], ALL).tools[0], tool, 'unprefixed: the very same object');
    assert.deepEqual(buildCatalog([prefixed], ALL).tools[0], { ...tool, name: 'p__echo' });
    assert.equal(tool.name, 'echo', "the upstream's item is not modified");
  });
});

describe('memberToBlame', () => {
  const cases: ReadonlyArray<{ rule: string; name: string; members: readonly MemberView[]; blamed: string | undefined }> = [
    {
      rule: 'p__x with p the prefix of a member that is not ready blames that member',
      name: 'github__create_issue',
      members: [member('github', {}, { ready: false })],
      blamed: 'github',
    },
    {
      rule: 'a prefix of a member that is ready blames nobody (the tool does not exist)',
      name: 'github__nope',
      members: [member('github', { tools: ['x'] })],
      blamed: undefined,
    },
    {
      rule: 'the prefix must be followed by "__": a longer word is another name',
      name: 'githubber__x',
      members: [member('github', {}, { ready: false })],
      blamed: undefined,
    },
    {
      rule: 'a renamed prefix is what counts, not the server name',
      name: 'gh__x',
      members: [member('github', {}, { prefix: 'gh', ready: false })],
      blamed: 'github',
    },
    {
      rule: 'the only unprefixed member not ready: any unknown name blames it',
      name: 'whatever',
      members: [member('flat', {}, { prefix: '', ready: false }), member('other', { tools: ['x'] })],
      blamed: 'flat',
    },
    {
      rule: 'two unprefixed members: an unknown name blames neither',
      name: 'whatever',
      members: [member('a', {}, { prefix: '', ready: false }), member('b', {}, { prefix: '' })],
      blamed: undefined,
    },
    {
      rule: 'a prefixed member not ready is blamed before the unprefixed one',
      name: 'gh__x',
      members: [member('flat', {}, { prefix: '', ready: false }), member('gh', {}, { ready: false })],
      blamed: 'gh',
    },
    {
      rule: 'everything ready: nobody is blamed',
      name: 'nope',
      members: [member('flat', {}, { prefix: '' }), member('gh')],
      blamed: undefined,
    },
  ];
  for (const c of cases) test(c.rule, () => assert.equal(memberToBlame(c.name, c.members), c.blamed));
});
