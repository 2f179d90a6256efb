import type { StdioSpec } from '../config/types.js';

/**
 * The SDK's safe set (`getDefaultEnvironment()` of `@modelcontextprotocol/client/stdio`, POSIX),
 * copied: importing it loads the SDK and zod, and the early start (cli/run.ts) spawns servers
 * before those load. test/unit/env.test.ts checks that the two lists are the same.
 */
export const SDK_SAFE = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];

/** Passed to every child besides the SDK's safe set (SPEC section 2, stdio environment). */
const EXTRA_SAFE = [
  'LANG',
  'TZ',
  'TMPDIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'http_proxy',
  'https_proxy',
  'NO_PROXY',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
];

/** Never inherited, whatever inheritEnv says: the gateway's own secrets and settings. */
function isGatewayOnly(name: string): boolean {
  return name === 'OAUTH_ENCRYPTION_KEY' || name === 'OAUTH_ENCRYPTION_KEY_FILE' || name.startsWith('MCPGW_');
}

/** The environment of a stdio server's process. */
export function childEnvironment(
  spec: StdioSpec,
  parent: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  const take = (name: string) => {
    const value = parent[name];
    if (value !== undefined && !isGatewayOnly(name) && !value.startsWith('()')) env[name] = value;
  };
  for (const name of SDK_SAFE) take(name);
  for (const name of EXTRA_SAFE) take(name);
  if (spec.inheritEnv === true) for (const name of Object.keys(parent)) take(name);
  else if (Array.isArray(spec.inheritEnv)) for (const name of spec.inheritEnv) take(name);
  return { ...env, ...spec.env };
}

/** What a stdio server is started with: the one place both the early start and the transport take it from. */
export function spawnOptionsOf(spec: StdioSpec): { command: string; args: readonly string[]; env: Record<string, string>; cwd: string } {
  return { command: spec.command, args: spec.args, env: childEnvironment(spec), cwd: spec.cwd };
}
