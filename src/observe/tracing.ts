import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_ERROR_TYPE, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { OperationStart, SpanHandle, TraceSink } from './observer.js';

/**
 * OpenTelemetry traces (SPEC section 12), loaded by observe/start.ts only when the standard
 * variables ask for them. A SERVER span per client request, a CLIENT span per call to an
 * upstream, named `{mcp.method.name} {target}` with the attributes of the OTel MCP semantic
 * conventions (gen-ai/mcp.md). The parent comes from the caller's `traceparent` (a malformed
 * one is ignored by the W3C propagator: the span starts a new trace); the span's own context
 * is what the next hop gets. No global provider is registered: mcpgw's spans are its own.
 */

export interface TracingOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly version: string;
  readonly warn: (message: string) => void;
}

const propagator = new W3CTraceContextPropagator();

export async function createTracing(options: TracingOptions): Promise<TraceSink> {
  const exporters = await exportersFor(options);
  const delay = Number(options.env.OTEL_BSP_SCHEDULE_DELAY);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.env.OTEL_SERVICE_NAME || 'mcpgw',
      [ATTR_SERVICE_VERSION]: options.version,
    }),
    spanProcessors: exporters.map(
      (e) => new BatchSpanProcessor(e, Number.isFinite(delay) && delay > 0 ? { scheduledDelayMillis: delay } : {}),
    ),
  });
  return new Tracing(provider.getTracer('mcpgw', options.version), provider);
}

/** OTEL_TRACES_EXPORTER (otlp, console; default otlp) and the OTLP protocol (http/protobuf, http/json). */
async function exportersFor(options: TracingOptions): Promise<SpanExporter[]> {
  const env = options.env;
  const names = (env.OTEL_TRACES_EXPORTER || 'otlp').split(',').map((s) => s.trim());
  const out: SpanExporter[] = [];
  for (const name of names) {
    if (name === 'console') out.push(new ConsoleSpanExporter());
    else if (name === 'otlp') out.push(await otlpExporter(options));
    else if (name !== 'none') options.warn(`tracing: OTEL_TRACES_EXPORTER "${name}" is not supported (otlp, console, none); ignored`);
  }
  return out;
}

async function otlpExporter({ env, warn }: TracingOptions): Promise<SpanExporter> {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || (base ? `${base}/v1/traces` : undefined);
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  const config = url ? { url } : {};
  if (protocol === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(config);
  if (protocol !== 'http/protobuf')
    warn(`tracing: OTLP protocol "${protocol}" is not supported (http/protobuf, http/json); using http/protobuf`);
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter(config);
}

class Tracing implements TraceSink {
  constructor(
    private readonly tracer: Tracer,
    private readonly provider: BasicTracerProvider,
  ) {}

  start(kind: 'server' | 'client', start: OperationStart): SpanHandle {
    const parent = start.traceparent
      ? propagator.extract(ROOT_CONTEXT, { traceparent: start.traceparent }, defaultTextMapGetter)
      : ROOT_CONTEXT;
    const span = this.tracer.startSpan(
      spanName(start),
      { kind: kind === 'server' ? SpanKind.SERVER : SpanKind.CLIENT, attributes: attributesOf(kind, start) },
      parent,
    );
    const carrier: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
    return new SpanEnd(span, carrier.traceparent!);
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}

class SpanEnd implements SpanHandle {
  constructor(
    private readonly span: Span,
    readonly traceparent: string,
  ) {}

  routed(server: string): void {
    this.span.setAttribute('mcpgw.server', server);
  }

  end(errorType: string): void {
    if (errorType) {
      this.span.setAttribute(ATTR_ERROR_TYPE, errorType);
      this.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.span.end();
  }
}

/** `{mcp.method.name} {target}`: the tool or prompt of a call, else the method alone. */
function spanName(start: OperationStart): string {
  const name = start.params?.name;
  return (start.method === 'tools/call' || start.method === 'prompts/get') && typeof name === 'string'
    ? `${start.method} ${name}`
    : start.method;
}

function attributesOf(kind: 'server' | 'client', start: OperationStart): Attributes {
  const a: Attributes = { 'mcp.method.name': start.method };
  const params = start.params;
  if (start.protocolVersion) a['mcp.protocol.version'] = start.protocolVersion;
  if (start.sessionId) a['mcp.session.id'] = start.sessionId;
  if (start.requestId !== undefined) a['jsonrpc.request.id'] = String(start.requestId);
  if (start.method === 'tools/call' && typeof params?.name === 'string') {
    a['gen_ai.tool.name'] = params.name;
    a['gen_ai.operation.name'] = 'execute_tool';
  }
  if (start.method === 'prompts/get' && typeof params?.name === 'string') a['gen_ai.prompt.name'] = params.name;
  if (typeof params?.uri === 'string' && start.method.startsWith('resources/')) a['mcp.resource.uri'] = params.uri;
  if (start.profile) a['mcpgw.profile'] = start.profile;
  if (start.server) a['mcpgw.server'] = start.server;
  if (kind === 'client') a['network.transport'] = start.transport === 'stdio' ? 'pipe' : 'tcp';
  else a['network.transport'] = 'tcp';
  return a;
}
