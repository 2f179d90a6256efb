// The per-session event store that makes the gateway's own SSE streams resumable (SEP-1699).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionEventStore } from '../../src/http/events.js';

const note = (n: number): string =>
  JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `log ${n}` } });

function replay(store: SessionEventStore, lastEventId: string): [string, string][] | undefined {
  const sent: [string, string][] = [];
  return store.replayAfter(lastEventId, (id, data) => void sent.push([id, data])) ? sent : undefined;
}

test('replays the events of the same stream after the given id, in order, without priming events', () => {
  const store = new SessionEventStore();
  const priming = store.store('a', '');
  const a1 = store.store('a', note(1));
  store.store('b', note(2));
  const a3 = store.store('a', note(3));
  const result = JSON.stringify({ jsonrpc: '2.0', id: 7, result: {} });
  const a4 = store.store('a', result);
  assert.equal(store.streamOf(priming), 'a');
  assert.deepEqual(
    replay(store, priming)?.map(([id]) => id),
    [a1, a3, a4],
  );
  assert.deepEqual(replay(store, a3), [[a4, result]]);
  assert.deepEqual(replay(store, a4), []);
});

test("an id it never issued is unknown (another session's store, or a made-up one)", () => {
  const mine = new SessionEventStore();
  const other = new SessionEventStore();
  mine.store('a', note(1));
  const theirs = other.store('x', note(2));
  assert.equal(mine.streamOf(theirs), undefined);
  assert.equal(mine.streamOf('nonsense'), undefined);
  assert.equal(replay(mine, theirs), undefined);
});

test('keeps at most maxEvents events and maxBytes of JSON, dropping the oldest, never the newest', () => {
  const byCount = new SessionEventStore({ maxEvents: 3, maxBytes: 1e9 });
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(byCount.store('a', note(i)));
  assert.equal(byCount.size, 3);
  assert.equal(byCount.streamOf(ids[1]!), undefined);
  assert.deepEqual(
    replay(byCount, ids[2]!)?.map(([id]) => id),
    [ids[3], ids[4]],
  );

  const size = note(1).length;
  const byBytes = new SessionEventStore({ maxEvents: 1000, maxBytes: size * 2 });
  for (let i = 0; i < 4; i++) byBytes.store('a', note(i));
  assert.equal(byBytes.size, 2);
  const bigId = byBytes.store('a', JSON.stringify({ jsonrpc: '2.0', id: 1, result: { text: 'x'.repeat(size * 10) } }));
  assert.equal(byBytes.size, 1, 'an event over maxBytes on its own is still kept, alone');
  assert.equal(byBytes.streamOf(bigId), 'a');
});
