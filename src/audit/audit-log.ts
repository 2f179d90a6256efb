import { createWriteStream, mkdirSync, openSync, renameSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditSpec } from '../config/types.js';
import type { Logger } from '../log.js';
import type { AuditEvent, AuditRecord } from './types.js';

/**
 * The audit log (SPEC section 10): one JSON line per record, appended without blocking the
 * call that produced it (lines queue in memory and a write stream drains them), rotated by
 * size: past MAX_BYTES the file becomes `audit.jsonl.1` (the older ones shift up to
 * `.KEPT`, the oldest is dropped) and a new file starts. `close()` flushes what is queued.
 */

export const MAX_BYTES = 10 * 1024 * 1024;
export const KEPT = 5;
/** Past this many queued lines (a disk far slower than the calls), new ones are counted and dropped. */
const MAX_QUEUED = 10_000;

export function toRecord(event: AuditEvent, now = new Date()): AuditRecord {
  return {
    time: event.time ?? now.toISOString(),
    identity: event.identity ?? null,
    profile: event.profile ?? null,
    server: event.server ?? null,
    method: event.method ?? null,
    name: event.name ?? null,
    durationMs: event.durationMs ?? 0,
    outcome: event.outcome,
    errorCode: event.errorCode ?? null,
  };
}

export class AuditLog {
  private stream?: WriteStream;
  private size = 0;
  private queued = 0;
  private dropped = 0;
  private closed = false;

  constructor(
    readonly spec: Exclude<AuditSpec, { kind: 'off' }>,
    private readonly log: Logger,
    private readonly maxBytes = MAX_BYTES,
  ) {}

  record(event: AuditEvent): void {
    if (this.closed) return;
    if (this.queued >= MAX_QUEUED) {
      if (this.dropped++ === 0) this.log.warn('the audit log cannot keep up: lines are dropped');
      return;
    }
    const line = `${JSON.stringify(toRecord(event))}\n`;
    if (this.spec.kind === 'stdout') {
      process.stdout.write(line);
      return;
    }
    try {
      const stream = this.open();
      if (this.size > 0 && this.size + line.length > this.maxBytes) this.rotate();
      this.size += Buffer.byteLength(line);
      this.queued++;
      (this.stream ?? stream).write(line, () => this.queued--);
    } catch (err) {
      this.log.warn(`the audit log cannot be written: ${(err as Error).message}`);
    }
  }

  private open(): WriteStream {
    if (this.stream) return this.stream;
    const path = (this.spec as { path: string }).path;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      this.size = statSync(path).size;
    } catch {
      this.size = 0;
    }
    // Opened here, not by the stream (which opens later): a rotation must find the file.
    this.stream = createWriteStream('', { fd: openSync(path, 'a', 0o600) });
    this.stream.on('error', (err) => this.log.warn(`the audit log cannot be written: ${err.message}`));
    return this.stream;
  }

  /** The stream keeps writing its queue to the renamed file (same inode); new lines go to a new one. */
  private rotate(): void {
    const path = (this.spec as { path: string }).path;
    this.stream?.end();
    this.stream = undefined;
    for (let i = KEPT - 1; i >= 1; i--) {
      try {
        renameSync(`${path}.${i}`, `${path}.${i + 1}`);
      } catch {
        // not there yet
      }
    }
    renameSync(path, `${path}.1`);
    this.open();
  }

  /** Flushes queued lines and closes the file (shutdown). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stream = this.stream;
    if (stream) await new Promise<void>((resolve) => stream.end(resolve));
  }
}

/** gateway.audit applies live: the same destination keeps its log; a new one closes the old (flushing it). */
export function replaceAuditLog(current: AuditLog | undefined, spec: AuditSpec, log: Logger): AuditLog | undefined {
  if (current && JSON.stringify(current.spec) === JSON.stringify(spec)) return current;
  void current?.close();
  return spec.kind === 'off' ? undefined : new AuditLog(spec, log);
}
