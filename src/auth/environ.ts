import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

/**
 * The daemon's secrets out of its process environment (SPEC section 4, issue 14 item 2).
 *
 * Any process of the same user may read `/proc/<pid>/environ` of another: a stdio server
 * the daemon starts could read `OAUTH_ENCRYPTION_KEY` there (and with it decrypt the store,
 * which it can read too) and `MCPGW_TOKEN`. Leaving them out of the child's environment does
 * not help, nor does `delete process.env.X`: unsetenv() drops the pointer, but the kernel
 * serves /proc/PID/environ from the process's own memory, the block [env_start, env_end)
 * that execve() copied onto the stack, and that block keeps the text.
 *
 * So: keep a copy of the environment in memory (the daemon reads its templates from it),
 * unsetenv() the names, then overwrite their `NAME=value` text in that block with zeros,
 * through /proc/self/mem (a process may always write its own memory; the block is ordinary
 * writable stack). Then read /proc/self/environ back to see that they are gone. Before any
 * server starts, so no child ever had the chance.
 *
 * Why not a wrapper that re-executes the daemon without the variables and hands them over on a
 * pipe: the wrapper has to stay (to forward signals, to be what systemd and Docker see as the
 * main process, to return the exit status), and its own /proc/PID/environ then holds them.
 * Node 20 has no execve() to replace itself (process.execve is Node 22.15+).
 *
 * Elsewhere (macOS: `ps -E`/KERN_PROCARGS2 show it to the same user) nothing can be erased;
 * the caller warns (MCPGW_W_ENV_SECRETS), and the key file is the way (docs/security.md).
 */

/** What leaves the environment: what is never passed to children either (upstream/env.ts). */
export function isGatewayVariable(name: string): boolean {
  return name === 'OAUTH_ENCRYPTION_KEY' || name === 'OAUTH_ENCRYPTION_KEY_FILE' || name.startsWith('MCPGW_');
}

export interface SecretsOut {
  /** The environment as the process got it, secrets included: what the daemon reads from now on. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The names taken out of process.env. */
  readonly moved: readonly string[];
  /** Names still readable in /proc/PID/environ (empty when all went), and why. */
  readonly exposed: readonly string[];
  readonly reason?: string;
}

/**
 * Takes the gateway's variables out of process.env and out of /proc/self/environ; returns a
 * copy of the whole environment as it was. Call it once, early, before anything is spawned.
 */
export function takeSecretsOutOfEnvironment(): SecretsOut {
  const env = { ...process.env };
  const moved = Object.keys(process.env).filter(isGatewayVariable);
  if (moved.length === 0) return { env, moved, exposed: [] };
  for (const name of moved) delete process.env[name];
  if (process.platform !== 'linux')
    return { env, moved, exposed: moved, reason: `${process.platform} has no /proc/self/mem to erase them from` };
  let reason: string | undefined;
  try {
    eraseFromEnvironBlock(moved);
  } catch (err) {
    reason = `erasing them from the environment block failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  let exposed: string[];
  try {
    exposed = namesIn(readFileSync('/proc/self/environ')).filter((n) => moved.includes(n));
  } catch (err) {
    return { env, moved, exposed: moved, reason: `cannot read /proc/self/environ to check: ${(err as NodeJS.ErrnoException).code}` };
  }
  return { env, moved, exposed, reason: exposed.length > 0 ? (reason ?? 'they are still in /proc/self/environ') : undefined };
}

/** Overwrites each `NAME=value` of `names` in [env_start, env_end) with zeros. */
function eraseFromEnvironBlock(names: readonly string[]): void {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after "(comm)": the 3rd field is the first; env_start and env_end are the 50th and
  // 51st (proc(5), Linux 3.5+). comm may hold spaces and ')', so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[47]);
  const end = Number(fields[48]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start || end - start > 1 << 24)
    throw new Error(`no usable env_start/env_end in /proc/self/stat`);
  const fd = openSync('/proc/self/mem', 'r+');
  try {
    const block = Buffer.alloc(end - start);
    readSync(fd, block, 0, block.length, start);
    const wanted = names.map((n) => Buffer.from(`${n}=`));
    for (let at = 0; at < block.length;) {
      let next = block.indexOf(0, at);
      if (next === -1) next = block.length;
      if (wanted.some((w) => block.subarray(at, at + w.length).equals(w))) {
        // Position as a number: Node 20's writeSync takes a bigint position wrong (EIO).
        writeSync(fd, Buffer.alloc(next - at), 0, next - at, start + at);
      }
      at = next + 1;
    }
  } finally {
    closeSync(fd);
  }
}

function namesIn(environ: Buffer): string[] {
  return environ
    .toString('utf8')
    .split('\0')
    .filter((e) => e.includes('='))
    .map((e) => e.slice(0, e.indexOf('=')));
}
