import { isLoopbackHost, parseHttpUrl, type CheckIssue } from './checks.js';
import type { McpgwGatewayConfiguration } from './schema.gen.js';
import { TOKEN_HASH } from './team.js';

/** The team-mode rules a schema cannot express (SPEC section 10). */
export function checkTeam(doc: McpgwGatewayConfiguration): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const auth = doc.gateway?.auth;
  for (const [name, user] of Object.entries(auth?.users ?? {})) {
    (user?.tokens ?? []).forEach((token, i) => {
      if (typeof token === 'string' && token.startsWith('sha256:') && !TOKEN_HASH.test(token))
        issues.push({
          code: 'MCPGW_E_CONFIG_TOKEN_HASH',
          severity: 'error',
          path: ['gateway', 'auth', 'users', name, 'tokens', i],
          message: 'a token hash must be "sha256:" followed by 64 lowercase hex digits',
          hint: 'print one with: mcpgw auth hash-token < token-file',
        });
    });
  }
  const issuer = auth?.oidc?.issuer;
  if (typeof issuer === 'string') {
    const url = parseHttpUrl(issuer);
    if (!url)
      issues.push({
        code: 'MCPGW_E_CONFIG_URL',
        severity: 'error',
        path: ['gateway', 'auth', 'oidc', 'issuer'],
        message: 'issuer must be an absolute https:// URL',
        hint: 'e.g. https://login.example.com/realms/eng',
      });
    else if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !auth?.oidc?.allowInsecureHttp)
      issues.push({
        code: 'MCPGW_E_CONFIG_URL',
        severity: 'error',
        path: ['gateway', 'auth', 'oidc', 'issuer'],
        message: 'a plain-http issuer is only accepted on loopback hosts',
        hint: 'use https, or set gateway.auth.oidc.allowInsecureHttp: true (insecure)',
      });
  }
  return issues;
}
