// Name filters (SPEC section 2, exposed names): `*` matches any run of characters, `_`
// included; case-sensitive; deny wins; no `allow` means all. Everything else in a glob is
// literal. One row per rule: a filter, the names it keeps, the names it drops.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FilterSpec } from '../../src/config/types.js';
import { compileFilter } from '../../src/gateway/filter.js';

interface Case {
  readonly rule: string;
  readonly filter: FilterSpec;
  readonly keeps: readonly string[];
  readonly drops: readonly string[];
}

const cases: readonly Case[] = [
  {
    rule: 'no allow and no deny keeps every name',
    filter: { deny: [] },
    keeps: ['read', 'a__b', '', 'x'.repeat(200)],
    drops: [],
  },
  {
    rule: 'an exact allow keeps only that name',
    filter: { allow: ['read'], deny: [] },
    keeps: ['read'],
    drops: ['read_file', 'reader', 'Read', 'xread'],
  },
  {
    rule: '* matches any run of characters, the empty run included',
    filter: { allow: ['read_*'], deny: [] },
    keeps: ['read_', 'read_file', 'read_file_now'],
    drops: ['read', 'readfile', 'unread_file'],
  },
  {
    rule: '* matches "_" and the "__" of an exposed name',
    filter: { allow: ['github*'], deny: [] },
    keeps: ['github__create_issue', 'github_x', 'github'],
    drops: ['gitlab__create_issue'],
  },
  {
    rule: '* in the middle and several * in one glob',
    filter: { allow: ['*__get_*', 'a*b*c'], deny: [] },
    keeps: ['gh__get_issue', '__get_', 'abc', 'aXbYc', 'a__b__c'],
    drops: ['gh__list_issues', 'acb', 'ab'],
  },
  {
    rule: 'globs are case-sensitive',
    filter: { allow: ['Read*'], deny: ['*DELETE*'] },
    keeps: ['Read', 'ReadFile', 'Read_delete'],
    drops: ['read', 'READ', 'ReadDELETE'],
  },
  {
    rule: 'deny alone drops its matches and keeps the rest',
    filter: { deny: ['*delete*'] },
    keeps: ['read', 'create', 'Delete'],
    drops: ['delete', 'delete_repo', 'gh__delete_issue', 'undelete'],
  },
  {
    rule: 'deny wins over allow',
    filter: { allow: ['repo_*'], deny: ['repo_delete*'] },
    keeps: ['repo_read', 'repo_create'],
    drops: ['repo_delete', 'repo_delete_all', 'issue_read'],
  },
  {
    rule: 'a name matching any one of several allows is kept',
    filter: { allow: ['read_*', 'list_*'], deny: [] },
    keeps: ['read_a', 'list_b'],
    drops: ['write_c'],
  },
  {
    rule: 'an empty allow list keeps nothing: a present allow exposes only its matches',
    filter: { allow: [], deny: [] },
    keeps: [],
    drops: ['read', ''],
  },
  {
    rule: 'regular-expression characters are literal',
    filter: { allow: ['a.b', 'x+', '(y)', '[z]', 'q?', 'c|d', '^e$', 'f\\g', 'h{1}'], deny: [] },
    keeps: ['a.b', 'x+', '(y)', '[z]', 'q?', 'c|d', '^e$', 'f\\g', 'h{1}'],
    drops: ['aXb', 'xx', 'y', 'z', 'q', 'c', 'e', 'fg', 'h'],
  },
  {
    rule: 'a glob matches the whole name, not a part of it',
    filter: { deny: ['admin'] },
    keeps: ['admin_tool', 'superadmin', 'Admin'],
    drops: ['admin'],
  },
  {
    rule: 'allow * keeps every name',
    filter: { allow: ['*'], deny: [] },
    keeps: ['', 'anything', 'a__b'],
    drops: [],
  },
  {
    rule: 'deny * drops every name, even an allowed one',
    filter: { allow: ['read'], deny: ['*'] },
    keeps: [],
    drops: ['read', 'write', ''],
  },
];

describe('compileFilter', () => {
  for (const c of cases) {
    test(c.rule, () => {
      const keep = compileFilter(c.filter);
      for (const name of c.keeps) assert.equal(keep(name), true, `${JSON.stringify(c.filter)} keeps "${name}"`);
      for (const name of c.drops) assert.equal(keep(name), false, `${JSON.stringify(c.filter)} drops "${name}"`);
    });
  }
});
