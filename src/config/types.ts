import type { Finding } from '../errors/error.js';
import type { AuthApiKey, AuthOauth, McpgwGatewayConfiguration, Server } from './schema.gen.js';
import type { Secret } from './templates.js';

/**
 * The frozen, fully resolved model every other module consumes. Field types are taken from
 * the generated schema types (schema.gen.ts) wherever the schema defines them, so the two
 * cannot drift; what is added here is derived (milliseconds, absolute paths, defaults).
 */

type GatewaySettings = NonNullable<McpgwGatewayConfiguration['gateway']>;

export type LogLevel = NonNullable<GatewaySettings['logLevel']>;
export type Isolation = NonNullable<Server['isolation']>;
export type HttpTransportKind = NonNullable<Server['transport']>;
/** Which MCP revision to speak to a server (SPEC section 9): the newest it supports, or a pinned one. */
export type ProtocolChoice = NonNullable<Server['protocol']>;

export interface FilterSpec {
  /** Absent: everything is allowed. */
  readonly allow?: readonly string[];
  readonly deny: readonly string[];
}

export interface StdioSpec {
  readonly kind: 'stdio';
  /** As written; a command containing '/' is already absolute. */
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Absolute. */
  readonly cwd: string;
  readonly inheritEnv: boolean | readonly string[];
}

export interface HttpSpec {
  readonly kind: 'http';
  readonly url: string;
  readonly transport: HttpTransportKind;
  readonly headers: Readonly<Record<string, string>>;
}

export type AuthSpec =
  | { readonly type: 'none' }
  | Readonly<Required<Pick<AuthApiKey, 'type' | 'header' | 'value'>>>
  | Readonly<
      Omit<AuthOauth, 'allowInsecureHttp' | 'scopes' | 'tokens'> & {
        allowInsecureHttp: boolean;
        scopes?: readonly string[];
        /** Resolved: perUser by default in team mode (users or oidc), else shared (SPEC section 10). */
        tokens: NonNullable<AuthOauth['tokens']>;
      }
    >;

export interface ServerSpec {
  readonly name: string;
  readonly enabled: boolean;
  /** The effective prefix; '' for none. */
  readonly prefix: string;
  readonly isolation: Isolation;
  readonly protocol: ProtocolChoice;
  readonly tools: FilterSpec;
  readonly connectTimeoutMs: number;
  readonly callTimeoutMs: number;
  readonly transport: StdioSpec | HttpSpec;
  readonly auth: AuthSpec;
  /**
   * Hash of everything that needs a new upstream connection when it changes (transport,
   * auth, isolation, protocol, connect timeout); equal fingerprints share the live connection.
   */
  readonly fingerprint: string;
}

export interface ProfileSpec {
  readonly name: string;
  /** Members in priority order; may include disabled servers (absent while disabled). */
  readonly servers: readonly string[];
  readonly tools: FilterSpec;
  /** The implicit 'default' profile of a file without profiles:. */
  readonly implicit: boolean;
  /** Who may use it (team mode, SPEC section 10); absent: every identified caller. */
  readonly access?: AccessSpec;
}

export interface AccessSpec {
  readonly users: readonly string[];
  readonly groups: readonly string[];
}

/** A named identity of gateway.auth.users. */
export interface UserSpec {
  readonly name: string;
  /** Lowercase hex SHA-256 of each accepted token (templates are hashed at load). */
  readonly tokenHashes: readonly string[];
  readonly groups: readonly string[];
  readonly admin: boolean;
}

export interface OidcSpec {
  /** As written, without a trailing slash. */
  readonly issuer: string;
  readonly userClaim: string;
  readonly groupsClaim?: string;
  readonly scopes: readonly string[];
  readonly allowInsecureHttp: boolean;
}

/** Where the audit log goes: off, a file (absolute; rotated), or standard output. */
export type AuditSpec = { readonly kind: 'off' } | { readonly kind: 'file'; readonly path: string } | { readonly kind: 'stdout' };

export interface GatewaySpec {
  readonly listen: { readonly host: string; readonly port: number };
  /** Without trailing slash. */
  readonly publicUrl: string;
  /** Absolute. */
  readonly dataDir: string;
  readonly bearerTokens: readonly string[];
  /** Team mode (SPEC section 10): named users and an identity provider. */
  readonly users: readonly UserSpec[];
  readonly oidc?: OidcSpec;
  readonly audit: AuditSpec;
  readonly allowedHosts: readonly string[];
  readonly allowedOrigins: readonly string[];
  readonly allowUnauthenticatedNetwork: boolean;
  readonly clientMetadataUrl?: string;
  readonly logLevel: LogLevel;
  readonly sessionIdleTimeoutMs: number;
  /** Seals session ids and requestState (SPEC section 11); absent: a random key per process. */
  readonly sessionKey?: string;
  readonly previousSessionKeys: readonly string[];
  readonly sessionMaxAgeMs: number;
  /** Caps on open 2025-era sessions (SPEC section 5; issue 14). */
  readonly maxSessions: number;
  readonly maxSessionsPerProfile: number;
  readonly shutdownGraceMs: number;
  /** GET /metrics (SPEC section 12): served when enabled (restart), bearer-protected unless auth is false (live). */
  readonly metrics: { readonly enabled: boolean; readonly auth: boolean };
  /** Where tokens and registrations are kept (issue 16; absent: file); `url` is a secret (it may hold a password). */
  readonly store?: StoreSpec;
}

export type StoreSpec = { readonly type: 'file' } | { readonly type: 'postgres'; readonly url: string };

export interface ConfigModel {
  /** Absolute path of the config file. */
  readonly file: string;
  /** Its folder: relative paths start here. */
  readonly dir: string;
  readonly gateway: GatewaySpec;
  /** In file order (the implicit profile's priority order). */
  readonly servers: readonly ServerSpec[];
  readonly profiles: readonly ProfileSpec[];
  /** Every resolved value that came from the environment or a file (see log.ts redaction). */
  readonly secrets: readonly Secret[];
  /** Files read by $<file:> templates (watched for reloads). */
  readonly files: readonly string[];
  /** Non-fatal findings of the load (disabled servers' unset variables, unused servers). */
  readonly warnings: readonly Finding[];
  /** sha256 of the file's bytes and the resolved values: equal means nothing to apply. */
  readonly digest: string;
}
