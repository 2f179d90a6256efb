// Preloaded (`node --import`) into the gateway by bench/start-timeline.ts: the moments of one
// start, in ms since the process started (performance.now()), with the CPU time used by then.
// Plain JavaScript and no loader hook, so that what is measured is loaded as it always is:
// a `load` hook runs on a thread of its own and slows every module by about half.
import { appendFileSync, readFileSync } from 'node:fs';
import childProcess from 'node:child_process';
import http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { performance } from 'node:perf_hooks';

const file = process.env.MCPGW_START_MARKS;
const marks = [];
const mark = (what, extra) => {
  const cpu = process.cpuUsage();
  marks.push({ at: performance.now(), cpu: (cpu.user + cpu.system) / 1000, what, ...extra });
};

/** utime + stime of a process in ms (10 ms ticks): the server's CPU when it answers. */
const cpuOf = (pid) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
};
// The build copy that start-timeline.ts runs calls this at the top of a few modules' bodies.
globalThis.__startMark = mark;
mark('preload');

// A JSON-RPC line to or from the child, by what it is (`initialize` sent, `#1` answered).
const label = (chunk) =>
  String(chunk)
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        const m = JSON.parse(line);
        return m.method ?? `#${m.id}`;
      } catch {
        return 'partial line';
      }
    })
    .join(', ');

// Wraps emit, not a 'data' listener: a listener would start the flow of a stdout that the
// early start leaves unread in the pipe until the transport attaches.
const onEmit = (stream, name, pid) => {
  const emit = stream.emit;
  let first = true;
  stream.emit = function (event, ...args) {
    if (event === 'data') {
      const what = name === 'server stderr' ? (first ? 'first line' : 'more') : label(args[0]);
      mark(`${name}: ${what}`, { serverCpu: cpuOf(pid) });
      first = false;
    }
    return emit.call(this, event, ...args);
  };
};

const spawn = childProcess.spawn;
childProcess.spawn = function (...args) {
  mark('spawn() called');
  const child = spawn.apply(this, args);
  mark('spawn() returned');
  child.once('spawn', () => mark("child's spawn event"));
  const write = child.stdin.write;
  child.stdin.write = function (chunk, ...rest) {
    mark(`to server: ${label(chunk)}`);
    return write.call(this, chunk, ...rest);
  };
  onEmit(child.stdout, 'from server', child.pid);
  onEmit(child.stderr, 'server stderr', child.pid);
  return child;
};
syncBuiltinESMExports();

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (...args) {
  this.once('listening', () => mark('listening'));
  return listen.apply(this, args);
};

const end = http.ServerResponse.prototype.end;
let ready = false;
let refused = false;
http.ServerResponse.prototype.end = function (...args) {
  if (!ready && this.req?.url?.startsWith('/readyz')) {
    ready = this.statusCode === 200;
    if (ready || !refused) mark(`/readyz ${this.statusCode}`);
    refused = true;
    if (ready && file) {
      const { nodeStart, v8Start, environment, bootstrapComplete } = performance.nodeTiming;
      const boot = { nodeStart, v8Start, environment, bootstrapComplete };
      appendFileSync(file, JSON.stringify({ timeOrigin: performance.timeOrigin, boot, marks }) + '\n');
    }
  }
  return end.apply(this, args);
};
