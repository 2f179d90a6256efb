import { IssuerMismatchError, validateAuthorizationResponseIssuer } from '@modelcontextprotocol/client';
import { registerClient, selectClientAuthMethod } from '@modelcontextprotocol/client';
import * as oidc from 'openid-client';
import { isLoopbackHost } from '../config/checks.js';
import { McpgwError } from '../errors/error.js';
import type { Discovered, FetchLike } from './discovery.js';
import type { ClientRegistration, TokenSet } from './store.js';

/**
 * The OAuth grant mechanics, through openid-client: client registration (pre-registered,
 * Client ID Metadata Document, or RFC 7591 through the SDK, whose response parsing accepts
 * what real servers send), the authorization URL with PKCE S256 and RFC 8707 resource, the
 * code exchange (state and RFC 9207 iss checked by openid-client), and refresh.
 */

export interface ClientOptions {
  readonly configured?: { clientId: string; clientSecret?: string };
  readonly clientMetadataUrl?: string;
  readonly redirectUri: string;
  readonly existing?: ClientRegistration;
  /** The client the server's record used last, and the authorization server it used it with. */
  readonly usedWith?: { readonly issuer: string; readonly client: ClientRegistration };
  readonly fetch?: FetchLike;
}

/**
 * The OIDC `application_type` of a client whose callback is `redirectUri` (MCP authorization
 * 2026-07-28, client registration: clients MUST send one; "native" for a locally hosted
 * application reached through a loopback address, "web" for one served from another host).
 * Omitted, OIDC providers assume "web", and some then refuse a loopback redirect URI.
 */
export function applicationType(redirectUri: string): 'native' | 'web' {
  const host = new URL(redirectUri).hostname;
  return isLoopbackHost(host) ? 'native' : 'web';
}

/** The metadata mcpgw registers with (and publishes as its Client ID Metadata Document). */
export function clientMetadata(redirectUri: string, clientId?: string): Record<string, unknown> {
  return {
    ...(clientId ? { client_id: clientId } : {}),
    client_name: 'mcpgw',
    client_uri: 'https://github.com/mcpgw/mcpgw',
    redirect_uris: [redirectUri],
    // refresh_token: the gateway wants refresh tokens (2026-07-28 "Refresh Tokens": SHOULD list it).
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: applicationType(redirectUri),
  };
}

/** The client to use, in the MCP spec's priority order; reuses a stored registration when it still fits. */
export async function obtainClient(d: Discovered, options: ClientOptions): Promise<ClientRegistration> {
  const as = d.asMetadata;
  const now = Date.now();
  if (options.configured) return preregistered(as, options.configured, options, now);
  if (options.existing && stillFits(options.existing, options, now)) return options.existing;
  if (as.client_id_metadata_document_supported === true && options.clientMetadataUrl) {
    return {
      clientId: options.clientMetadataUrl,
      tokenEndpointAuthMethod: 'none',
      redirectUri: options.redirectUri,
      method: 'cimd',
      registeredAt: now,
    };
  }
  if (typeof as.registration_endpoint === 'string') return registerDynamic(d, options, now);
  throw new McpgwError(
    'MCPGW_E_OAUTH_REGISTRATION',
    `no way to get a client at ${as.issuer}: no dynamic registration${as.client_id_metadata_document_supported ? ' and no gateway.oauth.clientMetadataUrl' : ''}`,
    {
      hint: as.client_id_metadata_document_supported
        ? 'host the output of "mcpgw auth client-metadata" over https and set gateway.oauth.clientMetadataUrl, or set auth.clientId'
        : 'register a client with the provider (redirect URI: <publicUrl>/oauth/callback) and set auth.clientId',
    },
  );
}

function preregistered(
  as: Discovered['asMetadata'],
  configured: NonNullable<ClientOptions['configured']>,
  options: ClientOptions,
  now: number,
): ClientRegistration {
  const { clientId, clientSecret } = configured;
  // Pre-registered credentials belong to the authorization server they were issued by (MCP
  // authorization 2026-07-28, "Authorization Server Binding": credentials are keyed by
  // issuer; when the server's metadata names another one, surface an error rather than
  // silently trying them there).
  const used = options.usedWith;
  if (used?.client.method === 'preregistered' && used.client.clientId === clientId && used.issuer !== as.issuer) {
    throw new McpgwError(
      'MCPGW_E_OAUTH_REGISTRATION',
      `auth.clientId ${clientId} was registered with the authorization server ${used.issuer}, but the server now names ${as.issuer}`,
      {
        hint: `register a client with ${as.issuer} and set auth.clientId (and clientSecret); if it is the same authorization server under a new name, run: mcpgw auth logout <server> --forget-client`,
      },
    );
  }
  const supported = (as.token_endpoint_auth_methods_supported as string[] | undefined) ?? [];
  const method = clientSecret ? selectClientAuthMethod({ client_id: clientId, client_secret: clientSecret }, supported) : 'none';
  return {
    clientId,
    clientSecret,
    tokenEndpointAuthMethod: method,
    redirectUri: options.redirectUri,
    method: 'preregistered',
    registeredAt: now,
  };
}

