// Retry delays (SPEC section 5, lifecycle): exponential from initialMs by `factor`, capped at
// maxMs, with +-jitter, started over after resetAfterMs of health or on reset(). One row per
// rule: options, a random source, a sequence of events, the delays they give.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from '../../src/upstream/backoff.js';

/** `fail` asks for the next delay (a retry is due) at time `at`; `ok` marks healthy from `at`. */
type Step = { readonly fail: number } | { readonly ok: number } | 'reset';

const MIDDLE = () => 0.5; // no jitter either way: base - spread + 0.5 * 2 * spread = base
const LOWEST = () => 0;
const HIGHEST = () => 1 - Number.EPSILON;

const fails = (n: number, at = 0): Step[] => Array.from({ length: n }, () => ({ fail: at }));

interface Case {
  readonly rule: string;
  readonly options?: Partial<BackoffOptions>;
  readonly random: () => number;
  readonly steps: readonly Step[];
  /** The delay each `fail` step gives, in order. */
  readonly delays: readonly number[];
  /** attempts after the last step. */
  readonly attempts?: number;
}

const cases: readonly Case[] = [
  {
    rule: 'the defaults: 500 ms, doubling, capped at 60 s',
    random: MIDDLE,
    steps: fails(10),
    delays: [500, 1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000],
    attempts: 10,
  },
  {
    rule: 'another initial delay and factor',
    options: { initialMs: 100, factor: 3, maxMs: 10_000, jitter: 0 },
    random: LOWEST,
    steps: fails(6),
    delays: [100, 300, 900, 2700, 8100, 10_000],
  },
  {
    rule: 'the cap holds however many failures there were',
    options: { jitter: 0 },
    random: MIDDLE,
    steps: fails(2000),
    delays: [...[500, 1000, 2000, 4000, 8000, 16_000, 32_000], ...Array<number>(1993).fill(60_000)],
  },
  {
    rule: 'the lowest random value takes jitter off: 20% below',
    random: LOWEST,
    steps: fails(3),
    delays: [400, 800, 1600],
  },
  {
    rule: 'the highest random value adds jitter: 20% above',
    random: HIGHEST,
    steps: fails(3),
    delays: [600, 1200, 2400],
  },
  {
    rule: 'jitter applies to the capped delay, so a delay at the cap may go up to maxMs + jitter',
    random: HIGHEST,
    steps: fails(9),
    delays: [600, 1200, 2400, 4800, 9600, 19_200, 38_400, 72_000, 72_000],
  },
  {
    rule: 'jitter 0 gives exact delays whatever the random value',
    options: { jitter: 0 },
    random: HIGHEST,
    steps: fails(3),
    delays: [500, 1000, 2000],
  },
  {
    rule: 'delays are whole milliseconds',
    options: { initialMs: 333, factor: 1.5, jitter: 0.1 },
    random: () => 0.123,
    steps: fails(3),
    // 333 * (0.9 + 0.123 * 0.2) = 307.89; 499.5 * 0.9246 = 461.84; 749.25 * 0.9246 = 692.76
    delays: [308, 462, 693],
  },
  {
    rule: 'reset() starts over from initialMs',
    random: MIDDLE,
    steps: [...fails(4), 'reset', ...fails(2)],
    delays: [500, 1000, 2000, 4000, 500, 1000],
    attempts: 2,
  },
  {
    rule: 'healthy for resetAfterMs: the next failure starts over',
    random: MIDDLE,
    steps: [...fails(4, 0), { ok: 1000 }, { fail: 61_000 }, { fail: 61_500 }],
    delays: [500, 1000, 2000, 4000, 500, 1000],
  },
  {
    rule: 'healthy for less than resetAfterMs: the next failure goes on doubling',
    random: MIDDLE,
    steps: [...fails(4, 0), { ok: 1000 }, { fail: 60_999 }],
    delays: [500, 1000, 2000, 4000, 8000],
  },
  {
    rule: 'a failure ends the healthy period: time after it does not count as healthy',
    random: MIDDLE,
    steps: [{ fail: 0 }, { ok: 1000 }, { fail: 2000 }, { fail: 500_000 }],
    delays: [500, 1000, 2000],
  },
  {
    rule: 'resetAfterMs is an option too',
    options: { resetAfterMs: 5000 },
    random: MIDDLE,
    steps: [...fails(3), { ok: 10_000 }, { fail: 15_000 }],
    delays: [500, 1000, 2000, 500],
  },
];

describe('Backoff', () => {
  for (const c of cases) {
    test(c.rule, () => {
      const backoff = new Backoff({ ...DEFAULT_BACKOFF, ...c.options }, c.random);
      const delays: number[] = [];
      for (const step of c.steps) {
        if (step === 'reset') backoff.reset();
        else if ('ok' in step) backoff.succeeded(step.ok);
        else delays.push(backoff.nextDelay(step.fail));
      }
      assert.deepEqual(delays, c.delays);
      if (c.attempts !== undefined) assert.equal(backoff.attempts, c.attempts);
    });
  }

  test('with Math.random every delay stays within +-20% of its base', () => {
    const backoff = new Backoff();
    const bases = [500, 1000, 2000, 4000, 8000, 16_000, 32_000, ...Array<number>(50).fill(60_000)];
    for (const base of bases) {
      const delay = backoff.nextDelay();
      assert.ok(delay >= base * 0.8 && delay <= base * 1.2, `${delay} for ${base}`);
    }
  });

  test('a fresh backoff has made no attempt', () => assert.equal(new Backoff().attempts, 0));
});
