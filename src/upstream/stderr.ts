import type { Logger } from '../log.js';

/**
 * What the gateway logs of a stdio server's stderr (issue 14, items 7 and 8). A server is not
 * trusted with the gateway's log: its lines are cut at `STDERR_LINE_BYTES`, and a token
 * bucket per server lets a burst through (a start-up banner, a stack trace) and then a steady
 * trickle; the rest is counted and summed up in one line per interval. The transport still
 * keeps the last lines of every server for crash messages (`lastStderr`), limited or not.
 */

/** The longest stderr line logged whole, in bytes; the rest of a longer one is counted. */
export const STDERR_LINE_BYTES = 4096;

export interface StderrRate {
  /** Lines let through at once after a quiet period. */
  readonly burst: number;
  /** Lines per second let through under a sustained flood. */
  readonly perSecond: number;
  /** How often the count of suppressed lines is logged, while lines are being suppressed. */
  readonly intervalMs: number;
}

export const STDERR_RATE: StderrRate = { burst: 200, perSecond: 50, intervalMs: 5000 };

export interface StderrLogOptions {
  /** Logs one line of the server's. */
  readonly line: (text: string) => void;
  /** Logs the summary: `count` lines were suppressed since the last summary. */
  readonly suppressed: (count: number, rate: StderrRate) => void;
  readonly rate?: StderrRate;
  /** The clock, in milliseconds (tests). */
  readonly now?: () => number;
}

/**
 * One per server, for the lifetime of its connection object (restarts included, so a crash
 * loop that prints a banner on each start is limited too). `close()` logs what is still
 * counted and stops the timer.
 */
export class StderrLog {
  private readonly rate: StderrRate;
  private readonly now: () => number;
  private tokens: number;
  private last: number;
  private count = 0;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: StderrLogOptions) {
    this.rate = options.rate ?? STDERR_RATE;
    this.now = options.now ?? Date.now;
    this.tokens = this.rate.burst;
    this.last = this.now();
  }

  /** A line of the server's stderr: logged, or counted. */
  write(text: string): void {
    if (this.closed) return;
    const now = this.now();
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.last) * this.rate.perSecond) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.options.line(text);
      return;
    }
    this.count++;
    if (!this.timer) {
      this.timer = setTimeout(() => this.summarize(), this.rate.intervalMs);
      this.timer.unref();
    }
  }

  /** Logs the lines still counted; later lines are ignored. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.summarize();
    this.closed = true;
  }

  private summarize(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || this.count === 0) return;
    const count = this.count;
    this.count = 0;
    this.options.suppressed(count, this.rate);
  }
}

/** A server's StderrLog into the gateway's log: its lines at info, the summaries at warn (both `stream: 'stderr'`). */
export function serverStderr(log: Logger, server: string): StderrLog {
  return new StderrLog({
    line: (text) => log.info(text, { server, stream: 'stderr' }),
    suppressed: (count, rate) =>
      log.warn(`stderr: ${count} lines suppressed (over ${rate.perSecond} lines/s)`, { server, stream: 'stderr', suppressed: count }),
  });
}
