/* Generated from schema/gateway.schema.json by `npm run gen:types`. Do not edit. */

/**
 * An environment variable name.
 */
export type EnvName = string;
/**
 * A name: letters, digits, '-' and '_', 1 to 32 characters, starting and ending with a letter or digit, without '__'.
 */
export type Name = string;

/**
 * The configuration of an mcpgw gateway: the daemon's settings, the upstream MCP servers it connects to, and the profiles (aggregated MCP endpoints) it exposes. String values may use templates: $<env:NAME>, $<env:NAME:-fallback>, $<file:PATH>; $$< is a literal $<.
 */
export interface McpgwGatewayConfiguration {
  /**
   * Version of this file format. Only 1 exists.
   */
  version: 1;
  /**
   * Settings of the daemon itself: where it listens, where it keeps data, who may call it.
   */
  gateway?: {
    /**
     * host:port the daemon listens on. Loopback by default; a non-loopback address needs gateway.auth.bearerTokens (or allowUnauthenticatedNetwork). Changing it needs a restart.
     */
    listen?: string;
    /**
     * Base URL a browser uses to reach the gateway; the OAuth redirect URI is <publicUrl>/oauth/callback. Default: http://<listen>, with localhost for a loopback or wildcard host. Changing it needs a restart.
     */
    publicUrl?: string;
    /**
     * Folder for the token store and its lock, relative to the config file's folder. Default: $MCPGW_DATA_DIR, else $STATE_DIRECTORY, else <config folder>/.mcpgw. Changing it needs a restart.
     */
    dataDir?: string;
    /**
     * Authentication that MCP clients must present to the gateway (SPEC sections 4 and 10).
     */
    auth?: {
      /**
       * Accepted bearer tokens, all of them the identity 'owner': /mcp*, /status and / then need 'Authorization: Bearer <token>'. Use templates ($<env:MCPGW_TOKEN>) rather than literal tokens. Applies live on reload.
       *
       * Items: One accepted token.
       */
      bearerTokens?: string[];
      /**
       * Named identities (team mode), each with its own bearer tokens. Applies live on reload.
       */
      users?: {
        [k: string]: User | undefined;
      };
      /**
       * MCP clients sign in at this identity provider: the gateway is an OAuth 2.1 protected resource that accepts its JWT access tokens. Needs a restart to change the issuer.
       */
      oidc?: {
        /**
         * The issuer URL of the identity provider (its metadata is discovered from it); https, or http on a loopback host.
         */
        issuer: string;
        /**
         * The access token claim that names the user.
         */
        userClaim?: string;
        /**
         * The access token claim that lists the user's groups (an array, or a space- or comma-separated string); absent: no groups from the token.
         */
        groupsClaim?: string;
        /**
         * Scopes every access token must carry; advertised in the protected resource metadata.
         */
        scopes?: string[];
        /**
         * Accept a plain-http issuer that is not on a loopback host (insecure: tokens and keys travel in clear; doctor warns).
         */
        allowInsecureHttp?: boolean;
      };
    };
    /**
     * Extra Host header names accepted, besides loopback names, the listen host and the publicUrl host (needed when listening beyond loopback). Applies live on reload.
     *
     * Items: A host name, without port.
     */
    allowedHosts?: string[];
    /**
     * Extra browser origins accepted, exactly scheme://host[:port]; the gateway answers CORS preflights for them. Applies live on reload.
     *
     * Items: An origin such as https://app.example.com.
     */
    allowedOrigins?: string[];
    /**
     * Weakens security: lets a non-loopback listen address run without bearer tokens. Anyone who can reach the port can then use every server.
     */
    allowUnauthenticatedNetwork?: boolean;
    /**
     * Gateway-wide OAuth client settings.
     */
    oauth?: {
      /**
       * https URL where you host the Client ID Metadata Document printed by 'mcpgw auth client-metadata'; used as client_id with authorization servers that support it.
       */
      clientMetadataUrl?: string;
    };
    /**
     * Where tokens and client registrations are kept: the encrypted file <dataDir>/oauth-store.json (type file, the default) or PostgreSQL (type postgres), shared by replicas. Changing it needs a restart.
     */
    store?: {
      /**
       * file (the default) or postgres.
       */
      type: 'file' | 'postgres';
      /**
       * postgres: a libpq URL (postgresql://user:password@host:port/database), usually "$<env:DATABASE_URL>". The role needs only to own its database.
       */
      url?: string;
    };
    /**
     * The Prometheus endpoint GET /metrics.
     */
    metrics?: {
      /**
       * Serve GET /metrics (prom-client is loaded only then). Needs a restart.
       */
      enabled?: boolean;
      /**
       * Weakens security when false: /metrics answers without the bearer token and without the Host and Origin checks, for a scraper on a private network. Applies live on reload.
       */
      auth?: boolean;
    };
    /**
     * Least severe log level written. Applies live on reload.
     */
    logLevel?: 'debug' | 'info' | 'warn' | 'error';
    /**
     * The audit log: one JSON line per tool call, prompt get, resource read and authorization event. Default: on (to <dataDir>/audit.jsonl) when gateway.auth.users or gateway.auth.oidc is configured, off otherwise. Needs a restart to change.
     */
    audit?:
      | boolean
      | {
          /**
           * Where the lines go: a path (relative to the config folder; rotated by size) or "-" for standard output. Default: <dataDir>/audit.jsonl.
           */
          file?: string;
        };
    /**
     * A client session with no request for this long is closed.
     */
    sessionIdleTimeout?: string;
    /**
     * Seals 2025-era session ids and 2026-07-28 requestState, so that any replica with the same key serves them (README: Running several replicas). At least 32 characters (openssl rand -base64 32); use a template ($<env:MCPGW_SESSION_KEY>, $<file:...>). Without it the key is random per process: sessions end with the process, one replica only. Applies on reload (move the old key to previousSessionKeys).
     */
    sessionKey?: string;
    /**
     * Keys that sealed ids still in use during a rotation: accepted, never used to seal. Remove one once sessionMaxAge has passed since the rotation.
     *
     * Items: A former gateway.sessionKey.
     */
    previousSessionKeys?: string[];
    /**
     * A 2025-era session id is good for this long after its initialize, on every replica; then the client gets 404 and initializes again. Bounds how long a deleted session's id still opens on other replicas.
     */
    sessionMaxAge?: string;
    /**
     * At most this many 2025-era client sessions at once (all profiles). When full, the oldest session idle for a minute is closed to make room; otherwise a new one gets 503 with Retry-After.
     */
    maxSessions?: number;
    /**
     * At most this many 2025-era client sessions at once on one profile (same rule as maxSessions).
     */
    maxSessionsPerProfile?: number;
    /**
     * On SIGTERM/SIGINT, how long in-flight calls may take to finish before sessions and upstreams are closed.
     */
    shutdownGracePeriod?: string;
  };
  /**
   * The upstream MCP servers, by name. The name is the default tool prefix and the identity in logs, /status and doctor.
   */
  servers?: {
    [k: string]: Server | undefined;
  };
  /**
   * The MCP endpoints exposed at /mcp/<profile>. If omitted, one profile 'default' holds every server; with profiles and no 'default', /mcp is 404.
   */
  profiles?: {
    [k: string]: Profile | undefined;
  };
}
/**
 * One named identity.
 */
