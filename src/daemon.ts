import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, requireModel, type LoadResult } from './config/load.js';
import { ConfigWatcher, signatures } from './config/watch.js';
import type { AuditSpec, ConfigModel, ProfileSpec, ServerSpec } from './config/types.js';
import { McpgwError } from './errors/error.js';
import { renderFindingText } from './errors/render.js';
import { describeChanges } from './gateway/diff.js';
import { Keyring } from './gateway/keys.js';
import { ModernServer } from './gateway/modern.js';
import { StateSealer } from './gateway/seal.js';
import { SessionIds } from './gateway/session-id.js';
import { Gateway, type GatewayOptions } from './gateway/runtime.js';
import type { ConfigStatus, StatusJson } from './api/status-json.js';
import { buildStatus, configError } from './gateway/status.js';
import { replaceAuditLog, type AuditLog } from './audit/audit-log.js';
import { identify } from './http/guard.js';
import { mayUse } from './identity/access.js';
import { inboundAuth, isAdmin } from './identity/tokens.js';
import type { Identity } from './identity/types.js';
import { createListener } from './http/listener.js';
import type { McpEndpoint, McpEndpointOptions } from './http/mcp.js';
import { configureLog, createLogger, setLogSecrets, type Logger } from './log.js';
import type { OAuthService } from './auth/oauth-service.js';
import { Observer } from './observe/observer.js';
import { DeferredMetrics, loadTracing } from './observe/start.js';
import { apiKeyProvider } from './upstream/api-key.js';
import type { AuthProvider, AuthStatus } from './upstream/types.js';

export interface DaemonOptions {
  readonly configPath: string;
  readonly version: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Override gateway.listen's port (tests use 0 for a free port). */
  readonly port?: number;
  /** Watch the config for changes (default true); polling for mounts without events. */
  readonly watch?: boolean | 'poll';
  readonly debounceMs?: number;
  /** The MCP endpoint's SSE keep-alive and JSON hold times (tests shorten them). */
  readonly mcp?: McpEndpointOptions;
  /** What `mcpgw run` read and spawned before it loaded this module: the config, its stdio servers (cli/run.ts). */
  readonly preloaded?: { result: LoadResult; signatures: ReturnType<typeof signatures>; early: GatewayOptions['early'] };
}

/**
 * The running daemon: config, gateway runtime and the HTTP listener, and the reload path
 * that keeps the last good config serving when a new one is broken (SPEC section 5).
 */
export class Daemon {
  readonly log: Logger;
  readonly gateway: Gateway;
  readonly observer = new Observer();
  private metrics?: DeferredMetrics;
  private readonly modern: ModernServer;
  private http?: HttpServer;
  mcpEndpoint?: McpEndpoint; // public for test/integration/session-release.test.ts
  private model!: ConfigModel;
  private configStatus!: ConfigStatus;
  private reloading: Promise<void> = Promise.resolve();
  private lastRejected?: string;
  private watcher?: ConfigWatcher;
  private oauth?: OAuthService;
  private auditLog?: AuditLog;
  private closing?: Promise<void>;
  /** gateway.sessionKey's subkeys: session ids and requestState open on every replica that has it. */
  private keys?: Keyring;
  private readonly sessionIds = new SessionIds(
    () => this.keys!,
    () => this.model.gateway.sessionMaxAgeMs,
  );

  private constructor(private readonly options: DaemonOptions) {
    this.log = createLogger('mcpgw');
    const authFor = (spec: ServerSpec, identity?: string) => this.authFor(spec, identity);
    const early = options.preloaded?.early;
    this.gateway = new Gateway({ version: options.version, log: this.log, authFor, observer: this.observer, early });
    this.modern = new ModernServer(this.gateway, options.version, new StateSealer(() => this.keys!));
  }

