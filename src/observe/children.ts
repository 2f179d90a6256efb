import type { Histogram } from 'prom-client';

type Child = Histogram.Internal<string>;
type Level = Map<string, Level | Child>;

/**
 * A prom-client histogram's children (its public `labels(...values)`), kept by label values
 * (issue 17 item 4: metrics may cost at most 5% of a proxied call). `observe(labels, value)`
 * takes a labels object per call and makes a closure per call before prom-client hashes the
 * labels; in the gateway under load the two operation histograms' observes were about half
 * of what metrics on cost a call (bench/metrics-profiles.ts). A child is looked up through
 * nested Maps keyed by the values in the histogram's label order, so each value costs one
 * Map lookup. The values are capped before they get here (labels.ts), so the children are
 * bounded exactly as the series are. prom-client's child still writes through the
 * histogram's own series map, so `reset()` and `remove()` on it keep working.
 */
export class HistogramChildren {
  private readonly root: Level = new Map();

  constructor(
    private readonly histogram: Histogram<string>,
    private readonly arity: number,
  ) {}

  /** One observation; `values` in the histogram's label order. */
  observe(values: readonly string[], value: number): void {
    // A tuple of another length would put a child where an inner Map goes, or the reverse.
    if (values.length !== this.arity) throw new TypeError(`${values.length} label values for ${this.arity} label names`);
    let level = this.root;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      let next = level.get(values[i]) as Level | undefined;
      if (!next) level.set(values[i], (next = new Map()));
      level = next;
    }
    let child = level.get(values[last]) as Child | undefined;
    if (!child) level.set(values[last], (child = this.histogram.labels(...values)));
    child.observe(value);
  }
}
