// Where the RSS growth after 2026-07-28 calls comes from (issue 18 item 3, docs/performance.md):
// the example config's gateway at rest when idle, after its first 32 stateless calls (the code
// the first 2026-07-28 request loads), and after each further 10,000. At each rest the gateway
// reports its heap (bench/memdump.mjs): a live heap that stops growing after the first calls
// is a one-time cost, not retention per request.
//   [RSS_PHASES_GC=1] node --import tsx bench/rss-phases.ts [batches]
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { S } from './common.js';
import { closeAll, openSessions } from './client.js';
import { startGateway } from './gateway.js';
import { ROOT, rssKb, sleep, stopAll } from './proc.js';

const batches = Number(process.argv[2] ?? 2);
const file = join(mkdtempSync(join(tmpdir(), 'mcpgw-rss-')), 'dump.jsonl');
writeFileSync(file, '');
process.env.MEMDUMP_FILE = file;

const config = parse(readFileSync(join(ROOT, 'examples/gateway.yaml'), 'utf8'));
config.servers.everything.command = process.execPath;
config.servers.everything.args = [join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'];

/** At rest as bench/lifecycle.ts's restedRssKb takes it (fallen 2 MB, then 5 samples within 0.5 MB; at most 90 s). */
async function rest(pid: number, label: string): Promise<void> {
  const xs = [rssKb(pid)];
  for (let i = 0; i < 90; i++) {
    await sleep(1000);
    xs.push(rssKb(pid));
    const last = xs.slice(-5);
    if (xs[0] - Math.max(...last) >= 2048 && Math.max(...last) - Math.min(...last) <= 512) break;
  }
  const before = readFileSync(file, 'utf8').length;
  process.kill(pid, 'SIGUSR2');
  while (readFileSync(file, 'utf8').length === before) await sleep(50);
  const dump = JSON.parse(readFileSync(file, 'utf8').trim().split('\n').at(-1)!);
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  const settled = xs.length <= 90 ? `at rest after ${xs.length - 1} s` : 'not at rest after 90 s';
  process.stdout.write(
    `${label}: RSS ${mb(dump.rss)} MB (${settled}), heap used ${mb(dump.heapUsed)} of ${mb(dump.heapTotal)} MB, new space ${mb(dump.spaces.new_space[0])} MB, ${dump.rollup}\n`,
  );
}

async function calls(url: string, total: number): Promise<void> {
  const clients = await openSessions(url, S.sessions, 'modern');
  try {
    let sent = 0;
    const loop = async (s: (typeof clients)[number]) => {
      while (sent < total) await s.callTool('everything__echo', { message: `m${sent++}` });
    };
    await Promise.all(clients.flatMap((s) => Array.from({ length: S.inflight }, () => loop(s))));
  } finally {
    await closeAll(clients);
  }
}

// RSS_PHASES_GC=1: a full GC before each reading (the live heap; it also changes the RSS that follows).
const gcArgs = process.env.RSS_PHASES_GC ? ['--expose-gc'] : [];
const gw = await startGateway(config, { nodeArgs: [...gcArgs, '--import', join(ROOT, 'bench/memdump.mjs')] });
try {
  await rest(gw.proc.pid, 'idle');
  await calls(`${gw.url}/mcp`, 32);
  await rest(gw.proc.pid, 'after 32 calls');
  for (let b = 1; b <= batches; b++) {
    await calls(`${gw.url}/mcp`, 10_000);
    await rest(gw.proc.pid, `after ${32 + b * 10_000} calls`);
  }
} finally {
  await gw.stop();
  await stopAll();
}
