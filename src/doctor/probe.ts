import type { ServerSpec } from '../config/types.js';
import type { Logger } from '../log.js';
import type { Code } from '../errors/codes.js';
import { createUpstream } from '../upstream/connection.js';
import type { AuthProvider, Upstream, UpstreamLists } from '../upstream/types.js';
import { findCommand } from './command.js';
import type { DoctorContext } from './context.js';
import { explainTls, formatSeconds, probeHttp, type Challenge, type HttpAnswer } from './http-probe.js';
import { at, commandLine } from './where.js';
import type { CheckResult } from './types.js';

/**
 * The live check of one server: connect and initialize through the gateway's own Upstream
 * (the same transports, process groups and timeouts as `mcpgw run`), read its lists, stop it.
 * HTTP servers first get one plain request (http-probe.ts) that names network and HTTP
 * failures precisely. An OAuth server is connected with its stored access token only while
 * that token is valid: refreshing would write the token store, which doctor never does.
 */

export type Lists = Omit<UpstreamLists, 'hints'>;

export interface ProbeResult {
  /** The findings of the connect check. */
  readonly findings: readonly CheckResult[];
  /** Set when the server initialized and listed. */
  readonly lists?: Lists;
  /** An HTTP server answered at all (OAuth discovery can go on). */
  readonly reachable: boolean;
  /** The 401/403 challenge of an HTTP server. */
  readonly challenge?: Challenge;
}

/** A token within this margin of expiry is not used (the daemon would refresh it first). */
const TOKEN_MARGIN_MS = 60_000;

export function probeServer(ctx: DoctorContext, spec: ServerSpec): Promise<ProbeResult> {
  return ctx.probe(spec, () => (spec.transport.kind === 'stdio' ? probeStdio(ctx, spec) : probeRemote(ctx, spec)));
}

async function probeStdio(ctx: DoctorContext, spec: ServerSpec): Promise<ProbeResult> {
  // A missing command is the command check's finding; spawning it would only repeat it.
  if (spec.transport.kind !== 'stdio' || !findCommand(spec.transport, ctx.env).found) return { findings: [], reachable: false };
  const result = await connect(ctx, spec);
  if (result.ok) return { findings: [connected(spec, result)], lists: result.lists, reachable: true };
  return { findings: [stdioFailure(ctx, spec, result)], reachable: false };
}

async function probeRemote(ctx: DoctorContext, spec: ServerSpec): Promise<ProbeResult> {
  if (spec.transport.kind !== 'http') return { findings: [], reachable: false };
  const t = spec.transport;
  let auth: AuthProvider | undefined;
  let usingToken = false;
  if (spec.auth.type === 'apiKey') {
    const header = { [spec.auth.header]: spec.auth.value };
    auth = { headers: async () => header };
  } else if (spec.auth.type === 'oauth') {
    const tokens = await ctx.tokens(spec.name).catch(() => undefined);
    if (tokens && (tokens.expiresAt === undefined || tokens.expiresAt - TOKEN_MARGIN_MS > Date.now())) {
      const header = { authorization: `Bearer ${tokens.accessToken}` };
      auth = { headers: async () => header };
      usingToken = true;
    }
  }
  const answer = await probeHttp(t, auth ? await auth.headers() : {}, ctx.remaining());
  if (answer.kind === 'network') return { findings: [networkFailure(ctx, spec, answer)], reachable: false };
  const { status, challenge } = answer;
  if (status >= 200 && status < 300) {
    const result = await connect(ctx, spec, auth);
    if (result.ok) return { findings: [connected(spec, result)], lists: result.lists, reachable: true, challenge };
    return { findings: [initializeFailure(ctx, spec, result)], reachable: true, challenge };
  }
  const finding = statusFailure(ctx, spec, status, challenge, usingToken);
  return { findings: finding ? [finding] : [], reachable: true, challenge };
}

