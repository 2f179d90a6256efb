import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StatusJson } from '../api/status-json.js';
import { LabelCap, toolName } from './labels.js';
import {
  OAUTH_FAILURE_OUTCOMES,
  OAUTH_REFRESH_OUTCOMES,
  RELOAD_OUTCOMES,
  type MetricsSink,
  type OAuthFailureOutcome,
  type OAuthRefreshOutcome,
  type OperationStart,
  type ReloadOutcome,
} from './observer.js';

/**
 * GET /metrics (SPEC section 12) through prom-client, loaded by the daemon when it listens
 * with gateway.metrics.enabled. Names follow the OpenTelemetry MCP semantic conventions as
 * Prometheus spells them (`mcp.server.operation.duration` -> mcp_server_operation_duration_seconds);
 * mcpgw's own series start with mcpgw_. Label values are configured names (server, profile),
 * method names the gateway serves, registered codes, and tool names capped per server: never
 * a message, a user, a URI or a token.
 */

/** What the scrape reads of the daemon at scrape time. */
export interface MetricsSource {
  status(): StatusJson;
  /** The open 2025-era sessions. */
  sessions(): Iterable<{ readonly profile: string; readonly protocolVersion?: string }>;
  readonly warn: (message: string) => void;
}

/** The OTel MCP conventions' advice for operation durations, in seconds. */
const OPERATION_BUCKETS = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];
const SESSION_BUCKETS = [1, 10, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400];
const STATES = ['starting', 'ready', 'needs_auth', 'error', 'restarting', 'disabled'] as const;
const AUTH_STATES = ['authorized', 'needs_authorization', 'expired', 'error'] as const;
/** Distinct tool names per server before the rest count as `other`. */
export const MAX_TOOLS_PER_SERVER = 200;
/** Distinct error types (codes of upstreams' JSON-RPC errors are theirs to choose). */
const MAX_ERROR_TYPES = 100;
/** Methods a client may send that the gateway does not serve: counted as `other`. */
const MAX_METHODS = 50;

export class PromMetrics implements MetricsSink {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private snapshot?: StatusJson;
  /** The tool names clients call (the gateway's, maybe prefixed) and those sent to upstreams, capped apart. */
  private readonly tools: LabelCap;
  private readonly upstreamTools: LabelCap;
  private readonly errors: LabelCap;
  private readonly methods: LabelCap;
  private readonly server: Histogram;
  private readonly client: Histogram;
  private readonly session: Histogram;
  private readonly refreshes: Counter;
  private readonly failures: Counter;
  private readonly reloads: Counter;

  constructor(private readonly source: MetricsSource) {
    const registers = [this.registry];
    const warn = (what: string) => (key: string, max: number) =>
      source.warn(`metrics: more than ${max} distinct ${what}${key ? ` for server "${key}"` : ''}; the rest are counted as "other"`);
    [this.tools, this.upstreamTools] = toolCaps(warn('tool names'));
    this.errors = new LabelCap(MAX_ERROR_TYPES, warn('error types'));
    this.methods = new LabelCap(MAX_METHODS, warn('method names'));
    // The event-loop delay is sampled by a timer: prom-client's default of every 10 ms cost
    // an idle daemon about 4.5 ms of CPU per second, every 100 ms about 1.5 (20 s idle, /proc).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
    this.server = new Histogram({
      name: 'mcp_server_operation_duration_seconds',
      help: 'Client requests to the gateway (mcp.server.operation.duration): server is the upstream a call went to.',
      labelNames: ['mcp_method_name', 'gen_ai_tool_name', 'server', 'profile', 'error_type'],
      buckets: OPERATION_BUCKETS,
      registers,
    });
    this.client = new Histogram({
      name: 'mcp_client_operation_duration_seconds',
      help: "The gateway's requests to upstream servers (mcp.client.operation.duration).",
      labelNames: ['mcp_method_name', 'gen_ai_tool_name', 'server', 'error_type'],
      buckets: OPERATION_BUCKETS,
      registers,
    });
    this.session = new Histogram({
      name: 'mcp_server_session_duration_seconds',
      help: 'How long 2025-era client sessions lasted (mcp.server.session.duration).',
      labelNames: ['profile', 'mcp_protocol_version'],
      buckets: SESSION_BUCKETS,
      registers,
    });
    const oauth = () =>
      Object.entries(this.read().servers)
        .filter(([, s]) => s.auth.type === 'oauth')
        .map(([server]) => server);
    this.refreshes = outcomeCounter(
      this.registry,
      'mcpgw_oauth_refreshes_total',
      'OAuth access token refreshes',
      OAUTH_REFRESH_OUTCOMES,
      oauth,
    );
    this.failures = outcomeCounter(
      this.registry,
      'mcpgw_oauth_authorization_failures_total',
      'OAuth authorization failures',
      OAUTH_FAILURE_OUTCOMES,
      oauth,
    );
    this.reloads = outcomeCounter(this.registry, 'mcpgw_config_reloads_total', 'Config reloads', RELOAD_OUTCOMES);
    this.gauges();
    this.daemonGauges();
  }

  /** The daemon's state, read once per scrape. */
  private read(): StatusJson {
    return this.snapshot ?? this.source.status();
  }

  /** The exposition text; the daemon's state is read once per scrape. */
  async text(): Promise<string> {
    this.snapshot = this.source.status();
    try {
      return await this.registry.metrics();
    } finally {
      this.snapshot = undefined;
    }
  }

  serverOperation(start: OperationStart, server: string, errorType: string, seconds: number): void {
    const tool = server ? this.tools.value(server, toolName(start.method, start.params)) : '';
    this.server.observe(
      {
        mcp_method_name: this.methods.value('', start.method),
        gen_ai_tool_name: tool,
        server,
        profile: start.profile ?? '',
        error_type: this.errors.value('', errorType),
      },
      seconds,
    );
  }

