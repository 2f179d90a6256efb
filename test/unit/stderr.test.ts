// The rate limit on a stdio server's stderr (issue 14, item 8), on a clock of the test's own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StderrLog } from '../../src/upstream/stderr.js';
import { waitFor } from '../helpers/wait.js';

function limiter(intervalMs = 60_000) {
  let clock = 0;
  const logged: string[] = [];
  const summaries: number[] = [];
  const log = new StderrLog({
    rate: { burst: 3, perSecond: 2, intervalMs },
    now: () => clock,
    line: (text) => logged.push(text),
    suppressed: (count) => summaries.push(count),
  });
  return { log, logged, summaries, tick: (ms: number) => (clock += ms) };
}

test('a burst passes, then the steady rate; the rest is counted and summed up at close', () => {
  const { log, logged, summaries, tick } = limiter();
  for (let i = 0; i < 10; i++) log.write(`a${i}`);
  assert.deepEqual(logged, ['a0', 'a1', 'a2']);
  tick(500); // one token back at 2 lines/s
  for (let i = 0; i < 3; i++) log.write(`b${i}`);
  assert.deepEqual(logged.slice(3), ['b0']);
  tick(60_000); // refills to the burst, not beyond
  for (let i = 0; i < 5; i++) log.write(`c${i}`);
  assert.deepEqual(logged.slice(4), ['c0', 'c1', 'c2']);
  assert.deepEqual(summaries, []);
  log.close();
  assert.deepEqual(summaries, [7 + 2 + 2]);
  log.write('late');
  log.close();
  assert.equal(logged.length, 7);
  assert.deepEqual(summaries, [11], 'close is idempotent and nothing is counted after it');
});

test('the count is logged once per interval while lines are suppressed', async () => {
  const { log, summaries } = limiter(20);
  for (let i = 0; i < 8; i++) log.write('x');
  await waitFor(() => summaries.length === 1, 'the first summary');
  assert.deepEqual(summaries, [5]);
  log.write('y');
  await waitFor(() => summaries.length === 2, 'the second summary');
  assert.deepEqual(summaries, [5, 1]);
  log.close();
  assert.deepEqual(summaries, [5, 1], 'nothing left to sum up');
});