/** A stored registration serves again while its redirect URI, secret and kind still fit. */
function stillFits(existing: ClientRegistration, options: ClientOptions, now: number): boolean {
  return (
    existing.method !== 'preregistered' &&
    existing.redirectUri === options.redirectUri &&
    (!existing.clientSecretExpiresAt || existing.clientSecretExpiresAt > now + 60_000) &&
    (existing.method !== 'cimd' || existing.clientId === options.clientMetadataUrl)
  );
}

async function registerDynamic(d: Discovered, options: ClientOptions, now: number): Promise<ClientRegistration> {
  const as = d.asMetadata;
  try {
    // No `scope` in the registration (RFC 7591 makes it optional). The scopes of an MCP
    // server are often the resource server's, not ones the AS lists itself, and an AS may
    // refuse them at registration (oidc-provider: invalid_client_metadata); one that accepts
    // them limits the client to them, and the registration is reused, so a later step-up to
    // more scopes would be refused. Scopes go in each authorization request instead.
    const info = await registerClient(d.authorizationServer, {
      metadata: as as never,
      clientMetadata: clientMetadata(options.redirectUri) as never,
      fetchFn: options.fetch,
    });
    return {
      clientId: info.client_id,
      clientSecret: info.client_secret,
      clientSecretExpiresAt: info.client_secret_expires_at ? info.client_secret_expires_at * 1000 : undefined,
      tokenEndpointAuthMethod: info.token_endpoint_auth_method ?? (info.client_secret ? 'client_secret_basic' : 'none'),
      redirectUri: options.redirectUri,
      method: 'dynamic',
      registeredAt: now,
    };
  } catch (err) {
    throw new McpgwError(
      'MCPGW_E_OAUTH_REGISTRATION',
      `dynamic client registration at ${as.registration_endpoint} failed: ${(err as Error).message}`,
      {
        hint: 'register a client with the provider and set auth.clientId (and clientSecret)',
        cause: err,
      },
    );
  }
}

/** openid-client's view of the AS and our client, built offline from stored metadata. */
export function configurationFor(asMetadata: Record<string, unknown>, reg: ClientRegistration, fetch?: FetchLike): oidc.Configuration {
  const secret = reg.clientSecret;
  let auth: oidc.ClientAuth;
  switch (reg.tokenEndpointAuthMethod) {
    case 'client_secret_post':
      auth = oidc.ClientSecretPost(secret);
      break;
    case 'client_secret_basic':
      // oauth4webapi percent-encodes the id and secret before base64 (strict RFC 6749), which
      // servers in the wild reject (shared/notes/oauth-libraries.md, friction 3).
      auth = (_as, client, _body, headers) => {
        headers.set('authorization', `Basic ${Buffer.from(`${client.client_id}:${secret ?? ''}`).toString('base64')}`);
      };
      break;
    default:
      auth = oidc.None();
  }
  const config = new oidc.Configuration(
    asMetadata as oidc.ServerMetadata,
    reg.clientId,
    {
      ...(secret ? { client_secret: secret } : {}),
      token_endpoint_auth_method: reg.tokenEndpointAuthMethod ?? 'none',
    },
    auth,
  );
  // Plain http got this far only on loopback or with allowInsecureHttp (discovery checked it).
  const endpoints = [asMetadata.issuer, asMetadata.authorization_endpoint, asMetadata.token_endpoint].map(String);
  if (endpoints.some((u) => u.startsWith('http:'))) oidc.allowInsecureRequests(config);
  if (fetch) config[oidc.customFetch] = fetch as never;
  return config;
}

/**
 * The scope to ask for, with `offline_access` as MCP authorization 2026-07-28 ("Refresh
 * Tokens") allows it: added when the authorization server lists it in `scopes_supported` (the
 * gateway refreshes tokens in the background, and many servers issue a refresh token only for
 * it), removed when the server lists scopes without it (asking for an unsupported scope is an
 * error; MCP servers SHOULD NOT name it, but a challenge may). Never the only scope: no scope
 * at all means the server's default, which `offline_access` alone would narrow. For scopes
 * the user configured, the caller sends them as configured.
 */
export function withOfflineAccess(scope: string | undefined, asMetadata: Record<string, unknown>): string | undefined {
  const supported = Array.isArray(asMetadata.scopes_supported) ? (asMetadata.scopes_supported as unknown[]) : undefined;
  const scopes = (scope ?? '').split(' ').filter((s) => s !== '' && s !== 'offline_access');
  if (scopes.length === 0) return supported && !supported.includes('offline_access') ? undefined : scope;
  if (supported?.includes('offline_access')) scopes.push('offline_access');
  else if (!supported && scope?.split(' ').includes('offline_access')) scopes.push('offline_access');
  return scopes.join(' ');
}

export interface AuthorizationStart {
  readonly url: URL;
  readonly state: string;
  readonly verifier: string;
}

