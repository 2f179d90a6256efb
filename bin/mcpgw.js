#!/usr/bin/env node
// In a source checkout (src/ present, tsx installed) run the TypeScript directly, so a
// stale build can never shadow the code being edited; an installed package or the Docker
// image has only dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/main.ts', import.meta.url);
let useSource = false;
if (existsSync(source)) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
    useSource = true;
  } catch {
    // tsx is a dev dependency: without it fall back to the compiled build.
  }
}
await import(useSource ? source.href : new URL('../dist/main.js', import.meta.url).href);
