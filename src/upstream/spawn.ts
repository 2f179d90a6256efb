import { spawn, type ChildProcess } from 'node:child_process';

export interface SpawnOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
}

/** What the transport does with a child's life: each is called once, in the order it happened. */
export interface ProcessHandlers {
  spawned(): void;
  error(err: Error): void;
  exited(code: number | null, signal: NodeJS.Signals | null): void;
  closed(): void;
  stderr(chunk: Buffer): void;
}

/** Stderr kept for a child not attached yet; past it, the count of bytes dropped is reported instead. */
export const HELD_STDERR_BYTES = 1024 * 1024;

/**
 * A stdio server's process, started as the leader of its own process group, whose events are
 * kept until a transport attaches: the early start (upstream/early.ts) spawns servers before
 * the modules that talk to them have loaded. Stdout is not read meanwhile (the pipe holds it,
 * and the server blocks if it fills); stderr is kept, up to HELD_STDERR_BYTES, so the lines a
 * server writes while starting reach the log as they would have, and its pipe never fills.
 */
export class ServerProcess {
  readonly child: ChildProcess;
  private handlers?: ProcessHandlers;
  private readonly held: Array<(handlers: ProcessHandlers) => void> = [];
  private heldStderr = 0;
  private droppedStderr = 0;

  constructor(options: SpawnOptions) {
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      shell: false,
    });
    this.child = child;
    child.once('spawn', () => this.deliver((h) => h.spawned()));
    child.once('error', (err) => this.deliver((h) => h.error(err)));
    child.once('exit', (code, signal) => this.deliver((h) => h.exited(code, signal)));
    child.once('close', () => this.deliver((h) => h.closed()));
    child.stderr!.on('data', (chunk: Buffer) => this.stderr(chunk));
  }

  get attached(): boolean {
    return this.handlers !== undefined;
  }

  /** Hands the child to its transport: what happened so far is replayed at once, the rest follows live. */
  attach(handlers: ProcessHandlers): void {
    if (this.handlers) throw new Error('the server process is already attached');
    this.handlers = handlers;
    for (const event of this.held.splice(0)) event(handlers);
  }

  private stderr(chunk: Buffer): void {
    if (this.handlers) return this.handlers.stderr(chunk);
    if (this.droppedStderr > 0 || this.heldStderr + chunk.length > HELD_STDERR_BYTES) {
      // One line where the gap is, with the count as it is when the child is attached.
      const report = (h: ProcessHandlers) =>
        h.stderr(Buffer.from(`\n[${this.droppedStderr} bytes of stderr dropped while the gateway was starting]\n`));
      if (this.droppedStderr === 0) this.held.push(report);
      this.droppedStderr += chunk.length;
      return;
    }
    this.heldStderr += chunk.length;
    this.held.push((h) => h.stderr(chunk));
  }

  private deliver(event: (handlers: ProcessHandlers) => void): void {
    if (this.handlers) event(this.handlers);
    else this.held.push(event);
  }
}

/** Signals the child's whole process group (npx and sh -c launchers leave the server as a grandchild). */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Ends a child that no transport will take (the early start's, not claimed): its group gets
 * SIGTERM, then SIGKILL after `graceMs`. Its stdout is drained so that the pipe's end, and
 * so 'close', can arrive. Resolves once the child is gone (at once if it was attached).
 */
export function stopHeld(proc: ServerProcess, graceMs = 2000): Promise<void> {
  if (proc.attached) return Promise.resolve();
  const child = proc.child;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const gone = () => {
      clearTimeout(timer);
      // The leader is gone; a grandchild of its group that ignored SIGTERM is not.
      signalGroup(child, 'SIGKILL');
      resolve();
    };
    const ignore = () => undefined;
    // A child that never started (ENOENT) has no group to signal and may not close.
    proc.attach({ spawned: ignore, exited: ignore, stderr: ignore, closed: gone, error: () => child.pid === undefined && gone() });
    child.stdout?.resume();
    if (child.pid === undefined) return;
    signalGroup(child, 'SIGTERM');
    timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  });
}
