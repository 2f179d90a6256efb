// A closer look at the gateway's memory under 2026-07-28 calls (docs/performance.md): RSS and
// V8 heap after each batch of stateless calls, with the default young generation and a capped
// one, to tell retention (growing batch after batch) from heap sizing (a plateau).
//   node --import tsx bench/memory-probe.ts [batches [calls per batch]]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { S, median } from './common.js';
import { closeAll, openSessions, type Session } from './client.js';
import { startGateway } from './gateway.js';
import { ROOT, rssKb, sleep, stopAll } from './proc.js';

const batches = Number(process.argv[2] ?? 3);
const perBatch = Number(process.argv[3] ?? 10_000);

function exampleConfig(): Record<string, any> {
  const config = parse(readFileSync(join(ROOT, 'examples/gateway.yaml'), 'utf8'));
  config.servers.everything.command = process.execPath;
  config.servers.everything.args = [join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'];
  return config;
}

async function settled(pid: number): Promise<number> {
  await sleep(1000);
  const xs: number[] = [];
  for (let i = 0; i < 5; i++, await sleep(200)) xs.push(rssKb(pid));
  return Math.round(median(xs) / 102.4) / 10;
}

async function calls(clients: Session[], total: number): Promise<void> {
  let sent = 0;
  const loop = async (s: Session) => {
    while (sent < total) await s.callTool('everything__echo', { message: `m${sent++}` });
  };
  await Promise.all(clients.flatMap((s) => Array.from({ length: S.inflight }, () => loop(s))));
}

for (const nodeArgs of process.env.PROBE_TRACE_GC ? [['--trace-gc']] : [[], ['--max-semi-space-size=1']]) {
  const gw = await startGateway(exampleConfig(), { nodeArgs });
  try {
    const line = [`${nodeArgs.join(' ') || 'default'}: idle ${await settled(gw.proc.pid)} MB`];
    const clients = await openSessions(`${gw.url}/mcp`, S.sessions, 'modern');
    for (let b = 1; b <= batches; b++) {
      await calls(clients, perBatch);
      line.push(`after ${b * perBatch}: ${await settled(gw.proc.pid)} MB`);
    }
    await closeAll(clients);
    process.stdout.write(`${line.join(', ')}\n`);
    // With PROBE_TRACE_GC=1, the live heap after each full GC (V8's --trace-gc lines in the log).
    if (process.env.PROBE_TRACE_GC) for (const l of gw.log().split('\n')) if (l.includes('Mark-Compact')) process.stdout.write(`${l}\n`);
  } finally {
    await gw.stop();
  }
}
await stopAll();
