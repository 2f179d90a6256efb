// Waiting in tests: for a condition (polled) or for a promise (an event), always with a
// timeout and a failure message that names what was awaited. Tests never sleep a fixed time
// to let something happen; they wait for the thing itself.

/** How often a condition is polled. */
const POLL_MS = 20;

/**
 * Polls `check` until it returns a truthy value, and returns that value. A `check` that
 * throws counts as "not yet" (a server still starting refuses connections); after
 * `timeoutMs` the wait fails with `timed out after N ms waiting for <what>`, plus the last
 * error `check` threw, if any.
 */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const reason = last === undefined ? '' : `: ${last instanceof Error ? last.message : String(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Waits for `promise` (a child's exit, a stream's end), failing after `timeoutMs` with
 * `timed out after N ms waiting for <what>`. The timer does not keep the process alive.
 */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
