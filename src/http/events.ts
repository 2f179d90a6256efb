import type { EventStore } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * Resumability of the gateway's own endpoint (SEP-1699, MCP 2025-11-25): the SDK transport
 * gives every SSE event an id from this store, sends clients at >= 2025-11-25 a priming event
 * (id, `retry`, empty data) first on each POST stream, and replays what a client missed when it
 * comes back with `GET` + `Last-Event-ID`. A client whose POST stream broke mid-call thus still
 * gets the upstream's result (and the progress, logs and server-to-client requests of the call).
 *
 * One store per client session, so an event id of another session is unknown here (400) and
 * never replays that session's messages. Bounded, because a session a client abandoned without
 * DELETE lives until the idle timeout and still gets the profile's log broadcasts: the oldest
 * events go first once a session holds more than `maxEvents` events or `maxBytes` of JSON (the
 * newest event is always kept). A Last-Event-ID whose event was dropped is refused (400)
 * rather than replayed with a gap.
 */

export interface EventLimits {
  readonly maxEvents: number;
  readonly maxBytes: number;
}

export const DEFAULT_EVENT_LIMITS: EventLimits = { maxEvents: 1000, maxBytes: 4 * 1024 * 1024 };

interface StoredEvent {
  readonly streamId: string;
  readonly seq: number;
  readonly message: JSONRPCMessage;
  readonly size: number;
}

export class SessionEventStore implements EventStore {
  private seq = 0;
  private bytes = 0;
  /** Insertion order is age order: eviction takes the first entries. */
  private readonly events = new Map<string, StoredEvent>();

  constructor(private readonly limits: EventLimits = DEFAULT_EVENT_LIMITS) {}

  /** Events held now (for tests). */
  get size(): number {
    return this.events.size;
  }

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const seq = ++this.seq;
    const eventId = `${streamId}#${seq}`;
    const size = JSON.stringify(message).length;
    this.events.set(eventId, { streamId, seq, message, size });
    this.bytes += size;
    for (const [id, event] of this.events) {
      if (this.events.size <= 1 || (this.events.size <= this.limits.maxEvents && this.bytes <= this.limits.maxBytes)) break;
      this.events.delete(id);
      this.bytes -= event.size;
    }
    return eventId;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.events.get(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const last = this.events.get(lastEventId);
    if (!last) throw new Error(`unknown event id ${lastEventId}`);
    // Iterates the live map: an event of this stream stored while the replay is under way is
    // sent too (the SDK skips it later, by id), and one evicted meanwhile is skipped.
    for (const [eventId, event] of this.events) {
      if (event.streamId !== last.streamId || event.seq <= last.seq) continue;
      // Priming events are stored as `{}`: they carry an id, not a message.
      if (Object.keys(event.message).length > 0) await send(eventId, event.message);
    }
    return last.streamId;
  }
}