  clientOperation(start: OperationStart, errorType: string, seconds: number): void {
    const server = start.server ?? '';
    this.client.observe(
      {
        mcp_method_name: this.methods.value('', start.method),
        gen_ai_tool_name: this.upstreamTools.value(server, toolName(start.method, start.params)),
        server,
        error_type: this.errors.value('', errorType),
      },
      seconds,
    );
  }

  sessionClosed(profile: string, protocolVersion: string, seconds: number): void {
    this.session.observe({ profile, mcp_protocol_version: protocolVersion }, seconds);
  }

  oauthRefresh(server: string, outcome: OAuthRefreshOutcome): void {
    this.refreshes.inc({ server, outcome });
  }

  oauthFailure(server: string, outcome: OAuthFailureOutcome): void {
    this.failures.inc({ server, outcome });
  }

  configReload(outcome: ReloadOutcome): void {
    this.reloads.inc({ outcome });
  }

  /** The series read from the daemon's state at scrape time: upstreams and their OAuth. */
  private gauges(): void {
    const registers = [this.registry];
    const read = () => this.read();
    new Gauge({
      name: 'mcpgw_upstream_state',
      help: 'The state of each upstream server: 1 for its current state, 0 for the others.',
      labelNames: ['server', 'state'],
      registers,
      collect() {
        this.reset();
        for (const [server, s] of Object.entries(read().servers))
          for (const state of STATES) this.set({ server, state }, s.state === state ? 1 : 0);
      },
    });
    new Gauge({
      name: 'mcpgw_upstream_restarts',
      help: 'Restarts of each upstream server since the daemon started.',
      labelNames: ['server'],
      registers,
      collect() {
        this.reset();
        for (const [server, s] of Object.entries(read().servers)) this.set({ server }, s.restarts);
      },
    });
    new Gauge({
      name: 'mcpgw_oauth_status',
      help: 'The OAuth state of each OAuth server: 1 for its current status, 0 for the others.',
      labelNames: ['server', 'status'],
      registers,
      collect() {
        this.reset();
        for (const [server, s] of Object.entries(read().servers)) {
          if (s.auth.type !== 'oauth') continue;
          for (const status of AUTH_STATES) this.set({ server, status }, s.auth.status === status ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'mcpgw_oauth_token_expiry_timestamp_seconds',
      help: "When each OAuth server's access token expires (Unix time); one series per server, never per user.",
      labelNames: ['server'],
      registers,
      collect() {
        this.reset();
        for (const [server, s] of Object.entries(read().servers)) {
          const at = s.auth.expiresAt ? Date.parse(s.auth.expiresAt) : NaN;
          if (Number.isFinite(at)) this.set({ server }, at / 1000);
        }
      },
    });
  }

  /** The daemon's own series: sessions, config, build. */
  private daemonGauges(): void {
    const registers = [this.registry];
    const read = () => this.read();
    const source = this.source;
    new Gauge({
      name: 'mcpgw_sessions_open',
      help: 'Open 2025-era client sessions, by profile and protocol revision.',
      labelNames: ['profile', 'mcp_protocol_version'],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, { profile: string; mcp_protocol_version: string; n: number }>();
        for (const s of source.sessions()) {
          const version = s.protocolVersion ?? 'unknown';
          const key = `${s.profile}\0${version}`;
          const entry = counts.get(key) ?? { profile: s.profile, mcp_protocol_version: version, n: 0 };
          entry.n++;
          counts.set(key, entry);
        }
        for (const { n, ...labels } of counts.values()) this.set(labels, n);
      },
    });
    new Gauge({
      name: 'mcpgw_config_generation',
      help: 'The generation of the config being served (counts the changes applied).',
      registers,
      collect() {
        this.set(read().config.generation);
      },
    });
    new Gauge({
      name: 'mcpgw_build_info',
      help: 'Always 1; the version of mcpgw as a label.',
      labelNames: ['version'],
      registers,
      collect() {
        this.reset();
        this.set({ version: read().version }, 1);
      },
    });
  }
}

/**
 * The caps of the tool names clients call and of those sent to upstreams, one warning per
 * server for both. One cap for both sides halved the tool names a server could have before
 * `other`: a tool is `fx__echo` to the client and `echo` to the upstream.
 */
function toolCaps(warn: (key: string, max: number) => void): [LabelCap, LabelCap] {
  const warned = new Set<string>();
  const once = (key: string, max: number) => {
    if (!warned.has(key)) warn(key, max);
    warned.add(key);
  };
  return [new LabelCap(MAX_TOOLS_PER_SERVER, once), new LabelCap(MAX_TOOLS_PER_SERVER, once)];
}

/**
 * A counter by outcome (and by server when `servers` is given) whose every series exists at 0
 * before its first event, for each server `servers` names at scrape time (so also the servers
 * a reload added): a series that appears at 1 is invisible to increase() and rate().
 */
function outcomeCounter(
  registry: Registry,
  name: string,
  what: string,
  outcomes: readonly string[],
  servers?: () => readonly string[],
): Counter {
  return new Counter({
    name,
    help: `${what}, by ${servers ? 'server and ' : ''}outcome (${outcomes.join(', ')}).`,
    labelNames: servers ? ['server', 'outcome'] : ['outcome'],
    registers: [registry],
    collect() {
      for (const outcome of outcomes)
        if (!servers) this.inc({ outcome }, 0);
        else for (const server of servers()) this.inc({ server, outcome }, 0);
    },
  });
}
