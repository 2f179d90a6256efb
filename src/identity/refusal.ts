import type { McpgwError } from '../errors/error.js';

/**
 * A refused JWT access token (identity/oidc.ts): 401 (invalid_token), 403
 * (insufficient_scope), or 503 (the issuer cannot be reached). Its own module so the guard
 * knows it without loading jose: oidc.ts is imported only when gateway.auth.oidc is set.
 */
export class TokenRefusal {
  constructor(
    readonly error: McpgwError,
    readonly oauthError: 'invalid_token' | 'insufficient_scope' | undefined,
  ) {}
}
