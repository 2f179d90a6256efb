import type { StatusJson } from '../api/status-json.js';

/**
 * The startup banner of `mcpgw run` (issue 8): where to connect, each server's state, and
 * the link to open for each server that needs authorization. Rendered from /status data.
 */
export function renderBanner(status: StatusJson, listenUrl: string, publicUrl: string): string {
  const lines = [`mcpgw ${status.version} listening on ${listenUrl}`, '', 'Profiles (MCP endpoints):'];
  const profiles = Object.entries(status.profiles);
  const width = Math.max(8, ...profiles.map(([n]) => n.length), ...Object.keys(status.servers).map((n) => n.length));
  for (const [name, p] of profiles) {
    const url = name === 'default' ? `${publicUrl}/mcp` : p.url;
    lines.push(`  ${name.padEnd(width)}  ${url}`);
  }
  if (profiles.length === 0) lines.push('  (none)');
  lines.push('', 'Servers:');
  const auth: string[] = [];
  for (const [name, s] of Object.entries(status.servers)) {
    const detail = s.state === 'ready' ? `${s.tools} tools` : (s.lastError?.message ?? '');
    lines.push(`  ${name.padEnd(width)}  ${s.state.padEnd(10)}  ${detail}`.trimEnd());
    if (s.state === 'needs_auth' && s.auth.authorizationUrl)
      auth.push(`  ${name}: open ${s.auth.authorizationUrl}  (or: mcpgw auth login ${name})`);
  }
  if (Object.keys(status.servers).length === 0) lines.push('  (none)');
  if (auth.length > 0) lines.push('', 'Needs authorization:', ...auth);
  lines.push('', `Status page: ${publicUrl}/`);
  return `${lines.join('\n')}\n`;
}
