import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * /metrics read back through a Prometheus text-format parser (parse-prometheus-text-format),
 * not our own regexps: what a scraper would see. That parser folds every series of a
 * histogram into one and drops their labels, so the text is parsed twice: as served (it must
 * parse, and gives each family's type), and each histogram's `_bucket` and `_count` series
 * alone as gauges, which keep their labels; histogram samples are rebuilt from those.
 */
export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  readonly metrics: ReadonlyArray<Sample>;
}

export interface Sample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value?: string;
  readonly buckets?: Readonly<Record<string, string>>;
  readonly count?: string;
}

const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Map<string, Family>> {
  const res = await fetch(`${url}/metrics`, { headers });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${await res.text()}`);
  return parseExposition(await res.text());
}

export function parseExposition(text: string): Map<string, Family> {
  const typed = parse(text);
  const histograms = new Set(typed.filter((f) => f.type === 'HISTOGRAM').map((f) => f.name));
  const untyped = new Map(parse(seriesOf(text, histograms)).map((f) => [f.name, f]));
  const out = new Map<string, Family>();
  for (const family of typed) {
    if (!histograms.has(family.name)) out.set(family.name, family);
    else out.set(family.name, { ...family, metrics: histogramSamples(untyped, family.name) });
  }
  return out;
}

/** Each histogram's `_bucket` and `_count` series as gauge families of their own. */
function seriesOf(text: string, histograms: Set<string>): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (const name of histograms)
    for (const suffix of ['_bucket', '_count']) {
      out.push(`# HELP ${name}${suffix} -`, `# TYPE ${name}${suffix} gauge`);
      out.push(...lines.filter((l) => l.startsWith(`${name}${suffix}{`) || l.startsWith(`${name}${suffix} `)));
    }
  return `${out.join('\n')}\n`;
}

function histogramSamples(untyped: Map<string, Family>, name: string): Sample[] {
  const key = (labels: Readonly<Record<string, string>> = {}) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([k]) => k !== 'le')
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  const buckets = new Map<string, Record<string, string>>();
  for (const b of untyped.get(`${name}_bucket`)?.metrics ?? []) {
    const k = key(b.labels);
    buckets.set(k, { ...buckets.get(k), [b.labels!.le!]: b.value! });
  }
  return (untyped.get(`${name}_count`)?.metrics ?? []).map((c) => ({
    labels: c.labels ?? {},
    count: c.value,
    buckets: buckets.get(key(c.labels)) ?? {},
  }));
}

/** The samples of `name` whose labels include `labels`. */
export function samples(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): Sample[] {
  const family = families.get(name);
  if (!family) return [];
  return family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => (m.labels?.[k] ?? '') === v));
}

/** The one value (counter, gauge) or count (histogram) of `name` with `labels`, 0 when absent. */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  return samples(families, name, labels).reduce((sum, m) => sum + Number(m.count ?? m.value ?? 0), 0);
}

/** Prometheus' own checker of the text format (Debian package `prometheus`). */
export const PROMTOOL = '/usr/bin/promtool';
export const PROMTOOL_SKIP: string | false = existsSync(PROMTOOL) ? false : `${PROMTOOL} is not installed (apt-get install prometheus)`;

/**
 * `promtool check metrics` on an exposition text: `parsed` is false when Prometheus' parser
 * refuses it (exit 1); `lint` lists its findings on names and help (exit 3), one a line as
 * `<metric> <problem>`.
 */
export function promtoolCheck(text: string): { parsed: boolean; lint: string[]; output: string } {
  const run = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  if (run.error) throw run.error;
  const output = `${run.stdout}${run.stderr}`.trim();
  const lint = run.status === 3 ? output.split('\n').filter((l) => l.trim() !== '') : [];
  return { parsed: run.status === 0 || run.status === 3, lint, output };
}
