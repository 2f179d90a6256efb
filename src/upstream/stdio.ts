import { spawn, type ChildProcess } from 'node:child_process';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { LineReader } from './lines.js';

export interface StdioProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  /** Each complete line the server writes to stderr. */
  readonly onStderr?: (line: string) => void;
  /** How long a process group gets between SIGTERM and SIGKILL. */
  readonly killGraceMs?: number;
}

/**
 * A stdio client transport that starts the server as the leader of its own process group,
 * so stopping it ends the whole tree: `npx` and `sh -c` launchers leave the real server as
 * a grandchild, which the SDK's transport (not detached) would orphan (SPEC section 5).
 */
export class StdioProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child?: ChildProcess;
  private readonly reader = new LineReader();
  private stderrTail = '';
  private exited?: Promise<void>;
  private closing = false;
  /** Exit code or signal of the child, once it has exited. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** The last few stderr lines: the usual explanation of a crash. */
  readonly lastStderr: string[] = [];

  constructor(private readonly options: StdioProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * The SDK's era negotiation recognizes a stdio transport by `pid` and `stderr` (a probe
   * that times out then means a legacy server, not an outage). Our stderr goes to the log.
   */
  get stderr(): null {
    return null;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.command, [...this.options.args], {
        cwd: this.options.cwd,
        env: this.options.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
        shell: false,
      });
      this.child = child;
      this.exited = new Promise((done) => child.once('close', () => done()));
      child.once('error', (err) => {
        reject(err);
        this.onerror?.(err);
      });
      child.once('spawn', () => resolve());
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        // A crashed leader may leave children holding our pipes open: end its group so
        // 'close' (and the restart) follows.
        if (!this.closing) {
          signalGroup(child, 'SIGTERM');
          setTimeout(() => signalGroup(child, 'SIGKILL'), this.options.killGraceMs ?? 2000).unref();
        }
      });
      child.once('close', () => {
        this.flushStderr();
        this.child = undefined;
        this.onclose?.();
      });
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        const { messages, garbage } = this.reader.push(chunk);
        // A non-JSON-RPC line on stdout is the server's bug; report it, keep reading.
        for (const line of garbage) this.onerror?.(new Error(`not a JSON-RPC message on stdout: ${line.slice(0, 200)}`));
        for (const message of messages) this.onmessage?.(message);
      });
      child.stdin!.on('error', (err) => {
        if (!this.closing) this.onerror?.(err);
      });
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (text: string) => {
        const lines = (this.stderrTail + text).split('\n');
        this.stderrTail = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) this.stderrLine(line.replace(/\r$/, ''));
      });
    });
  }

  private flushStderr(): void {
    if (this.stderrTail.trim()) this.stderrLine(this.stderrTail);
    this.stderrTail = '';
  }

  private stderrLine(line: string): void {
    this.lastStderr.push(line.length > 300 ? `${line.slice(0, 300)}...` : line);
    if (this.lastStderr.length > 3) this.lastStderr.shift();
    this.options.onStderr?.(line);
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed) return Promise.reject(new Error('the server process is not running'));
    return new Promise((resolve) => {
      if (stdin.write(`${JSON.stringify(message)}\n`)) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /** Ends the whole process group: close stdin, SIGTERM, then SIGKILL after the grace period. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child || this.closing) {
      await this.exited;
      return;
    }
    this.closing = true;
    const grace = this.options.killGraceMs ?? 2000;
    try {
      child.stdin?.end();
    } catch {
      // already closed
    }
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), grace);
    await this.exited;
    clearTimeout(timer);
    // The leader is gone; stragglers of its group (a grandchild that ignored SIGTERM) are not.
    signalGroup(child, 'SIGKILL');
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
