// A request's cancellation (gateway/call-signal.ts) does what a real AbortController's signal
// does for everything its readers use: each scenario runs on both and must leave the same trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { CallSignal } from '../../src/gateway/call-signal.js';

interface Pair {
  signal: AbortSignal;
  abort(reason?: unknown): void;
}

const real = (): Pair => {
  const c = new AbortController();
  return { signal: c.signal, abort: (reason) => c.abort(reason) };
};
const light = (): Pair => {
  const c = new CallSignal();
  return { signal: c.signal, abort: (reason) => c.abort(reason) };
};

/** Runs `scenario` on a fresh signal of the kind and answers what it observed. */
function traceOf(make: () => Pair, scenario: (p: Pair, log: (entry: unknown) => void) => void): unknown[] {
  const trace: unknown[] = [];
  scenario(make(), (entry) => trace.push(entry));
  return trace;
}

const scenarios: Record<string, (p: Pair, log: (entry: unknown) => void) => void> = {
  'not aborted': ({ signal }, log) => {
    log([signal.aborted, signal.reason]);
    signal.throwIfAborted();
    log('no throw');
  },
  'abort with a reason: listeners in order, once, with this and an abort event': ({ signal, abort }, log) => {
    const reason = new Error('why');
    signal.addEventListener('abort', function (this: AbortSignal, event) {
      log(['first', this === signal, event.type, signal.aborted, signal.reason === reason]);
    });
    signal.addEventListener('abort', () => log('second'), { once: true });
    abort(reason);
    abort(new Error('again'));
    log([signal.aborted, signal.reason === reason]);
    assert.throws(
      () => signal.throwIfAborted(),
      (err) => err === reason,
    );
  },
  'abort without a reason: an AbortError': ({ signal, abort }, log) => {
    abort();
    log([(signal.reason as DOMException).name, (signal.reason as DOMException).message, signal.reason instanceof DOMException]);
  },
  'a removed listener is not called; the same listener twice is called once': ({ signal, abort }, log) => {
    const gone = () => log('gone');
    const twice = () => log('twice');
    signal.addEventListener('abort', gone);
    signal.addEventListener('abort', twice);
    signal.addEventListener('abort', twice);
    signal.removeEventListener('abort', gone);
    signal.removeEventListener('abort', () => log('never added'));
    abort('r');
  },
  'a listener added after the abort is never called': ({ signal, abort }, log) => {
    abort('r');
    signal.addEventListener('abort', () => log('late'));
    abort('again');
    log(signal.reason);
  },
  'onabort and handleEvent objects': ({ signal, abort }, log) => {
    signal.onabort = () => log('onabort');
    signal.addEventListener('abort', { handleEvent: (event: Event) => log(['object', event.type]) });
    abort('r');
  },
  'other event types are not abort listeners': ({ signal, abort }, log) => {
    signal.addEventListener('other', () => log('other'));
    abort('r');
    log('done');
  },
};

for (const [name, scenario] of Object.entries(scenarios)) {
  test(`CallSignal as AbortSignal: ${name}`, () => {
    assert.deepEqual(traceOf(light, scenario), traceOf(real, scenario));
  });
}

test('a listener that throws does not stop the others, and is reported as uncaught', () => {
  // In a process of its own: the test runner takes uncaught exceptions as failures.
  const code = `
    import { CallSignal } from ${JSON.stringify(new URL('../../src/gateway/call-signal.ts', import.meta.url).pathname)};
    process.on('uncaughtException', (err) => console.log('uncaught', err.message));
    const c = new CallSignal();
    c.signal.addEventListener('abort', () => { throw new Error('listener fails'); });
    c.signal.addEventListener('abort', () => console.log('after'));
    c.abort('r');
    console.log('returned');`;
  const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(out.stdout, 'after\nreturned\nuncaught listener fails\n', out.stderr);
});
