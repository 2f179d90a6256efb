/**
 * Tokens this process has seen spent (a requestState retried, a session id deleted), each
 * until it would expire anyway. Bounded: when full of live entries the oldest are forgotten,
 * and a replay of those is then only bound by its expiry.
 */
export class Spent {
  private readonly until = new Map<string, number>();

  constructor(private readonly max = 100_000) {}

  has(token: string): boolean {
    return this.until.has(token);
  }

  add(token: string, expiresAt: number, now = Date.now()): void {
    if (this.until.size >= this.max) {
      for (const [t, x] of this.until) if (x <= now) this.until.delete(t);
      for (const t of this.until.keys()) {
        if (this.until.size < this.max) break;
        this.until.delete(t);
      }
    }
    this.until.set(token, expiresAt);
  }
}
