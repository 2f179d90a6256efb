// `mcpgw run` spawns its stdio servers before it imports daemon.js (issue 18 item 2,
// cli/run.ts): whatever cli/run.ts imports statically loads before the spawn. The SDK, zod or
// daemon.js in that graph would make the servers wait for them again.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every module `entry` loads through static imports (`import type` excepted): src files and packages. */
function staticGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      let from: ts.Expression | undefined;
      if (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly) from = statement.moduleSpecifier;
      if (ts.isExportDeclaration(statement) && !statement.isTypeOnly) from = statement.moduleSpecifier;
      if (!from || !ts.isStringLiteral(from)) continue;
      if (from.text.startsWith('.')) visit(resolve(dirname(file), from.text.replace(/\.js$/, '.ts')));
      else packages.add(from.text);
    }
  };
  visit(join(ROOT, entry));
  return { files: [...files].map((f) => relative(ROOT, f)).sort(), packages: [...packages].sort() };
}

test('cli/run.ts reaches neither daemon.js, the SDK nor zod through its static imports', () => {
  const { files, packages } = staticGraph('src/cli/run.ts');
  assert.ok(files.includes('src/upstream/early.ts') && files.includes('src/config/load.ts'), files.join(', '));
  assert.deepEqual(
    files.filter((f) => f === 'src/daemon.ts' || f.startsWith('src/gateway/') || f.startsWith('src/http/')),
    [],
  );
  assert.deepEqual(
    packages.filter((p) => /^(@modelcontextprotocol\/|zod|chokidar|h3)/.test(p)),
    [],
  );
});
