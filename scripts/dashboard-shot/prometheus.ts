// A real Prometheus (Debian's package) scraping one mcpgw, with the alert rules loaded, and
// its HTTP API: the dashboard's queries and the rules' health are read back through it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../bench/proc.js';

export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMETHEUS_SKIP: string | false = existsSync(PROMETHEUS)
  ? false
  : `${PROMETHEUS} is not installed (apt-get install prometheus)`;

export interface Series {
  readonly metric: Readonly<Record<string, string>>;
  /** [unix seconds, value], one pair for an instant query. */
  readonly values: ReadonlyArray<readonly [number, number]>;
}

export interface RunningPrometheus {
  readonly url: string;
  readonly scrapeSeconds: number;
  instant(expr: string, time?: number): Promise<Series[]>;
  range(expr: string, start: number, end: number, step: number): Promise<Series[]>;
  /** The rule groups as /api/v1/rules reports them: each rule's name, health and last error. */
  rules(): Promise<{ name: string; health: string; lastError?: string; state?: string }[]>;
  /** The scrape target's health and last error (/api/v1/targets). */
  targets(): Promise<{ health: string; lastError: string; scrapeUrl: string }[]>;
  log(): string;
  stop(): Promise<void>;
}

/** prometheus.yml: one job, the gateway's /metrics without a token (gateway.metrics.auth: false). */
export function prometheusConfig(target: string, scrapeSeconds: number, ruleFiles: string[]): string {
  return stringify({
    global: { scrape_interval: `${scrapeSeconds}s`, scrape_timeout: `${scrapeSeconds}s`, evaluation_interval: `${scrapeSeconds}s` },
    rule_files: ruleFiles,
    scrape_configs: [{ job_name: 'mcpgw', metrics_path: '/metrics', static_configs: [{ targets: [target] }] }],
  });
}

/** Starts Prometheus on a free 127.0.0.1 port with its data in a temporary folder; resolves when /-/ready says so. */
export async function startPrometheus(options: { target: string; scrapeSeconds: number; ruleFiles: string[] }): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-prometheus-'));
  const configPath = join(dir, 'prometheus.yml');
  writeFileSync(configPath, prometheusConfig(options.target, options.scrapeSeconds, options.ruleFiles));
  const port = await freePort();
  const logFile = join(dir, 'prometheus.log');
  const fd = openSync(logFile, 'a');
  const args = [`--config.file=${configPath}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`];
  const child = spawn(PROMETHEUS, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child);
  } catch (err) {
    const tail = log().split('\n').slice(-10).join('\n');
    await stop();
    throw new Error(`${(err as Error).message}\n--- prometheus log (tail) ---\n${tail}`);
  }
  return { url, scrapeSeconds: options.scrapeSeconds, ...api(url), log, stop };
}

async function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`prometheus was not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM (Prometheus flushes its head block), SIGKILL after 10 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data: T;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

/** A query that Prometheus refuses (a PromQL error) throws, naming the expression. */
async function get<T>(url: string, path: string, params: Record<string, string> = {}): Promise<T> {
  const response = await fetch(`${url}${path}?${new URLSearchParams(params)}`);
  const answer = (await response.json()) as ApiAnswer<T>;
  if (answer.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${answer.errorType}: ${answer.error}`);
  return answer.data;
}

type Sample = [number, string];
type Result = { resultType: string; result: { metric: Record<string, string>; value?: Sample; values?: Sample[] }[] };

function seriesOf(data: Result): Series[] {
  if (data.resultType === 'scalar') {
    const [t, v] = data.result as unknown as Sample;
    return [{ metric: {}, values: [[t, Number(v)]] }];
  }
  return data.result.map((r) => ({
    metric: r.metric,
    values: (r.values ?? (r.value ? [r.value] : [])).map(([t, v]) => [t, Number(v)] as const),
  }));
}

function api(url: string): Pick<RunningPrometheus, 'instant' | 'range' | 'rules' | 'targets'> {
  return {
    instant: async (query, time) => seriesOf(await get<Result>(url, '/api/v1/query', { query, ...(time ? { time: String(time) } : {}) })),
    range: async (query, start, end, step) =>
      seriesOf(await get<Result>(url, '/api/v1/query_range', { query, start: String(start), end: String(end), step: String(step) })),
    rules: async () => {
      const data = await get<{ groups: { rules: { name: string; health: string; lastError?: string; state?: string }[] }[] }>(
        url,
        '/api/v1/rules',
      );
      return data.groups.flatMap((g) => g.rules.map(({ name, health, lastError, state }) => ({ name, health, lastError, state })));
    },
    targets: async () =>
      (await get<{ activeTargets: { health: string; lastError: string; scrapeUrl: string }[] }>(url, '/api/v1/targets')).activeTargets.map(
        ({ health, lastError, scrapeUrl }) => ({ health, lastError, scrapeUrl }),
      ),
  };
}
