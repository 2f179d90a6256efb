/**
 * Gives `event` to every listener. One that throws is reported through `failed`, and the rest
 * still get the event: a listener's bug must not break the state machine that emits it.
 */
export function tellAll<E>(listeners: Iterable<(event: E) => void>, event: E, failed: (err: Error) => void): void {
  for (const listener of listeners) {
    try {
      listener(event);
    } catch (err) {
      failed(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
