// The README's dashboard picture (issue 17): deploy/observability/dashboard.json's own queries,
// evaluated by a real Prometheus over the /metrics of a real mcpgw daemon carrying real load,
// drawn by scripts/dashboard-shot/ and photographed by headless chromium. Grafana cannot be
// installed on the machines this is built on, so the drawing is ours; the numbers are not.
//   npm run build && node --import tsx scripts/dashboard-shot.ts [seconds] [out.png]
// It fails if Prometheus refuses a query of the dashboard or a rule of alerts.yml.
import { join } from 'node:path';
import { followAuthorization } from '../test/helpers/oauth.js';
import { openSession } from '../bench/client.js';
import { startGateway, type RunningGateway } from '../bench/gateway.js';
import { ROOT, now } from '../bench/proc.js';
import { evaluate, failures, report } from './dashboard-shot/evaluate.js';
import { PAGE_WIDTH, page, pageHeight } from './dashboard-shot/page.js';
import { loadDashboard } from './dashboard-shot/panels.js';
import { PROMETHEUS_SKIP, startPrometheus, type RunningPrometheus } from './dashboard-shot/prometheus.js';
import { screenshot } from './dashboard-shot/screenshot.js';
import { drive, type TrafficEvent } from './dashboard-shot/traffic.js';
import { ENCRYPTION_KEY, serversConfig, startUpstreams, type Upstreams } from './dashboard-shot/upstreams.js';

const seconds = Number(process.argv[2] ?? 75);
const out = process.argv[3] ?? join(ROOT, 'docs/images/dashboard.png');
const SCRAPE_SECONDS = 2;

function config(up: Upstreams, extra = false): Record<string, unknown> {
  return {
    version: 1,
    gateway: { logLevel: 'info', dataDir: up.dataDir, metrics: { auth: false } },
    servers: serversConfig(up, extra),
    profiles: { default: { servers: ['basic', 'remote', 'broken', 'secure', 'pending'] }, remote: { servers: ['remote'] } },
  };
}

function events(gw: RunningGateway, up: Upstreams): TrafficEvent[] {
  return [
    { at: 0.25, name: 'the protected server revokes its tokens', run: () => up.control('revoke-tokens') },
    { at: 0.35, name: 'reload: server extra added', run: async () => gw.writeConfig(config(up, true)) },
    { at: 0.45, name: 'authorization server outage', run: () => up.control('outage-on') },
    { at: 0.6, name: 'authorization server back', run: () => up.control('outage-off') },
    { at: 0.7, name: 'basic crashes', run: () => callCrash(gw) },
  ];
}

/** basic's crash tool ends its process: the gateway restarts it (upstream state panel). */
async function callCrash(gw: RunningGateway): Promise<void> {
  const s = await openSession(`${gw.url}/mcp`);
  await s.callTool('basic__crash', {}).catch(() => undefined);
  await s.close();
}

async function checkRules(prom: RunningPrometheus): Promise<void> {
  const bad = (await prom.rules()).filter((r) => r.health !== 'ok' && r.health !== 'unknown');
  if (bad.length > 0) throw new Error(`alert rules Prometheus refused: ${bad.map((r) => `${r.name}: ${r.lastError}`).join('; ')}`);
  const targets = await prom.targets();
  if (!targets.some((t) => t.health === 'up')) throw new Error(`the gateway was not scraped: ${JSON.stringify(targets)}`);
}

async function main(): Promise<void> {
  if (PROMETHEUS_SKIP) throw new Error(PROMETHEUS_SKIP);
  process.env.OAUTH_ENCRYPTION_KEY = ENCRYPTION_KEY;
  const up = await startUpstreams();
  let gw: RunningGateway | undefined;
  let prom: RunningPrometheus | undefined;
  try {
    gw = await startGateway(config(up));
    await followAuthorization(`${gw.url.replace('127.0.0.1', 'localhost')}/oauth/start/secure`);
    prom = await startPrometheus({
      target: gw.url.replace(/^http:\/\//, ''),
      scrapeSeconds: SCRAPE_SECONDS,
      ruleFiles: [join(ROOT, 'deploy/observability/alerts.yml')],
    });
    const start = Date.now() / 1000;
    const t0 = now();
    const { counts, events: done } = await drive(`${gw.url}/mcp`, seconds, events(gw, up));
    console.error(`load: ${JSON.stringify(counts)} in ${Math.round((now() - t0) / 1000)} s; events: ${done.join(', ')}`);
    await new Promise((r) => setTimeout(r, 2 * SCRAPE_SECONDS * 1000)); // the last scrapes of the load
    await checkRules(prom);
    const end = Date.now() / 1000;
    const dashboard = loadDashboard(join(ROOT, 'deploy/observability/dashboard.json'));
    const results = await evaluate(prom, dashboard, { start, end, step: SCRAPE_SECONDS });
    console.error(report(results));
    const failed = failures(results);
    if (failed.length > 0) throw new Error(`${failed.length} dashboard queries failed: ${failed.map((f) => f.expr).join(' | ')}`);
    const caption = 'Rendered by scripts/dashboard-shot.ts from the dashboard\u2019s queries, evaluated by Prometheus over a real mcpgw';
    const html = page(results, { title: dashboard.title, start, end, caption });
    const bytes = await screenshot(html, out, PAGE_WIDTH, pageHeight(results));
    console.error(`wrote ${out} (${bytes} bytes)`);
  } finally {
    await prom?.stop();
    await gw?.stop();
    await up.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`dashboard-shot: ${(err as Error).message}`);
    process.exit(1);
  },
);
