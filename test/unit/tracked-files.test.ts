// What git tracks is what a fresh clone gets: no dependency folder, and no symbolic link that
// points outside the checkout. A worktree's `node_modules` symlink to another checkout was once
// committed (.gitignore said `node_modules/`, which a symlink does not match); merging it
// replaced the real folder of the checkout it pointed at with a link to itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/gateway.js';

function tracked(): string[] | undefined {
  try {
    return execFileSync('git', ['ls-files', '-s', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

const entries = tracked();

test('no tracked node_modules, dist or link out of the checkout', { skip: entries ? false : 'not a git checkout' }, () => {
  const paths = entries!.map((e) => e.slice(e.indexOf('\t') + 1));
  assert.deepEqual(
    paths.filter((p) => /^(node_modules|dist)(\/|$)/.test(p)),
    [],
  );
  const links = entries!.filter((e) => e.startsWith('120000 ')).map((e) => e.slice(e.indexOf('\t') + 1));
  for (const link of links) {
    const target = execFileSync('git', ['cat-file', '-p', `HEAD:${link}`], { cwd: ROOT, encoding: 'utf8' });
    assert.ok(!isAbsolute(target) && !target.startsWith('..'), `${link} points out of the checkout: ${target}`);
  }
});
