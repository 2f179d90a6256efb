/** One server-sent event (WHATWG HTML, "Interpreting an event stream"). */
export interface SseEvent {
  readonly event?: string;
  readonly data: string;
  readonly id?: string;
}

/**
 * The events of an SSE body fed as text chunks: lines end with CRLF, LF or CR; `data` lines
 * join with LF; an `id` with NUL is ignored; `retry` with digits only goes to `onRetry`;
 * an event's id and type do not carry over to the next; comments and a leading BOM are
 * skipped; an event not ended by a blank line when the body ends is dropped.
 * What eventsource-parser (the SDK's parser) does, on Node strings instead of web streams.
 * Pushed rather than iterated: the answer of every call is read from 'data' events, without an
 * async iterator and a promise per chunk and per event (docs/performance.md, issue 18).
 */
export class SseParser {
  private rest = '';
  private data: string[] = [];
  private event: string | undefined;
  private id: string | undefined;
  private lastCr = false;
  private first = true;

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly onRetry: (ms: number) => void,
  ) {}

  feed(chunk: string): void {
    let text = this.rest + (this.first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk);
    this.first = false;
    // A CRLF split across chunks: the LF belongs to the CR already taken as a line end.
    if (this.lastCr && text.startsWith('\n')) text = text.slice(1);
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = text.slice(start, i);
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
      this.line(line);
    }
    this.lastCr = text.charCodeAt(text.length - 1) === 13 && start === text.length;
    this.rest = text.slice(start);
  }

  private line(line: string): void {
    if (line === '') {
      const data = this.data;
      const event = { event: this.event, data: data.join('\n'), id: this.id };
      this.data = [];
      this.event = this.id = undefined;
      if (data.length > 0) this.onEvent(event);
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + (line.charCodeAt(colon + 1) === 32 ? 2 : 1));
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value || undefined;
    else if (field === 'id') this.id = value.includes('\0') ? this.id : value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.onRetry(Number(value));
  }
}
