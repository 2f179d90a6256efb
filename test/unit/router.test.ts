// Where a request goes (SPEC section 2): exposed names back to their member and the upstream's
// own name, URIs to the member serving them, completion references to their member, and a
// member that is not ready blamed for a miss that could be its.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCatalog } from '../../src/gateway/catalog.js';
import { matchesTemplate, routeCompletion, routeName, routeUri, serverForUri } from '../../src/gateway/router.js';
import { ALL, member } from '../helpers/members.js';

const members = [
  member('github', { tools: ['create_issue'], prompts: ['triage'], templates: ['gh://{owner}/{repo}'] }),
  member('files', { tools: ['read'], resources: ['file:///etc/hosts'], templates: ['file:///{+path}'] }, { prefix: '' }),
  member('slack', { tools: ['post'] }, { ready: false }),
];
const catalog = buildCatalog(members, ALL);

test('a tool or prompt name goes to its member with the upstream name, other params untouched', () => {
  assert.deepEqual(routeName('tool', { name: 'github__create_issue', arguments: { title: 'x' } }, catalog, members), {
    kind: 'route',
    server: 'github',
    params: { name: 'create_issue', arguments: { title: 'x' } },
  });
  assert.deepEqual(routeName('tool', { name: 'read' }, catalog, members), { kind: 'route', server: 'files', params: { name: 'read' } });
  assert.deepEqual(routeName('prompt', { name: 'github__triage' }, catalog, members), {
    kind: 'route',
    server: 'github',
    params: { name: 'triage' },
  });
});

test('an unknown name is blamed on a member that is not ready when its prefix matches, else unknown', () => {
  assert.deepEqual(routeName('tool', { name: 'slack__post' }, catalog, members), { kind: 'blame', server: 'slack' });
  const unknown = routeName('tool', { name: 'github__nope' }, catalog, members);
  assert.equal(unknown.kind, 'error');
  assert.equal(unknown.kind === 'error' && unknown.error.code, 'MCPGW_E_MCP_UNKNOWN_NAME');
  // A name is never split on "__" to find a member: a prompt name is not a tool.
  assert.equal(routeName('tool', { name: 'github__triage' }, catalog, members).kind, 'error');
});

test('URIs: an exact resource first, then a matching template, else the only member with resources', () => {
  assert.equal(serverForUri('file:///etc/hosts', catalog, ['github', 'files']), 'files');
  assert.equal(serverForUri('gh://octo/repo', catalog, ['github', 'files']), 'github');
  assert.equal(serverForUri('file:///a/b/c', catalog, ['github', 'files']), 'files', '{+path} spans slashes');
  assert.equal(serverForUri('gh://octo/repo/extra', catalog, ['github']), 'github', 'the only member with resources');
  assert.equal(serverForUri('gh://octo/repo/extra', catalog, ['github', 'files']), undefined);
  const missing = routeUri({ uri: 'x://y' }, catalog, ['github', 'files']);
  assert.equal(missing.kind === 'error' && missing.error.code, 'MCPGW_E_MCP_RESOURCE_NOT_FOUND');
});

test('RFC 6570 level 1: {var} stays within a segment, {+var} and {#var} do not, literals are literal', () => {
  assert.ok(matchesTemplate('a://{x}/b', 'a://1/b'));
  assert.ok(!matchesTemplate('a://{x}/b', 'a://1/2/b'));
  assert.ok(matchesTemplate('a://{+x}', 'a://1/2/3'));
  assert.ok(matchesTemplate('a://p{#x}', 'a://p#frag/x'));
  assert.ok(!matchesTemplate('a://x.y/{z}', 'a://xzy/1'), 'a dot is not a wildcard');
});

test('completion references: prompts by exposed name, templates and resources by URI', () => {
  assert.deepEqual(
    routeCompletion({ ref: { type: 'ref/prompt', name: 'github__triage' }, argument: { name: 'a', value: '' } }, catalog, members),
    {
      kind: 'route',
      server: 'github',
      params: { ref: { type: 'ref/prompt', name: 'triage' }, argument: { name: 'a', value: '' } },
    },
  );
  const template = routeCompletion({ ref: { type: 'ref/resource', uri: 'gh://{owner}/{repo}' } }, catalog, members);
  assert.equal(template.kind === 'route' && template.server, 'github');
  for (const ref of [{ type: 'ref/resource', uri: 'nope://{x}' }, { type: 'ref/other' }, undefined]) {
    const routed = routeCompletion({ ref }, catalog, members);
    assert.equal(routed.kind === 'error' && routed.error.code, 'MCPGW_E_MCP_INVALID_PARAMS', JSON.stringify(ref));
  }
});