export interface User {
  /**
   * Its bearer tokens: templates ($<env:ALICE_MCPGW_TOKEN>) or "sha256:<64 lowercase hex>" hashes (mcpgw auth hash-token prints one), so the file can live in git.
   */
  tokens?: string[];
  /**
   * Groups the user belongs to (profile access lists name them).
   */
  groups?: string[];
  /**
   * An administrator (sees everyone's authorizations once per-user upstream tokens arrive).
   */
  admin?: boolean;
}
/**
 * An upstream MCP server: a local process (command) or a remote service (url).
 */
export interface Server {
  /**
   * stdio server: the program to run (searched on PATH; a path with '/' is relative to the config file's folder).
   */
  command?: string;
  /**
   * stdio server: its arguments. They are visible in 'ps': put secrets in env instead.
   *
   * Items: One argument.
   */
  args?: string[];
  /**
   * stdio server: environment variables set for the process (after the inherited ones).
   */
  env?: {
    /**
     * The variable's value.
     */
    [k: string]: string | undefined;
  };
  /**
   * stdio server: working folder, relative to the config file's folder (the default).
   */
  cwd?: string;
  /**
   * stdio server: the gateway's environment variables passed through besides the safe default set: a list of names, or true for all (never OAUTH_ENCRYPTION_KEY or MCPGW_*).
   */
  inheritEnv?: boolean | EnvName[];
  /**
   * Remote server: its MCP endpoint URL (http or https).
   */
  url?: string;
  /**
   * Remote server: the transport it speaks: streamable-http, or sse for the legacy HTTP+SSE transport.
   */
  transport?: 'streamable-http' | 'sse';
  /**
   * Remote server: static extra headers sent with every request.
   */
  headers?: {
    /**
     * The header's value.
     */
    [k: string]: string | undefined;
  };
  /**
   * How the gateway authenticates to this remote server.
   */
  auth?: (AuthNone | AuthApiKey | AuthOauth) & {
    /**
     * none (the default), apiKey or oauth.
     */
    type: 'none' | 'apiKey' | 'oauth';
  };
  /**
   * false declares the server without starting it (absent from every profile).
   */
  enabled?: boolean;
  /**
   * Prefix of its tool and prompt names (prefix__name): true for the server name, false for none, or another name.
   */
  prefix?: boolean | string;
  /**
   * The MCP revision to speak to this server. auto: the newest it supports (a server/discover probe, falling back to initialize); or pinned to 2026-07-28 (stateless) or 2025-11-25 (initialize handshake; the server may then choose 2025-06-18 or 2025-03-26).
   */
  protocol?: 'auto' | '2026-07-28' | '2025-11-25';
  /**
   * shared: one upstream connection for all client sessions; session: one per client session (started on first use).
   */
  isolation?: 'shared' | 'session';
  tools?: Filter;
  /**
   * Time limits for this server.
   */
  timeouts?: {
    /**
     * How long starting and initializing may take. Default 60s for stdio (a first 'npx -y' downloads), 15s for HTTP.
     */
    connect?: string;
    /**
     * How long a request may wait for its answer; progress notifications restart it, up to 30m in all.
     */
    call?: string;
  };
}
/**
 * No authentication (the default).
 */
