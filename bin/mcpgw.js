#!/usr/bin/env node
// Runs the compiled build (dist/) when it is at least as new as every source file, else the
// TypeScript sources through tsx. So a stale build never shadows code being edited, while
// `npm run build` (which `npm start` runs) gives the daemon compiled code: faster to start and
// about 40 MB smaller than running through tsx. An installed package or the Docker image has
// only dist/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';

// Node >= 22.1 keeps V8's compiled code of every module in a cache on disk (in the temp
// folder), which takes about half of the daemon's start (docs/performance.md); Node 20 has
// no such cache and starts as before.
module.enableCompileCache?.();

const root = new URL('..', import.meta.url);
const dist = new URL('dist/main.js', root);
const src = new URL('src/', root);

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let entry = dist;
if (existsSync(new URL('main.ts', src)) && (!existsSync(dist) || statSync(dist).mtimeMs < newestSource(src))) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
    entry = new URL('main.ts', src);
  } catch {
    // tsx is a dev dependency: without it the build is all there is.
  }
}
await import(entry.href);
