/**
 * Exponential backoff with a cap and jitter, reset after a healthy period (SPEC section 5).
 * Pure: the caller owns the timers.
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** 0.2 = +-20%. */
  readonly jitter: number;
  /** Up this long without a failure: the next delay starts from initialMs again. */
  readonly resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 60_000, factor: 2, jitter: 0.2, resetAfterMs: 60_000 };

export class Backoff {
  private attempt = 0;
  private healthySince?: number;

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** Mark the upstream healthy from now on. */
  succeeded(now = Date.now()): void {
    this.healthySince = now;
  }

  /** Start over from initialMs (the config changed, or a login happened). */
  reset(): void {
    this.attempt = 0;
    this.healthySince = undefined;
  }

  /** The delay before the next retry. */
  nextDelay(now = Date.now()): number {
    if (this.healthySince !== undefined && now - this.healthySince >= this.options.resetAfterMs) this.attempt = 0;
    this.healthySince = undefined;
    const base = Math.min(this.options.maxMs, this.options.initialMs * this.options.factor ** this.attempt);
    this.attempt++;
    const spread = base * this.options.jitter;
    return Math.max(0, Math.round(base - spread + this.random() * 2 * spread));
  }

  get attempts(): number {
    return this.attempt;
  }
}