type Connected = { ok: true; lists: Lists; ms: number; protocol?: string };
type Failed = { ok: false; state: string; code: Code; message: string; stderr: readonly string[] };

/** Starts an Upstream, waits for it to leave `starting` within the budget, and stops it. */
async function connect(ctx: DoctorContext, spec: ServerSpec, auth?: AuthProvider): Promise<Connected | Failed> {
  const budget = ctx.remaining();
  const stderr: string[] = [];
  const upstream: Upstream = createUpstream({
    spec: { ...spec, connectTimeoutMs: Math.min(spec.connectTimeoutMs, budget) },
    log: quietLogger((line) => {
      stderr.push(line);
      if (stderr.length > 3) stderr.shift();
    }),
    version: ctx.options.version,
    auth,
  });
  ctx.defer(() => upstream.stop());
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const state = await new Promise<string>((resolve) => {
      const off = upstream.on((event) => {
        if (event.type === 'state' && event.state !== 'starting') {
          off();
          resolve(event.state);
        }
      });
      // The Upstream's own connect timeout ends this first; this only guards against a hang.
      timer = setTimeout(() => resolve('starting'), budget + 3000);
      upstream.start();
    });
    if (state === 'ready') {
      const { tools, prompts, resources, resourceTemplates } = upstream.lists;
      return {
        ok: true,
        lists: { tools, prompts, resources, resourceTemplates },
        ms: Date.now() - started,
        protocol: upstream.protocolVersion,
      };
    }
    const failure = upstream.lastError ?? {
      code: state === 'starting' ? ('MCPGW_E_SERVER_TIMEOUT' as const) : ('MCPGW_E_UPSTREAM_INITIALIZE' as const),
      message: state === 'starting' ? `did not finish initializing within ${formatSeconds(budget)}` : state,
    };
    return { ok: false, state, code: failure.code, message: failure.message, stderr: [...stderr] };
  } finally {
    clearTimeout(timer);
    await upstream.stop();
  }
}

function connected(spec: ServerSpec, r: Connected): CheckResult {
  const l = r.lists;
  const counts = [
    `${l.tools.length} tool${l.tools.length === 1 ? '' : 's'}`,
    `${l.prompts.length} prompt${l.prompts.length === 1 ? '' : 's'}`,
    `${l.resources.length} resource${l.resources.length === 1 ? '' : 's'}`,
  ];
  const how = spec.transport.kind === 'stdio' ? 'started and initialized' : 'connected and initialized';
  return {
    code: 'MCPGW_I_UPSTREAM_OK',
    severity: 'info',
    message: `${how} in ${formatSeconds(Math.max(100, Math.round(r.ms / 100) * 100))}${r.protocol ? `, speaking MCP ${r.protocol}` : ''}: ${counts.join(', ')}`,
  };
}

function stdioFailure(ctx: DoctorContext, spec: ServerSpec, r: Failed): CheckResult {
  const code = r.code;
  const where = at(ctx, spec.name, 'command');
  const run = commandLine(ctx, spec);
  const seconds = formatSeconds(Math.min(spec.connectTimeoutMs, ctx.timeoutMs));
  switch (code) {
    case 'MCPGW_E_UPSTREAM_EXITED':
      return {
        code,
        severity: 'error',
        message: r.message.replace(/^the process/, 'the server'),
        hint: `run it by hand to see the whole error: ${run}`,
        ...where,
      };
    case 'MCPGW_E_SERVER_TIMEOUT': {
      const said = r.stderr.at(-1);
      return {
        code,
        severity: 'error',
        message: `started, but did not answer initialize within ${seconds}${said ? ` (its last stderr line: ${said})` : ''}`,
        hint: `check that it speaks MCP on stdout (logs go to stderr) by running: ${run}; if its first start downloads packages (npx -y), run doctor again or pass --timeout 60`,
        ...where,
      };
    }
    case 'MCPGW_E_UPSTREAM_COMMAND':
      return { code, severity: 'error', message: r.message, hint: `install it, or change servers.${spec.name}.command`, ...where };
    default:
      return initializeFailure(ctx, spec, r);
  }
}

