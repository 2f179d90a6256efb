/** Where a libpq URL points; no password. */
export interface DbUrlParts {
  readonly user: string;
  /** A host name, or the folder of a Unix socket (`?host=/run/postgresql`). */
  readonly host: string;
  readonly port: string;
  readonly database: string;
}

const PLACEHOLDER = 'mcpgw-no-host.invalid';

/**
 * A libpq URL (gateway.store.url) taken apart, or undefined when it is not a postgres(ql):// URL.
 * libpq allows an empty host (`postgresql://user:pw@/db?host=/run/postgresql`: a Unix socket)
 * that `new URL` refuses once there are credentials, so it is parsed with a placeholder host.
 * Several hosts (`h1,h2`) are not understood here: mcpgw's driver (pg) takes one.
 */
export function parseDbUrl(url: string): DbUrlParts | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.replace(/^(postgres(?:ql)?:\/\/[^/?#]*@)(?=[/?#]|$)/i, `$1${PLACEHOLDER}`));
  } catch {
    return undefined;
  }
  if (!['postgres:', 'postgresql:'].includes(parsed.protocol)) return undefined;
  const hostname = parsed.hostname === PLACEHOLDER ? '' : parsed.hostname;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return {
    user: decode(parsed.username) || parsed.searchParams.get('user') || '',
    host: hostname || parsed.searchParams.get('host') || 'localhost',
    port: parsed.port || parsed.searchParams.get('port') || '5432',
    database: decode(parsed.pathname.slice(1)) || parsed.searchParams.get('dbname') || '',
  };
}
