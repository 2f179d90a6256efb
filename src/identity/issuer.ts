import { discoverAuthorizationServerMetadata, IssuerMismatchError } from '@modelcontextprotocol/client';

/**
 * Discovery of gateway.auth.oidc.issuer (RFC 8414, then OpenID Connect discovery, through the
 * SDK), shared by the daemon (identity/oidc.ts) and doctor so that both judge an issuer the
 * same way. The metadata's `issuer` must equal the configured one (RFC 8414 section 3.3):
 * tokens are checked against that value, so a provider that names itself otherwise would
 * have every token refused.
 */
export type IssuerDiscovery =
  | { readonly kind: 'ok'; readonly jwksUri: string }
  /** The request failed (refused, DNS, TLS, a 5xx, a timeout); `cause` is what fetch threw. */
  | { readonly kind: 'failed'; readonly message: string; readonly cause: unknown }
  /** Every well-known URL answered 4xx. */
  | { readonly kind: 'none'; readonly message: string }
  /** The metadata names another issuer (`received`, as the provider wrote it). */
  | { readonly kind: 'mismatch'; readonly message: string; readonly received: string | undefined }
  | { readonly kind: 'no-jwks'; readonly message: string };

export type FetchFn = (url: string | URL, init?: RequestInit) => Promise<Response>;

export async function discoverIssuer(issuer: string, fetchFn: FetchFn = fetch): Promise<IssuerDiscovery> {
  let metadata: Record<string, unknown> | undefined;
  try {
    metadata = await discoverAuthorizationServerMetadata(issuer, { fetchFn });
  } catch (err) {
    if (err instanceof IssuerMismatchError)
      return {
        kind: 'mismatch',
        message: `the metadata of ${issuer} names another issuer: ${JSON.stringify(err.received ?? null)}`,
        received: err.received,
      };
    return { kind: 'failed', message: `discovery of the issuer ${issuer} failed: ${(err as Error).message}`, cause: err };
  }
  if (!metadata) return { kind: 'none', message: `the issuer ${issuer} publishes no OAuth or OpenID metadata` };
  if (typeof metadata.jwks_uri !== 'string') return { kind: 'no-jwks', message: `the metadata of ${issuer} has no jwks_uri` };
  return { kind: 'ok', jwksUri: metadata.jwks_uri };
}
