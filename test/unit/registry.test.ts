// Whom a server's requests and log messages during calls belong to (SPEC section 5): the one
// party with calls in flight, or the session owning the upstream; never a guess between two.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '@modelcontextprotocol/client';
import { McpgwError } from '../../src/errors/error.js';
import type { Logger } from '../../src/log.js';
import { asProtocolError, CallRegistry } from '../../src/upstream/registry.js';
import type { Caller } from '../../src/upstream/types.js';

function quietLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log: Logger & { lines: string[] } = {
    lines,
    debug: (m) => lines.push(`debug ${m}`),
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
    child: () => log,
  };
  return log;
}

function caller(label: string, party: object = {}, parked = false): Caller & { asked: string[] } {
  const asked: string[] = [];
  return { label, party, parked, asked, ask: async (request) => (asked.push(request.method), { from: label }) };
}

const ELICIT = { method: 'elicitation/create', params: { message: 'ok?' } };
const signal = new AbortController().signal;

test('the only party with calls in flight gets the request, whatever number of its calls', async () => {
  const registry = new CallRegistry('s', quietLog());
  const party = {};
  const first = caller('one', party);
  const end1 = registry.begin({ caller: first });
  const end2 = registry.begin({ caller: caller('one-again', party) });
  assert.deepEqual(await registry.ask(ELICIT, signal), { from: 'one-again' }, "the party's latest call");
  end1();
  end2();
  assert.equal(registry.size, 0);
});

test('two parties, or none: refused with MCPGW_E_SESSION_ATTRIBUTION; a parked caller counts only alone', async () => {
  const log = quietLog();
  const registry = new CallRegistry('s', log);
  await assert.rejects(registry.ask(ELICIT, signal), (err: ProtocolError) => {
    assert.match(err.message, /no client session has a call in flight/);
    assert.equal((err.data as { code: string }).code, 'MCPGW_E_SESSION_ATTRIBUTION');
    return true;
  });
  registry.begin({ caller: caller('a') });
  const parked = registry.begin({ caller: caller('waiting', {}, true) });
  assert.deepEqual(await registry.ask(ELICIT, signal), { from: 'a' }, 'the parked caller is not a candidate');
  parked();
  registry.begin({ caller: caller('b') });
  await assert.rejects(registry.ask(ELICIT, signal), /2 client sessions have calls in flight/);

  assert.ok(log.lines.some((l) => l.startsWith('warn refused elicitation/create')));
});

test("an owned upstream's requests go to its owner, or the owner's latest call", async () => {
  const ownerParty = {};
  const owner = caller('owner', ownerParty);
  const registry = new CallRegistry('s', quietLog(), owner);
  assert.deepEqual(await registry.ask(ELICIT, signal), { from: 'owner' });
  registry.begin({ caller: caller('owner-call', ownerParty) });
  registry.begin({ caller: caller('stranger') });
  assert.deepEqual(await registry.ask(ELICIT, signal), { from: 'owner-call' });
});

test('log messages reach the one call that asked for that level, and are dropped otherwise', () => {
  const registry = new CallRegistry('s', quietLog());
  const got: Record<string, unknown>[] = [];
  registry.begin({ caller: caller('a'), logLevel: 'warning', onlog: (p) => got.push(p) });
  registry.routeLog({ level: 'info', data: 'quiet' });
  registry.routeLog({ level: 'error', data: 'loud' });
  assert.deepEqual([...got], [{ level: 'error', data: 'loud' }]);
  registry.begin({ caller: caller('b'), logLevel: 'debug', onlog: (p) => got.push(p) });
  registry.routeLog({ level: 'error', data: 'whose?' });
  assert.equal(got.length, 1, 'two parties: nobody gets it');
});

test('asProtocolError: registered codes keep their JSON-RPC code and name; anything else is a bare internal error', () => {
  const coded = asProtocolError(new McpgwError('MCPGW_E_SESSION_ATTRIBUTION', 'who?'));
  assert.equal(coded.message, 'who?');
  assert.equal((coded.data as { code: string }).code, 'MCPGW_E_SESSION_ATTRIBUTION');
  const shaped = asProtocolError({ code: -32042, message: 'from the client', data: { x: 1 } });
  assert.deepEqual([shaped.code, shaped.message, shaped.data], [-32042, 'from the client', { x: 1 }]);
  const hidden = asProtocolError(new Error('secret path /home/alice/.ssh'));
  assert.equal(hidden.message, 'internal error', 'an unexpected error says nothing of itself');
});

test('a parked caller alone gets what its server asks while it waits (the requests of one InputRequiredResult)', async () => {
  const registry = new CallRegistry('s', quietLog());
  const waiting = caller('waiting', {}, true);
  registry.begin({ caller: waiting });
  assert.deepEqual(await registry.ask(ELICIT, signal), { from: 'waiting' });
  registry.begin({ caller: caller('active') });
  assert.deepEqual(await registry.ask(ELICIT, signal), { from: 'active' }, 'an active call wins over a parked one');
});
