/**
 * A client request's cancellation, read as the AbortSignal of its call path. On Node 20 a
 * real AbortSignal costs about 4 µs to make and 2 µs more to listen on (its constructor
 * changes an EventTarget's prototype), on every call, for the rare call that is cancelled
 * (docs/performance.md, "The stdio path and the 2026-07-28 client, lean").
 *
 * Its readers only use what this implements, the way the DOM defines it: `aborted`,
 * `reason`, `throwIfAborted`, `onabort` and `abort` listeners (functions or `handleEvent`
 * objects; `once` is implied, since it aborts at most once). They are the SDK Protocol's
 * `request` (the upstream call), upstream/call.ts's timer, and the gateway's own askers
 * (session.ts, waiting.ts). It is not an AbortSignal to Node: a reader that hands its signal
 * to a Node API (fetch, timers/promises, AbortSignal.any) must make an AbortController
 * that follows it.
 */

type Listener = ((this: AbortSignal, event: Event) => unknown) | { handleEvent(event: Event): unknown };

export class CallSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: AbortSignal, event: Event) => unknown) | null = null;
  private listeners?: Listener[];

  /** This, typed as its readers take it. */
  get signal(): AbortSignal {
    return this as unknown as AbortSignal;
  }

  addEventListener(type: string, listener: Listener | null): void {
    // As on an AbortSignal: a listener added after the abort is never called.
    if (type !== 'abort' || !listener || this.aborted) return;
    const listeners = (this.listeners ??= []);
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(type: string, listener: Listener | null): void {
    const at = type === 'abort' && listener ? (this.listeners?.indexOf(listener) ?? -1) : -1;
    if (at >= 0) this.listeners!.splice(at, 1);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  /** Aborts once; each listener runs, and one that throws is reported as uncaught, as EventTarget does. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const event = new Event('abort');
    const listeners = this.listeners ?? [];
    this.listeners = undefined;
    const signal = this.signal;
    const handlers = this.onabort ? [this.onabort, ...listeners] : listeners;
    for (const listener of handlers) {
      try {
        if (typeof listener === 'function') listener.call(signal, event);
        else listener.handleEvent(event);
      } catch (err) {
        process.nextTick(() => {
          throw err;
        });
      }
    }
  }
}
