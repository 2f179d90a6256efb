import type { ChildProcess } from 'node:child_process';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { McpgwError } from '../errors/error.js';
import { LineReader, LineSplitter, MAX_MESSAGE_BYTES } from './lines.js';
import { ServerProcess, signalGroup, type SpawnOptions } from './spawn.js';
import { STDERR_LINE_BYTES } from './stderr.js';

export interface StdioProcessOptions extends SpawnOptions {
  /** The process the early start spawned with these options (upstream/early.ts), instead of a new one. */
  readonly prestarted?: ServerProcess;
  /** Each line the server writes to stderr (a line over STDERR_LINE_BYTES cut, with a marker). */
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
  private readonly stderrLines = new LineSplitter({ maxBytes: STDERR_LINE_BYTES, keepBytes: STDERR_LINE_BYTES });
  private exited?: Promise<void>;
  private closing = false;
  /** The messages of this turn of the event loop, written together (see send). */
  private batch?: { text: string; written: Promise<void>; done: () => void };
  /** Exit code or signal of the child, once it has exited. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** The last few stderr lines: the usual explanation of a crash. */
  readonly lastStderr: string[] = [];
  /** Why the transport stopped the server itself (a message over the cap), for lastError. */
  failure?: McpgwError;

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

  /**
   * Spawns the server, or attaches to the one the early start spawned for it (`prestarted`):
   * what that child did meanwhile (its exit too) arrives now, as if it had just happened.
   */
  start(): Promise<void> {
    const proc = this.options.prestarted ?? new ServerProcess(this.options);
    return new Promise((resolve, reject) => this.attach(proc, resolve, reject));
  }

  private attach(proc: ServerProcess, resolve: () => void, reject: (err: Error) => void): void {
    const child = proc.child;
    this.child = child;
    // From the replayed 'close' too: a child that ended before it was attached closes no more.
    let ended!: () => void;
    this.exited = new Promise((done) => (ended = done));
    proc.attach({
      spawned: resolve,
      error: (err) => {
        reject(err);
        this.onerror?.(err);
      },
      exited: (code, signal) => {
        this.exit = { code, signal };
        // A crashed leader may leave children holding our pipes open: end its group so
        // 'close' (and the restart) follows.
        if (!this.closing) {
          signalGroup(child, 'SIGTERM');
          setTimeout(() => signalGroup(child, 'SIGKILL'), this.options.killGraceMs ?? 2000).unref();
        }
      },
      closed: () => {
        ended();
        this.flushStderr();
        this.child = undefined;
        this.onclose?.();
      },
      stderr: (chunk) => this.stderrLines.push(chunk, this.stderrLine),
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      const { messages, garbage, tooLong } = this.reader.push(chunk);
      // A non-JSON-RPC line on stdout is the server's bug; report it, keep reading.
      for (const line of garbage) this.onerror?.(new Error(`not a JSON-RPC message on stdout: ${line.slice(0, 200)}`));
      for (const message of messages) this.onmessage?.(message);
      if (tooLong) this.stopForLongLine(child);
    });
    child.stdin!.on('error', (err) => {
      if (!this.closing) this.onerror?.(err);
    });
  }

  /**
   * A server that writes more than MAX_MESSAGE_BYTES without a newline would make us buffer
   * without end: its group is stopped, and the connection restarts it with this as lastError.
   */
  private stopForLongLine(child: ChildProcess): void {
    if (this.failure || this.closing) return;
    this.failure = new McpgwError(
      'MCPGW_E_UPSTREAM_LINE_TOO_LONG',
      `wrote a line of over ${MAX_MESSAGE_BYTES / 1024 / 1024} MiB on stdout (the limit for one JSON-RPC message); the process was stopped`,
      { hint: 'a server must end each JSON-RPC message with a newline; a larger answer should be a resource link' },
    );
    this.onerror?.(this.failure);
    // What it still writes is not read: the pipe closes, the group gets SIGTERM, then SIGKILL.
    child.stdout?.destroy();
    signalGroup(child, 'SIGTERM');
    setTimeout(() => signalGroup(child, 'SIGKILL'), this.options.killGraceMs ?? 2000).unref();
  }

  private flushStderr(): void {
    this.stderrLines.end(this.stderrLine);
  }

  private readonly stderrLine = (text: string, dropped: number): void => {
    if (text.trim() === '' && dropped === 0) return;
    const line = dropped > 0 ? `${text}… [truncated: ${dropped} more bytes]` : text;
    this.lastStderr.push(line.length > 300 ? `${line.slice(0, 300)}...` : line);
    if (this.lastStderr.length > 3) this.lastStderr.shift();
    this.options.onStderr?.(line);
  };

  /**
   * Messages are written once per turn of the event loop, together: calls that arrive on
   * several HTTP connections in one turn cost one pipe write (and one wake-up of the server)
   * instead of one each. The write happens before the loop waits for I/O again.
   */
  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed) return Promise.reject(new Error('the server process is not running'));
    const line = `${JSON.stringify(message)}\n`;
    if (this.batch) {
      this.batch.text += line;
      return this.batch.written;
    }
    let done!: () => void;
    this.batch = { text: line, written: new Promise<void>((resolve) => (done = resolve)), done };
    setImmediate(() => this.flush());
    return this.batch.written;
  }

  private flush(): void {
    const batch = this.batch;
    const stdin = this.child?.stdin;
    if (!batch) return;
    this.batch = undefined;
    // Gone since: the stream's own error (or the exit) tells the connection.
    if (!stdin || stdin.destroyed || stdin.writableEnded || stdin.write(batch.text)) batch.done();
    else stdin.once('drain', batch.done);
  }

  /** Ends the whole process group: close stdin, SIGTERM, then SIGKILL after the grace period. */
  async close(): Promise<void> {
    // Never started, yet holding the early start's child: ending it is still this transport's job.
    const held = this.options.prestarted;
    if (held && !held.attached)
      this.attach(
        held,
        () => undefined,
        () => undefined,
      );
    const child = this.child;
    if (!child || this.closing) {
      await this.exited;
      return;
    }
    this.closing = true;
    const grace = this.options.killGraceMs ?? 2000;
    this.flush(); // what was sent before close still goes out
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
