import type { MetricsSource, PromMetrics } from './metrics.js';
import type { TraceSink } from './observer.js';

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
