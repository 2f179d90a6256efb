/** One server-sent event (WHATWG HTML, "Interpreting an event stream"). */
export interface SseEvent {
  readonly event?: string;
  readonly data: string;
  readonly id?: string;
}

/**
 * The events of an SSE body read as text chunks: lines end with CRLF, LF or CR; `data` lines
 * join with LF; an `id` with NUL is ignored; `retry` with digits only goes to `onRetry`;
 * an event's id and type do not carry over to the next; comments and a leading BOM are
 * skipped; an event not ended by a blank line when the body ends is dropped.
 * What eventsource-parser (the SDK's parser) does, on Node strings instead of web streams.
 */
export async function* sseEvents(chunks: AsyncIterable<string>, onRetry: (ms: number) => void): AsyncGenerator<SseEvent> {
  let rest = '';
  let data: string[] = [];
  let event: string | undefined;
  let id: string | undefined;
  let lastCr = false;
  let first = true;
  for await (const chunk of chunks) {
    let text = rest + (first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk);
    first = false;
    // A CRLF split across chunks: the LF belongs to the CR already taken as a line end.
    if (lastCr && text.startsWith('\n')) text = text.slice(1);
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = text.slice(start, i);
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
      if (line === '') {
        if (data.length > 0) yield { event, data: data.join('\n'), id };
        data = [];
        event = id = undefined;
        continue;
      }
      if (line.charCodeAt(0) === 58) continue; // ':' comment
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + (line.charCodeAt(colon + 1) === 32 ? 2 : 1));
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value || undefined;
      else if (field === 'id') id = value.includes('\0') ? id : value;
      else if (field === 'retry' && /^\d+$/.test(value)) onRetry(Number(value));
    }
    lastCr = text.charCodeAt(text.length - 1) === 13 && start === text.length;
    rest = text.slice(start);
  }
}
