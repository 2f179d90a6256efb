// The per-session event store that makes the gateway's own SSE streams resumable (SEP-1699).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { SessionEventStore } from '../../src/http/events.js';

const note = (n: number): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `log ${n}` } });

async function replay(store: SessionEventStore, lastEventId: string): Promise<{ stream: string; sent: [string, JSONRPCMessage][] }> {
  const sent: [string, JSONRPCMessage][] = [];
  const stream = await store.replayEventsAfter(lastEventId, { send: async (id, message) => void sent.push([id, message]) });
  return { stream, sent };
}

test('replays the events of the same stream after the given id, in order, without priming events', async () => {
  const store = new SessionEventStore();
  const priming = await store.storeEvent('a', {} as JSONRPCMessage);
  const a1 = await store.storeEvent('a', note(1));
  await store.storeEvent('b', note(2));
  const a3 = await store.storeEvent('a', note(3));
  const a4 = await store.storeEvent('a', { jsonrpc: '2.0', id: 7, result: {} });
  assert.equal(await store.getStreamIdForEventId(priming), 'a');
  const fromPriming = await replay(store, priming);
  assert.equal(fromPriming.stream, 'a');
  assert.deepEqual(fromPriming.sent.map(([id]) => id), [a1, a3, a4]);
  assert.deepEqual((await replay(store, a3)).sent, [[a4, { jsonrpc: '2.0', id: 7, result: {} }]]);
  assert.deepEqual((await replay(store, a4)).sent, []);
});

test('an id it never issued is unknown (another session\'s store, or a made-up one)', async () => {
  const mine = new SessionEventStore();
  const other = new SessionEventStore();
  await mine.storeEvent('a', note(1));
  const theirs = await other.storeEvent('x', note(2));
  assert.equal(await mine.getStreamIdForEventId(theirs), undefined);
  assert.equal(await mine.getStreamIdForEventId('nonsense'), undefined);
  await assert.rejects(replay(mine, theirs), /unknown event id/);
});

test('keeps at most maxEvents events and maxBytes of JSON, dropping the oldest, never the newest', async () => {
  const byCount = new SessionEventStore({ maxEvents: 3, maxBytes: 1e9 });
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(await byCount.storeEvent('a', note(i)));
  assert.equal(byCount.size, 3);
  assert.equal(await byCount.getStreamIdForEventId(ids[1]!), undefined);
  assert.deepEqual((await replay(byCount, ids[2]!)).sent.map(([id]) => id), [ids[3], ids[4]]);

  const size = JSON.stringify(note(1)).length;
  const byBytes = new SessionEventStore({ maxEvents: 1000, maxBytes: size * 2 });
  for (let i = 0; i < 4; i++) await byBytes.storeEvent('a', note(i));
  assert.equal(byBytes.size, 2);
  const big: JSONRPCMessage = { jsonrpc: '2.0', id: 1, result: { text: 'x'.repeat(size * 10) } };
  const bigId = await byBytes.storeEvent('a', big);
  assert.equal(byBytes.size, 1, 'an event over maxBytes on its own is still kept, alone');
  assert.equal(await byBytes.getStreamIdForEventId(bigId), 'a');
});
