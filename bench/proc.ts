// Processes of the benchmark: starting them (every one is remembered and stopped at the end,
// even on failure), and reading their CPU time and RSS from /proc.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const ROOT = new URL('..', import.meta.url).pathname;
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const now = () => performance.now();

/** utime + stime of a process (all its threads), in milliseconds; resolution 1000/CLK_TCK ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ": state is fields[0], so utime (field 14) is fields[11], stime fields[12].
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** VmRSS of a process in KB. */
export function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** Live descendants of a process (children first), from the ppid field of /proc/<pid>/stat. */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') parent.set(Number(entry), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) if (pp === p) (out.push(child), walk(child));
  };
  walk(pid);
  return out;
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** A port that was free a moment ago, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  /** performance.now() just before spawning. */
  readonly startedAt: number;
  /** The last few KB of stderr, when it is piped (not sent to a log file). */
  stderrTail(): string;
  stop(): Promise<void>;
}

const running = new Set<Proc>();

/**
 * Starts `node <args>` from the repository root with this Node binary, as the leader of a new
 * session, as the gateway starts its stdio servers: with Linux's scheduler autogroups, each
 * session gets its own share of a busy machine, so every process under test is treated alike.
 * stdout and stderr go to `logFile` when given (nothing to drain here), else are piped.
 */
export function startNode(args: string[], options: { logFile?: string; env?: NodeJS.ProcessEnv; stdin?: boolean } = {}): Proc {
  const fd = options.logFile ? openSync(options.logFile, 'a') : undefined;
  const startedAt = now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: options.env ?? process.env,
    detached: true,
    stdio: [options.stdin ? 'pipe' : 'ignore', fd ?? 'pipe', fd ?? 'pipe'],
  });
  if (fd !== undefined) closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start node ${args.join(' ')}`);
  let tail = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (tail = (tail + d).slice(-4096)));
  const proc: Proc = { child, pid: child.pid, startedAt, stderrTail: () => tail, stop: () => stopProcess(proc) };
  running.add(proc);
  return proc;
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** SIGTERM, up to 5 s for a clean exit, then SIGKILL for it and whatever it left behind. */
async function stopProcess(proc: Proc): Promise<void> {
  running.delete(proc);
  const { child } = proc;
  // What it started, remembered by command line, so that a reused pid is never signalled.
  const tree = descendants(proc.pid).map((pid) => ({ pid, cmd: cmdline(pid) }));
  if (!exited(child)) {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([gone, sleep(5000)]);
    if (!exited(child)) {
      child.kill('SIGKILL');
      await Promise.race([gone, sleep(2000)]);
    }
  }
  // Stdio servers of a gateway live in process groups of their own; a clean gateway stops
  // them itself, a killed one may not.
  await sleep(50);
  for (const { pid, cmd } of tree) {
    if (cmd === '' || cmdline(pid) !== cmd) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Stops every process still running (the harness's finally and signal handlers). */
export async function stopAll(): Promise<void> {
  await Promise.allSettled([...running].map((p) => p.stop()));
}

/** Reads the child's stdout until `re` matches; fails on exit or after `timeoutMs`. */
export function waitForOutput(proc: Proc, re: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} from pid ${proc.pid}: ${proc.stderrTail()}`)), timeoutMs);
    proc.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = re.exec(out);
      if (m) (clearTimeout(timer), resolve(m));
    });
    proc.child.once(
      'exit',
      (code) => (clearTimeout(timer), reject(new Error(`pid ${proc.pid} exited with ${code}: ${proc.stderrTail()}`))),
    );
  });
}
