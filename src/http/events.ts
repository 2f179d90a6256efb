/**
 * Resumability of the gateway's own SSE streams (SEP-1699, MCP 2025-11-25). Every event the
 * session transport writes on an SSE stream (a POST that switched to SSE, or the GET stream)
 * gets an id from this store; a client whose stream broke comes back with `GET` +
 * `Last-Event-ID` and gets what it missed on that stream. A POST answered as plain JSON has no
 * events and stores nothing: that is most calls, and why the store costs nothing on them.
 *
 * One store per client session, so an event id of another session is unknown here (400) and
 * never replays that session's messages. Bounded, because a session a client abandoned without
 * DELETE lives until the idle timeout and still gets the profile's log broadcasts: the oldest
 * events go first once a session holds more than `maxEvents` events or `maxBytes` of JSON (the
 * newest event is always kept). A Last-Event-ID whose event was dropped is refused (400)
 * rather than replayed with a gap.
 *
 * Synchronous on purpose: a replay and the stream's re-registration happen in one turn, so no
 * event written meanwhile can be missed or sent twice.
 */

export interface EventLimits {
  readonly maxEvents: number;
  readonly maxBytes: number;
}

const DEFAULT_EVENT_LIMITS: EventLimits = { maxEvents: 1000, maxBytes: 4 * 1024 * 1024 };

interface StoredEvent {
  readonly streamId: string;
  readonly seq: number;
  /** The message's JSON as sent; '' for a priming event (an id, no message). */
  readonly data: string;
}

export class SessionEventStore {
  private seq = 0;
  private bytes = 0;
  /** Insertion order is age order: eviction takes the first entries. */
  private readonly events = new Map<string, StoredEvent>();

  constructor(private readonly limits: EventLimits = DEFAULT_EVENT_LIMITS) {}

  /** Events held now (for tests). */
  get size(): number {
    return this.events.size;
  }

  /** Stores an event of `streamId` (its serialized message, or '' for priming); returns its id. */
  store(streamId: string, data: string): string {
    const seq = ++this.seq;
    const eventId = `${streamId}#${seq}`;
    this.events.set(eventId, { streamId, seq, data });
    this.bytes += data.length;
    for (const [id, event] of this.events) {
      if (this.events.size <= 1 || (this.events.size <= this.limits.maxEvents && this.bytes <= this.limits.maxBytes)) break;
      this.events.delete(id);
      this.bytes -= event.data.length;
    }
    return eventId;
  }

  /** The stream an event id belongs to, or undefined when this store never issued it (or dropped it). */
  streamOf(eventId: string): string | undefined {
    return this.events.get(eventId)?.streamId;
  }

  /** Calls `send` with each message of the same stream stored after `lastEventId`, in order; false when the id is unknown. */
  replayAfter(lastEventId: string, send: (eventId: string, data: string) => void): boolean {
    const last = this.events.get(lastEventId);
    if (!last) return false;
    for (const [eventId, event] of this.events) {
      if (event.streamId === last.streamId && event.seq > last.seq && event.data !== '') send(eventId, event.data);
    }
    return true;
  }
}