export async function beginAuthorization(
  config: oidc.Configuration,
  options: { redirectUri: string; scope?: string; resource: string },
): Promise<AuthorizationStart> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const params: Record<string, string> = {
    redirect_uri: options.redirectUri,
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    resource: options.resource,
  };
  if (options.scope) params.scope = options.scope;
  // OpenID Connect Core section 11: a request for offline_access carries prompt=consent (else
  // the provider may drop the scope, and with it the refresh token).
  if (options.scope?.split(' ').includes('offline_access')) params.prompt = 'consent';
  return { url: oidc.buildAuthorizationUrl(config, params), state, verifier };
}

/**
 * Why an authorization response must be refused for its RFC 9207 `iss`, or undefined
 * (MCP authorization 2026-07-28, "Authorization Response Validation"): a present `iss` is
 * compared to the issuer recorded with the pending authorization by simple string comparison
 * (no normalization: `https://as/` is not `https://as`), advertised or not; an absent one is
 * refused only when the metadata advertises `authorization_response_iss_parameter_supported`.
 * Checked before anything else in the response is acted on or shown, its `error` included.
 */
export function issuerProblem(asMetadata: Record<string, unknown>, query: URLSearchParams): string | undefined {
  const sent = query.getAll('iss');
  if (sent.length > 1) return 'the authorization response has more than one iss parameter';
  try {
    validateAuthorizationResponseIssuer({
      iss: sent[0],
      expectedIssuer: typeof asMetadata.issuer === 'string' ? asMetadata.issuer : undefined,
      issParameterSupported: asMetadata.authorization_response_iss_parameter_supported === true,
    });
    return undefined;
  } catch (err) {
    if (!(err instanceof IssuerMismatchError)) throw err;
    return err.received === undefined
      ? `the authorization response has no iss parameter, although ${err.expected} advertises it (RFC 9207)`
      : `the authorization response names the issuer ${JSON.stringify(err.received)}, not ${err.expected} (RFC 9207); it is not used`;
  }
}

/** Exchanges the code; `callbackUrl` is the public callback URL with the query as received. */
export async function finishAuthorization(
  config: oidc.Configuration,
  callbackUrl: URL,
  checks: { state: string; verifier: string; resource: string },
): Promise<TokenSet> {
  try {
    const response = await oidc.authorizationCodeGrant(
      config,
      callbackUrl,
      { pkceCodeVerifier: checks.verifier, expectedState: checks.state, idTokenExpected: false },
      { resource: checks.resource },
    );
    return toTokenSet(response);
  } catch (err) {
    throw tokenError('the code exchange failed', err);
  }
}

export async function refreshTokens(config: oidc.Configuration, previous: TokenSet, resource: string): Promise<TokenSet> {
  try {
    const response = await oidc.refreshTokenGrant(config, previous.refreshToken!, { resource });
    return toTokenSet(response, previous);
  } catch (err) {
    throw tokenError('the token refresh failed', err);
  }
}

/** Whether a refresh failure means the grant is gone (the user must authorize again). */
export function isInvalidGrant(err: unknown): boolean {
  return err instanceof McpgwError && err.details?.oauthError === 'invalid_grant';
}

function toTokenSet(response: oidc.TokenEndpointResponse, previous?: TokenSet): TokenSet {
  const expiresIn = typeof response.expires_in === 'number' ? response.expires_in : undefined;
  return {
    accessToken: response.access_token,
    // A refresh reply without a refresh token means: keep using the old one.
    refreshToken: response.refresh_token ?? previous?.refreshToken,
    expiresAt: expiresIn !== undefined ? Date.now() + expiresIn * 1000 : undefined,
    scope: response.scope ?? previous?.scope,
    tokenType: response.token_type,
  };
}

function tokenError(what: string, err: unknown): McpgwError {
  const body = err as { error?: string; error_description?: string; code?: string; message?: string };
  const oauthError = typeof body.error === 'string' ? body.error : undefined;
  const status = httpStatus(err);
  // An outage is not a refusal: a network failure, a 5xx or 429 (which oauth4webapi reports
  // without parsing the body), or the RFC 6749 codes for one. The upstream retries these with
  // backoff; before, a refresh during an outage put the server in `error` for good.
  const transient =
    (status === undefined && oauthError === undefined) ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    oauthError === 'temporarily_unavailable' ||
    oauthError === 'server_error';
  const detail = oauthError
    ? `${oauthError}${body.error_description ? `: ${body.error_description}` : ''}`
    : `${body.message ?? String(err)}${status ? ` (HTTP ${status})` : ''}`;
  return new McpgwError('MCPGW_E_OAUTH_TOKEN', `${what}: ${detail}`, {
    hint:
      oauthError === 'invalid_grant'
        ? 'authorize again: mcpgw auth login <server>'
        : transient
          ? 'the authorization server is unreachable or failing; mcpgw retries'
          : 'check the client registration and the authorization server',
    details: { oauthError, transient },
    cause: err,
  });
}

/** The HTTP status behind an openid-client / oauth4webapi error (on it, or on a Response among its causes). */
function httpStatus(err: unknown): number | undefined {
  for (
    let e = err as { status?: unknown; cause?: unknown } | undefined, depth = 0;
    e && typeof e === 'object' && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.status === 'number') return e.status;
  }
  return undefined;
}
