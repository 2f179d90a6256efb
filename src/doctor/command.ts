import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { StdioSpec } from '../config/types.js';
import { childEnvironment } from '../upstream/env.js';
import type { Env } from './context.js';

export interface CommandLookup {
  readonly found: boolean;
  /** The file that would run. */
  readonly path?: string;
  readonly problem?: 'missing' | 'not-executable' | 'directory';
  /** The PATH searched (for the message), when the command has no '/'. */
  readonly searched?: string;
}

/**
 * Where a stdio server's command resolves, as spawn would find it: a command with '/' is a
 * file (already absolute in the model); otherwise the first executable file on the PATH the
 * child gets (upstream/env.ts), relative entries taken from the server's cwd.
 */
export function findCommand(t: StdioSpec, env: Env): CommandLookup {
  if (t.command.includes('/')) return checkFile(t.command);
  const searched = childEnvironment(t, env).PATH ?? env.PATH ?? '';
  let notExecutable: string | undefined;
  for (const dir of searched.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(isAbsolute(dir) ? dir : resolve(t.cwd, dir), t.command);
    const r = checkFile(candidate);
    if (r.found) return r;
    if (r.problem === 'not-executable') notExecutable ??= candidate;
  }
  if (notExecutable) return { found: false, path: notExecutable, problem: 'not-executable', searched };
  return { found: false, problem: 'missing', searched };
}

function checkFile(path: string): CommandLookup {
  try {
    if (statSync(path).isDirectory()) return { found: false, path, problem: 'directory' };
  } catch {
    return { found: false, path, problem: 'missing' };
  }
  try {
    accessSync(path, constants.X_OK);
    return { found: true, path };
  } catch {
    return { found: false, path, problem: 'not-executable' };
  }
}