export interface AuthNone {
  /**
   * none: send no credentials.
   */
  type?: 'none';
}
/**
 * A static API key sent in a header on every request.
 */
export interface AuthApiKey {
  /**
   * apiKey: send a header on every request.
   */
  type: 'apiKey';
  /**
   * An HTTP header name.
   */
  header?: string;
  /**
   * The header's value, usually a template such as 'Bearer $<env:SEARCH_API_KEY>'.
   */
  value: string;
}
/**
 * OAuth 2.1 with PKCE, per the MCP authorization spec. Without clientId the gateway uses a Client ID Metadata Document or dynamic registration.
 */
export interface AuthOauth {
  /**
   * oauth: authorize once in a browser ('mcpgw auth login'); tokens are refreshed automatically.
   */
  type: 'oauth';
  /**
   * A pre-registered client's id (an empty value counts as absent).
   */
  clientId?: string;
  /**
   * The pre-registered client's secret, for confidential clients.
   */
  clientSecret?: string;
  /**
   * Scopes to request. Default: the scope of the server's challenge, else its scopes_supported.
   *
   * Items: A scope.
   */
  scopes?: string[];
  /**
   * Weakens security: accept plain http for this server's MCP, metadata and authorization-server URLs on non-loopback hosts.
   */
  allowInsecureHttp?: boolean;
  /**
   * Whose authorization a call uses (team mode): perUser, each identity its own upstream account and connection; shared, one authorization (an admin's) for everyone. Default: perUser when gateway.auth.users or oidc is set, else shared.
   */
  tokens?: 'perUser' | 'shared';
}
/**
 * Which of the server's tools to expose, by globs on the upstream's own names.
 */
export interface Filter {
  /**
   * Globs of names to expose; when present, only matching names are exposed.
   *
   * Items: A glob.
   */
  allow?: string[];
  /**
   * Globs of names never exposed, even when allowed.
   *
   * Items: A glob.
   */
  deny?: string[];
}
/**
 * An aggregated MCP endpoint at /mcp/<profile>.
 */
export interface Profile {
  /**
   * Its member servers, in priority order (the first wins a name collision).
   */
  servers: Name[];
  tools?: Filter1;
  /**
   * Who may use this profile (team mode). Absent: every identified caller.
   */
  access?: {
    /**
     * Identity names allowed (users, OIDC user names, owner, local).
     */
    users?: string[];
    /**
     * Groups allowed (from users.NAME.groups or the OIDC groups claim).
     */
    groups?: string[];
  };
}
/**
 * Which tools to expose, by globs on the exposed names (prefix__name).
 */
export interface Filter1 {
  /**
   * Globs of names to expose; when present, only matching names are exposed.
   *
   * Items: A glob.
   */
  allow?: string[];
  /**
   * Globs of names never exposed, even when allowed.
   *
   * Items: A glob.
   */
  deny?: string[];
}