  /** Loads the config (MCPGW_E_CONFIG_INVALID with its findings when invalid), starts upstreams and listens. */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const result = options.preloaded?.result ?? loadConfig(options.configPath, { env: options.env });
    const loaded = options.preloaded?.signatures ?? signatures(result.files);
    const model = requireModel(result, 'invalid, not starting');
    const daemon = new Daemon(options);
    for (const warning of result.findings) daemon.log.warn(renderFindingText(warning).replace('\n', ' '));
    daemon.accept(model, 1);
    await daemon.observe(model);
    await daemon.syncOAuth(model);
    await daemon.gateway.apply(model);
    await daemon.listen().catch(async (err: unknown) => {
      await daemon.gateway.close();
      throw err;
    });
    if (options.watch !== false) {
      daemon.watcher = new ConfigWatcher((reason) => void daemon.reload(reason), {
        polling: options.watch === 'poll',
        debounceMs: options.debounceMs,
        onError: (err) => daemon.log.warn(`watching the config failed: ${err.message}`),
      });
      await daemon.watcher.setFiles(result.files, loaded);
    }
    void daemon.metrics?.loadWhen(() => daemon.gateway.waiting().length === 0 || daemon.closing !== undefined);
    return daemon;
  }

  get url(): string {
    const address = this.http?.address() as AddressInfo | null;
    const host = this.model.gateway.listen.host;
    const shown = host.includes(':') ? `[${host}]` : host;
    return `http://${shown}:${address?.port ?? this.model.gateway.listen.port}`;
  }

  /** The base URL a browser uses (gateway.publicUrl as the daemon started with it). */
  get publicUrl(): string {
    return this.model.gateway.publicUrl;
  }

  get port(): number {
    return (this.http?.address() as AddressInfo | null)?.port ?? this.model.gateway.listen.port;
  }

  /**
   * /status. `forCaller`: a caller who proved their identity (GET /status, the status page): its
   * links may carry a ticket for it, perUser servers show its own state; else plain links (banner).
   */
  status(forCaller?: Identity): StatusJson {
    const visible = forCaller ? (profile: ProfileSpec) => mayUse(profile, forCaller) : () => true;
    const auth = (name: string) => this.authStatus(name, forCaller);
    const status = buildStatus(this.gateway, this.configStatus, auth, visible, forCaller?.name);
    const store = this.oauth?.storeState();
    return store ? { ...status, store } : status;
  }

  /** A server's authorization as `forCaller` uses it; admins see every identity's (SPEC section 10). */
  private authStatus(name: string, forCaller: Identity | undefined): AuthStatus | undefined {
    const spec = this.model.servers.find((s) => s.name === name);
    if (spec?.auth.type === 'apiKey') return { type: 'apiKey', status: 'authorized' };
    if (spec?.auth.type !== 'oauth') return undefined;
    const everyone = forCaller !== undefined && isAdmin(this.model.gateway, forCaller.name);
    return this.oauth?.status(name, forCaller?.name, everyone) ?? { type: 'oauth', status: 'needs_authorization' };
  }

  /** Metrics and traces (SPEC section 12), each loaded only when wanted; prom-client once the servers have started (observe/start.ts). */
  private async observe(model: ConfigModel): Promise<void> {
    const warn = (message: string) => this.log.warn(message);
    const source = { status: () => this.status(), sessions: () => this.gateway.sessions.all(), warn };
    if (model.gateway.metrics.enabled) this.metrics = new DeferredMetrics(source, (m) => (this.observer.metrics = m));
    this.observer.metrics = this.metrics;
    this.observer.tracer = await loadTracing(this.options.env ?? process.env, this.options.version, warn);
  }

  /** The OAuth service exists once an OAuth server is configured; it owns the token store. */
  private async syncOAuth(model: ConfigModel): Promise<void> {
    const wanted = model.servers.some((s) => s.enabled && s.auth.type === 'oauth');
    if (!wanted && !this.oauth) return;
    // Loaded only for a config with an OAuth server: README.md, Architecture, "Loading on demand".
    const { OAuthService } = await import('./auth/oauth-service.js');
    this.oauth ??= new OAuthService({
      dataDir: model.gateway.dataDir,
      store: model.gateway.store,
      publicUrl: model.gateway.publicUrl,
      clientMetadataUrl: model.gateway.clientMetadataUrl,
      env: this.options.env ?? process.env,
      log: this.log.child('oauth'),
      onAuthorized: (server, identity) => this.gateway.retryServer(server, identity),
      observer: this.observer,
      // Live: bearerTokens, users, admin flags and sessionKey (links any replica opens) apply on reload.
      identityRequired: () => inboundAuth(this.model.gateway),
      isAdmin: (identity) => isAdmin(this.model.gateway, identity),
      linkKeys: () => this.keys!.macKeys('link'),
      audit: (event) => this.gateway.audit?.(event),
    });
    // publicUrl (the redirect URI) needs a restart, like listen: only the metadata URL follows reloads.
    await this.oauth.setServers(model.servers, { clientMetadataUrl: model.gateway.clientMetadataUrl });
  }

  private accept(model: ConfigModel, generation: number): void {
    this.model = model;
    this.keys = Keyring.update(this.keys, model.gateway.sessionKey, model.gateway.previousSessionKeys);
    this.syncAudit(model.gateway.audit);
    configureLog({ level: model.gateway.logLevel });
    setLogSecrets(model.secrets);
    const restartNeeded = this.configStatus?.restartNeeded ?? false;
    this.configStatus = {
      path: model.file,
      generation,
      loadedAt: new Date().toISOString(),
      restartNeeded,
      lastError: null,
    };
  }

  private syncAudit(spec: AuditSpec): void {
    const auditLog = (this.auditLog = replaceAuditLog(this.auditLog, spec, this.log.child('audit')));
    this.gateway.audit = auditLog ? (event) => auditLog.record(event) : undefined;
  }

  private authFor(spec: ServerSpec, identity?: string): AuthProvider | undefined {
    if (spec.auth.type === 'apiKey') return apiKeyProvider(spec.auth);
    return spec.auth.type === 'oauth' ? this.oauth?.providerFor(spec.name, identity) : undefined;
  }

  private mayUse(profile: string, identity: Identity): boolean {
    const spec = this.model.profiles.find((p) => p.name === profile);
    return spec !== undefined && mayUse(spec, identity);
  }

  private visibleProfiles(identity?: Identity): string[] {
    return this.gateway.profileNames().filter((p) => !identity || this.mayUse(p, identity));
  }

  private async listen(): Promise<void> {
    const { listener, mcp } = createListener(
      {
        hasProfile: (name) => this.gateway.hasProfile(name),
        profileNames: (identity) => this.visibleProfiles(identity),
        mayUse: (profile, identity) => this.mayUse(profile, identity),
        openSession: (profile, identity) => this.gateway.openSession(profile, identity),
        audit: (event) => this.gateway.audit?.(event),
        sessionStarted: (session) => this.gateway.sessionStarted(session),
        admitSession: (profile) => this.gateway.admitSession(profile),
        sessionIds: this.sessionIds,
        modern: {
          server: this.modern,
          log: this.log.child('http'),
          tools: (profile, identity) => this.gateway.statelessScope(profile, identity).catalog().tools,
        },
        settings: () => this.model.gateway,
        status: (identity) => this.status(identity),
        metrics: () => this.metrics?.exposition(),
        // The store counts only while not one token can be served (SPEC section 11).
        waiting: () => [...this.gateway.waiting(), ...(this.oauth?.storeBlocksReadiness() ? ['store'] : [])],
        extraRoutes: async (app) => {
          const { registerOAuthRoutes } = await import('./http/oauth-routes.js');
          registerOAuthRoutes(app, () => this.oauth, this.log.child('http'));
        },
      },
      this.log.child('http'),
      this.options.mcp,
    );
    this.mcpEndpoint = mcp;
    const server = createServer(listener);
    // Streams (SSE) stay open for long; idle keep-alive sockets need not.
    server.keepAliveTimeout = 5000;
    const { host, port } = this.model.gateway.listen;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        const why =
          err.code === 'EADDRINUSE'
            ? `port ${port} is already in use`
            : err.code === 'EADDRNOTAVAIL'
              ? `address ${host} is not on this machine`
              : err.message;
        reject(
          new McpgwError('MCPGW_E_LISTEN', `cannot listen on ${host}:${port}: ${why}`, {
            hint:
              err.code === 'EADDRINUSE'
                ? 'stop the other process (is mcpgw already running?) or change gateway.listen'
                : 'change gateway.listen',
          }),
        );
      });
      server.listen(this.options.port ?? port, host, () => resolve());
    });
    this.http = server;
    this.log.info(`listening on ${this.url}`, { profiles: this.gateway.profileNames().join(',') });
  }

  /**
   * Re-reads the config and applies it. A broken file changes nothing: the error is logged
   * once and shown in /status until the next good save. Reloads run one at a time.
   */
  reload(reason: string): Promise<void> {
    this.reloading = this.reloading
      .then(() => this.reloadNow(reason))
      .catch((err) => {
        this.observer.configReload('failed');
        this.log.error(`reload failed: ${(err as Error).message}`);
      });
    return this.reloading;
  }

  private async reloadNow(reason: string): Promise<void> {
    if (this.closing) return;
    const result = loadConfig(this.options.configPath, { env: this.options.env });
    await this.watcher?.setFiles(result.files, signatures(result.files));
    if (!result.model) {
      const first = result.findings.find((f) => f.severity === 'error')!;
      const key = `${first.message}|${first.line}|${first.column}`;
      if (this.lastRejected !== key) {
        this.lastRejected = key;
        this.log.error(
          `config rejected (${reason}), still serving generation ${this.configStatus.generation}: ${renderFindingText(first).replace('\n', ' ')}${result.findings.length > 1 ? ` (+${result.findings.length - 1} more)` : ''}`,
        );
      }
      this.configStatus = { ...this.configStatus, lastError: configError(first) };
      return this.observer.configReload('rejected');
    }
    this.lastRejected = undefined;
    if (result.model.digest === this.model.digest) {
      this.configStatus = { ...this.configStatus, loadedAt: new Date().toISOString(), lastError: null };
      return this.observer.configReload('unchanged');
    }
    await this.syncOAuth(result.model);
    const summary = await this.gateway.apply(result.model);
    const restartNeeded = this.configStatus.restartNeeded || summary.restartNeeded.length > 0;
    this.accept(result.model, this.configStatus.generation + (summary.changed ? 1 : 0));
    this.configStatus = { ...this.configStatus, restartNeeded };
    const gw = result.model.gateway;
    // OIDC sessions are checked on each request (the token expires, the identity stays); a
    // static credential removed by the reload closes its sessions, and so does lost access.
    await this.mcpEndpoint?.revalidate(
      (authorization, identity, profile) =>
        (identity.via === 'oidc' ? gw.oidc !== undefined : identify(authorization, gw, false)?.name === identity.name) &&
        this.mayUse(profile, identity),
    );
    if (summary.restartNeeded.length > 0) {
      this.log.warn(`${summary.restartNeeded.join(', ')} changed: restart mcpgw to apply (the rest is applied)`);
    }
    this.observer.configReload('applied');
    this.log.info(`config reloaded (${reason}): ${describeChanges(summary)}`, { generation: this.configStatus.generation });
  }

  /** Requests from clients of either revision being answered now. */
  inflightCount(): number {
    return this.gateway.inflightCount() + this.modern.inflight;
  }

  /** Stops accepting, lets in-flight calls finish within the grace period, then closes everything. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const server = this.http;
      server?.close();
      await this.watcher?.close();
      const grace = this.model.gateway.shutdownGraceMs;
      const deadline = Date.now() + grace;
      while (this.inflightCount() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      this.modern.close();
      await this.mcpEndpoint?.closeAll();
      await this.gateway.close();
      await this.oauth?.close();
      await this.auditLog?.close();
      await this.observer.close();
      server?.closeAllConnections();
      this.log.info('stopped');
    })();
    return this.closing;
  }
}
