import type { MetricsSource, PromMetrics } from './metrics.js';
import type { MetricsSink, TraceSink } from './observer.js';

/**
 * Loading what the observer's sinks need, only when wanted: prom-client when the daemon
 * listens with gateway.metrics.enabled, the OpenTelemetry SDK and exporter only when the
 * standard variables ask for traces. Nothing here imports them statically, so a daemon
 * without OTEL_* variables never loads an OpenTelemetry SDK module (a test checks it).
 */

type Env = Readonly<Record<string, string | undefined>>;

/** OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT or OTEL_TRACES_EXPORTER set, and not turned off. */
export function tracingWanted(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  const exporters = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporters === 'none') return false;
  return Boolean(exporters || env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export async function loadTracing(env: Env, version: string, warn: (message: string) => void): Promise<TraceSink | undefined> {
  if (!tracingWanted(env)) return undefined;
  const { createTracing } = await import('./tracing.js');
  return createTracing({ env, version, warn });
}

export async function loadMetrics(source: MetricsSource): Promise<PromMetrics> {
  const { PromMetrics } = await import('./metrics.js');
  return new PromMetrics(source);
}

/** Events held before prom-client has loaded; past this many, it is loaded at once. */
export const HOLD_MAX = 1000;
/** The longest prom-client waits for the daemon to settle. */
const WAIT_MS = 5000;

type Held = (sink: MetricsSink) => void;

/**
 * The metrics sink from the first moment, with prom-client loaded later (issue 18 item 2):
 * loading it, @opentelemetry/api and the default collectors takes about 100 ms of CPU, which
 * the daemon would otherwise spend while its stdio servers start, competing with them for
 * the cores. Until `load()` has run, every event is held and then replayed in order, so no
 * series misses one; a scrape loads it at once and waits for it.
 */
export class DeferredMetrics implements MetricsSink {
  private metrics?: PromMetrics;
  private loading?: Promise<PromMetrics>;
  private readonly held: Held[] = [];

  /** `loaded`: called once, after the replay, with the real sink (the observer then uses it directly). */
  constructor(
    private readonly source: MetricsSource,
    private readonly loaded: (metrics: PromMetrics) => void = () => {},
  ) {}

  /** Loads prom-client (once) and replays what was held. */
  load(): Promise<PromMetrics> {
    this.loading ??= loadMetrics(this.source).then(
      (metrics) => {
        for (const event of this.held.splice(0)) event(metrics);
        this.metrics = metrics;
        this.loaded(metrics);
        return metrics;
      },
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    return this.loading;
  }

  /**
   * Loads once `settled()` (polled every 50 ms; the daemon: no server is starting any more),
   * or WAIT_MS from now at the latest. A failure is a warning: a scrape tries again.
   */
  async loadWhen(settled: () => boolean): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!this.loading && !settled() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await this.load().catch((err: Error) => this.source.warn(`metrics: prom-client did not load: ${err.message}`));
  }

  /** The exposition text, once prom-client has loaded. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    const metrics = await this.load();
    return { contentType: metrics.contentType, text: await metrics.text() };
  }

  private record(event: Held): void {
    if (this.metrics) return event(this.metrics);
    this.held.push(event);
    if (this.held.length === HOLD_MAX) void this.loadWhen(() => true);
  }

  serverOperation(...args: Parameters<MetricsSink['serverOperation']>): void {
    this.record((m) => m.serverOperation(...args));
  }

  clientOperation(...args: Parameters<MetricsSink['clientOperation']>): void {
    this.record((m) => m.clientOperation(...args));
  }

  sessionClosed(...args: Parameters<MetricsSink['sessionClosed']>): void {
    this.record((m) => m.sessionClosed(...args));
  }

  oauthRefresh(...args: Parameters<MetricsSink['oauthRefresh']>): void {
    this.record((m) => m.oauthRefresh(...args));
  }

  oauthFailure(...args: Parameters<MetricsSink['oauthFailure']>): void {
    this.record((m) => m.oauthFailure(...args));
  }

  configReload(...args: Parameters<MetricsSink['configReload']>): void {
    this.record((m) => m.configReload(...args));
  }
}
