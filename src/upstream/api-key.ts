import type { AuthSpec } from '../config/types.js';
import type { AuthProvider } from './types.js';

/** An API key is one constant header, shared by every caller (SPEC section 10: API keys stay shared). */
export function apiKeyProvider(auth: Extract<AuthSpec, { type: 'apiKey' }>): AuthProvider {
  const headers = { [auth.header]: auth.value };
  return { headers: async () => ({ ...headers }), status: () => ({ type: 'apiKey', status: 'authorized' }) };
}