function initializeFailure(ctx: DoctorContext, spec: ServerSpec, r: Failed): CheckResult {
  const stdio = spec.transport.kind === 'stdio';
  const message = r.message;
  if (!stdio && r.code === 'MCPGW_E_SERVER_TIMEOUT') {
    return {
      code: 'MCPGW_E_SERVER_TIMEOUT',
      severity: 'error',
      message: `the server accepted the connection but did not complete initialize within ${formatSeconds(Math.min(spec.connectTimeoutMs, ctx.timeoutMs))}`,
      hint: `check the server's health; if it is just slow, raise servers.${spec.name}.timeouts.connect (and doctor's --timeout)`,
      ...at(ctx, spec.name, 'url'),
    };
  }
  return {
    code: 'MCPGW_E_UPSTREAM_INITIALIZE',
    severity: 'error',
    message: `the MCP handshake failed: ${message.replace(/^initialize failed: /, '')}`,
    hint: stdio
      ? `check that the command is an MCP server speaking stdio: ${commandLine(ctx, spec)}`
      : `check that servers.${spec.name}.url is the MCP endpoint and transport (${spec.transport.kind === 'http' ? spec.transport.transport : ''}) is what the server speaks`,
    ...at(ctx, spec.name, stdio ? 'command' : 'url'),
  };
}

function networkFailure(ctx: DoctorContext, spec: ServerSpec, a: Extract<HttpAnswer, { kind: 'network' }>): CheckResult {
  const url = spec.transport.kind === 'http' ? new URL(spec.transport.url) : undefined;
  const where = at(ctx, spec.name, 'url');
  const hostPort = url ? `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}` : '';
  switch (a.reason) {
    case 'refused':
      return {
        code: 'MCPGW_E_UPSTREAM_REFUSED',
        severity: 'error',
        message: `connection refused at ${hostPort}: nothing listens there`,
        hint: `start the server, or fix the host and port in servers.${spec.name}.url`,
        ...where,
      };
    case 'dns':
      return {
        code: 'MCPGW_E_UPSTREAM_DNS',
        severity: 'error',
        message: `the host ${url?.hostname} was not found (DNS)`,
        hint: `check the host name in servers.${spec.name}.url, and this machine's DNS`,
        ...where,
      };
    case 'tls': {
      const tls = explainTls(a.detail);
      return {
        code: 'MCPGW_E_UPSTREAM_TLS',
        severity: 'error',
        message: `TLS failed with ${hostPort}: ${tls.what} (${a.detail})`,
        hint: tls.fix,
        ...where,
      };
    }
    case 'timeout':
      return {
        code: 'MCPGW_E_UPSTREAM_UNREACHABLE',
        severity: 'error',
        message: `${hostPort} did not answer: ${a.detail}`,
        hint: `check that the server runs and that no firewall or proxy is in the way (proxies are not supported yet); servers.${spec.name}.url`,
        ...where,
      };
    default:
      return {
        code: 'MCPGW_E_UPSTREAM_UNREACHABLE',
        severity: 'error',
        message: `cannot reach ${hostPort}: ${a.detail}`,
        hint: `check servers.${spec.name}.url and the network`,
        ...where,
      };
  }
}

