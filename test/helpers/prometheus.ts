import { createRequire } from 'node:module';

/**
 * /metrics read back through a Prometheus text-format parser (parse-prometheus-text-format),
 * not our own regexps: what a scraper would see.
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
  readonly sum?: string;
}

const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Map<string, Family>> {
  const res = await fetch(`${url}/metrics`, { headers });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${await res.text()}`);
  return new Map(parse(await res.text()).map((f) => [f.name, f]));
}

/** The samples of `name` whose labels include `labels`. */
export function samples(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): Sample[] {
  const family = families.get(name);
  if (!family) return [];
  return family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

/** The one value (counter, gauge) or count (histogram) of `name` with `labels`, 0 when absent. */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  return samples(families, name, labels).reduce((sum, m) => sum + Number(m.count ?? m.value ?? 0), 0);
}
