import type { JSONRPCMessage } from '@modelcontextprotocol/client';

/**
 * Lines out of a pipe, in linear time and bounded memory whatever the other end writes
 * (issue 14, item 7). Each chunk is scanned once, from where it starts, for newlines: the
 * unfinished line waits as a list of chunks, joined once, when its newline arrives. A line
 * longer than `maxBytes` is not stored past `keepBytes`: the rest is only counted.
 */
export interface LineLimits {
  /** The longest line delivered whole, in bytes, without its line ending. */
  readonly maxBytes: number;
  /** How much of a longer line is kept, in bytes (at most `maxBytes`); the rest is counted. */
  readonly keepBytes: number;
}

/**
 * Called for each complete line, without its `\n` or `\r\n`. `dropped` is 0 for a whole line;
 * for a line over the cap, the bytes left out after the `text` kept.
 */
export type LineSink = (text: string, dropped: number) => void;

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(private readonly limits: LineLimits) {}

  /**
   * Feeds a chunk and calls `sink` for each line it completes. Returns true when the line in
   * progress went over the cap in this chunk (once per overlong line, as soon as it is known:
   * a line that never ends is reported too).
   */
  push(chunk: Buffer, sink: LineSink): boolean {
    let overflowed = false;
    let start = 0;
    if (this.size > 0 || this.dropped > 0) {
      const newline = chunk.indexOf(10);
      overflowed = this.append(chunk, 0, newline === -1 ? chunk.length : newline);
      if (newline === -1) return overflowed;
      this.finish(sink);
      start = newline + 1;
    }
    // The usual case: whole lines, none over the cap since all of them together are not.
    // One decode, then slices of the string.
    const last = chunk.lastIndexOf(10);
    if (last >= start && last - start <= this.limits.maxBytes) {
      for (const line of chunk.toString('utf8', start, last).split('\n')) {
        sink(line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line, 0);
      }
      start = last + 1;
    }
    // Lines that may be over the cap, one by one, then the unfinished last one.
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start);
      if (this.append(chunk, start, newline === -1 ? chunk.length : newline)) overflowed = true;
      if (newline === -1) break;
      this.finish(sink);
      start = newline + 1;
    }
    return overflowed;
  }

  /** At the end of the stream: the last line, if it had no newline. */
  end(sink: LineSink): void {
    if (this.size > 0 || this.dropped > 0) this.finish(sink);
  }

  /** Adds chunk[start, end) to the line in progress; true when that takes it over the cap. */
  private append(chunk: Buffer, start: number, end: number): boolean {
    const n = end - start;
    if (n === 0) return false;
    if (this.dropped === 0 && this.size + n <= this.limits.maxBytes) {
      this.parts.push(chunk.subarray(start, end));
      this.size += n;
      return false;
    }
    const first = this.dropped === 0;
    if (first && this.size > this.limits.keepBytes) this.trimTo(this.limits.keepBytes);
    const room = Math.min(n, Math.max(0, this.limits.keepBytes - this.size));
    if (room > 0) {
      this.parts.push(chunk.subarray(start, start + room));
      this.size += room;
    }
    this.dropped += n - room;
    return first;
  }

  /** Keeps the first `bytes` of the line in progress (without copying), counts the rest as dropped. */
  private trimTo(bytes: number): void {
    const kept: Buffer[] = [];
    let size = 0;
    for (const part of this.parts) {
      if (size >= bytes) break;
      const piece = size + part.length <= bytes ? part : part.subarray(0, bytes - size);
      kept.push(piece);
      size += piece.length;
    }
    this.dropped += this.size - size;
    this.parts = kept;
    this.size = size;
  }

  private finish(sink: LineSink): void {
    const buffer = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    let end = buffer.length;
    let dropped = this.dropped;
    this.parts = [];
    this.size = 0;
    this.dropped = 0;
    if (dropped === 0) {
      if (end > 0 && buffer[end - 1] === 13) end--;
    } else {
      // A cut inside a multi-byte character would decode as U+FFFD: cut before it.
      const cut = characterBoundary(buffer, end);
      dropped += end - cut;
      end = cut;
    }
    sink(buffer.toString('utf8', 0, end), dropped);
  }
}

/** The largest offset <= end that does not split a UTF-8 sequence of buffer[0, end). */
function characterBoundary(buffer: Buffer, end: number): number {
  let lead = end - 1;
  // At most three continuation bytes (10xxxxxx) follow a lead byte.
  while (lead >= 0 && end - lead <= 4 && (buffer[lead]! & 0xc0) === 0x80) lead--;
  if (lead < 0) return end;
  const byte = buffer[lead]!;
  const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
  return lead + length > end ? lead : end;
}

/**
 * The most a stdio server may write as one JSON-RPC message: 32 MiB (an HTTP client's
 * message is capped at 4 MB; an answer carrying a file or an image may be larger).
 */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/**
 * Newline-delimited JSON-RPC from a stdio server, parsed with JSON.parse and a shape check
 * instead of the SDK's zod schema. Lines that are not JSON-RPC are reported, not thrown past;
 * a line over `maxBytes` is reported as `tooLong` and never parsed.
 */
export class LineReader {
  private readonly splitter: LineSplitter;

  constructor(maxBytes = MAX_MESSAGE_BYTES) {
    // Nothing of an overlong message is kept: it cannot be parsed, and the server is stopped.
    this.splitter = new LineSplitter({ maxBytes, keepBytes: 0 });
  }

  /** Feeds a chunk; returns the complete messages, the lines that were not JSON-RPC, and whether a line went over the cap. */
  push(chunk: Buffer): { messages: JSONRPCMessage[]; garbage: string[]; tooLong: boolean } {
    const messages: JSONRPCMessage[] = [];
    const garbage: string[] = [];
    const tooLong = this.splitter.push(chunk, (line, dropped) => {
      if (dropped > 0 || line.length === 0 || line.trim() === '') return;
      try {
        const value = JSON.parse(line) as { jsonrpc?: unknown };
        if (value && typeof value === 'object' && value.jsonrpc === '2.0') messages.push(value as JSONRPCMessage);
        else garbage.push(line);
      } catch {
        garbage.push(line);
      }
    });
    return { messages, garbage, tooLong };
  }
}