/** A 401 or 403: what the configured auth (OAuth, an API key, none) makes of it. */
function authFailure(
  ctx: DoctorContext,
  spec: ServerSpec,
  status: number,
  challenge: Challenge | undefined,
  usingToken: boolean,
): CheckResult {
  const url = at(ctx, spec.name, 'url');
  if (spec.auth.type === 'oauth') {
    // Without a token a 401 is the expected answer: the token check says what to do.
    if (!usingToken)
      return { code: 'MCPGW_I_UPSTREAM_OK', severity: 'info', message: `reachable; it answers HTTP ${status} until authorized` };
    const scope = challenge?.error === 'insufficient_scope';
    return {
      code: 'MCPGW_E_OAUTH_TOKEN_REJECTED',
      severity: 'error',
      message: scope
        ? `the server wants more scopes than the stored token has (HTTP 403 insufficient_scope${challenge?.scope ? `: ${challenge.scope}` : ''})`
        : `the server refused the stored access token (HTTP ${status}): it was revoked or is for another resource`,
      hint: `authorize again: mcpgw auth login ${spec.name}${scope ? ` (or set servers.${spec.name}.auth.scopes)` : ''}`,
      ...url,
    };
  }
  if (spec.auth.type === 'apiKey') {
    const raw = ctx.raw(['servers', spec.name, 'auth', 'value']);
    const shown = typeof raw === 'string' && raw.includes('$<') ? ` (${raw})` : '';
    return {
      code: 'MCPGW_E_UPSTREAM_API_KEY',
      severity: 'error',
      message: `the server rejected the API key sent in ${spec.auth.header} (HTTP ${status})`,
      hint: `check the key's value${shown} and that it is still valid; if the server wants another header or a "Bearer " prefix, change servers.${spec.name}.auth`,
      ...at(ctx, spec.name, 'auth', 'value'),
    };
  }
  const oauth = challenge?.resourceMetadataUrl !== undefined || challenge?.scheme.toLowerCase() === 'bearer';
  return {
    code: 'MCPGW_E_UPSTREAM_AUTH_REQUIRED',
    severity: 'error',
    message: `the server requires authentication (HTTP ${status})${oauth ? ' and offers OAuth' : ''}, and none is configured`,
    hint: oauth
      ? `add auth: { type: oauth } to servers.${spec.name}, then run: mcpgw auth login ${spec.name}`
      : `add auth: { type: apiKey, header: ..., value: "$<env:NAME>" } to servers.${spec.name}`,
    ...at(ctx, spec.name),
  };
}

function statusFailure(
  ctx: DoctorContext,
  spec: ServerSpec,
  status: number,
  challenge: Challenge | undefined,
  usingToken: boolean,
): CheckResult | undefined {
  if (status === 401 || status === 403) return authFailure(ctx, spec, status, challenge, usingToken);
  const url = at(ctx, spec.name, 'url');
  if (status === 404 || status === 405) {
    const legacy = status === 405 && spec.transport.kind === 'http' && spec.transport.transport !== 'sse';
    return {
      code: 'MCPGW_E_UPSTREAM_NOT_FOUND',
      severity: 'error',
      message: `no MCP endpoint at this URL (HTTP ${status})`,
      hint: legacy
        ? `check the path of servers.${spec.name}.url; a legacy server may need transport: sse`
        : `check the path of servers.${spec.name}.url (often /mcp)`,
      ...url,
    };
  }
  if (status >= 500) {
    return {
      code: 'MCPGW_E_UPSTREAM_SERVER_ERROR',
      severity: 'error',
      message: `the server failed with HTTP ${status}`,
      hint: "a problem on the server's side: check its logs or status page, and try again later",
      ...url,
    };
  }
  return {
    code: 'MCPGW_E_UPSTREAM_HTTP_STATUS',
    severity: 'error',
    message: `unexpected answer to initialize: HTTP ${status}`,
    hint: `check that servers.${spec.name}.url is an MCP endpoint and its transport (${spec.transport.kind === 'http' ? spec.transport.transport : ''}) is right`,
    ...url,
  };
}

/** A logger that keeps only what the server wrote on stderr (the explanation of a crash). */
function quietLogger(onStderr: (line: string) => void): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: (message, fields) => {
      if (fields?.stream === 'stderr') onStderr(message);
    },
    warn: () => undefined,
    error: () => undefined,
    child: () => logger,
  };
  return logger;
}
