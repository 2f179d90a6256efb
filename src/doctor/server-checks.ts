import { isLoopbackHost } from '../config/checks.js';
import type { ServerSpec } from '../config/types.js';
import { exposedName, MAX_NAME_LENGTH } from '../gateway/catalog.js';
import { compileFilter } from '../gateway/filter.js';
import { findCommand } from './command.js';
import type { DoctorContext } from './context.js';
import { literalSecret } from './gateway-checks.js';
import { probeServer } from './probe.js';
import { findArgSecrets, isLiteralSecret, looksSecretName } from './exposed-secrets.js';
import { at } from './where.js';
import type { CheckResult } from './types.js';

/** Per-server checks: the command, args, transport security, and (live) the tool list. */

export function checkCommand(ctx: DoctorContext, spec: ServerSpec): CheckResult[] {
  if (spec.transport.kind !== 'stdio') return [];
  const t = spec.transport;
  const r = findCommand(t, ctx.env);
  const where = at(ctx, spec.name, 'command');
  if (r.found)
    return ctx.offline
      ? [
          {
            code: 'MCPGW_I_COMMAND_FOUND',
            severity: 'info',
            message: `the command ${t.command === r.path ? r.path : `"${t.command}" is ${r.path}`} (not started: --offline)`,
          },
        ]
      : [];
  if (r.problem === 'not-executable') {
    return [
      {
        code: 'MCPGW_E_UPSTREAM_COMMAND',
        severity: 'error',
        message: `the command ${r.path} is not executable`,
        hint: `chmod +x ${r.path}, or fix servers.${spec.name}.command`,
        ...where,
      },
    ];
  }
  if (r.problem === 'directory') {
    return [
      {
        code: 'MCPGW_E_UPSTREAM_COMMAND',
        severity: 'error',
        message: `the command ${r.path} is a folder, not a program`,
        hint: `fix servers.${spec.name}.command`,
        ...where,
      },
    ];
  }
  if (t.command.includes('/')) {
    return [
      {
        code: 'MCPGW_E_UPSTREAM_COMMAND',
        severity: 'error',
        message: `the command ${t.command} does not exist`,
        hint: `fix the path in servers.${spec.name}.command (relative paths start at the config's folder)`,
        ...where,
      },
    ];
  }
  return [
    {
      code: 'MCPGW_E_UPSTREAM_COMMAND',
      severity: 'error',
      message: `the command "${t.command}" is not in any folder of the PATH the server gets (${r.searched ? `${r.searched.split(':').filter(Boolean).length} folders` : 'PATH is empty'})`,
      hint: `install it, give its full path in servers.${spec.name}.command, or fix PATH`,
      ...where,
    },
  ];
}

/** SPEC section 2: secrets in args are visible to every user in `ps`. */
export function checkArgs(ctx: DoctorContext, spec: ServerSpec): CheckResult[] {
  const raw = ctx.raw(['servers', spec.name, 'args']);
  if (spec.transport.kind !== 'stdio' || !Array.isArray(raw)) return [];
  return findArgSecrets(raw).map(({ index, what }) => ({
    code: 'MCPGW_W_ARGS_SECRET',
    severity: 'warning',
    message: `args[${index}] holds ${what}: the value is visible to every user of this machine (ps, /proc)`,
    hint: `pass it in the server's env: instead (servers.${spec.name}.env), if the server can read it from there`,
    ...ctx.at(['servers', spec.name, 'args', index]),
  }));
}

/** Plain http beyond loopback, allowInsecureHttp, and secrets written literally. */
export function checkServerExposure(ctx: DoctorContext, spec: ServerSpec): CheckResult[] {
  const results: CheckResult[] = [];
  const raw = (path: string[]) => ctx.raw(['servers', spec.name, ...path]);
  const envName = (suffix: string) => `${spec.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${suffix}`;
  if (spec.transport.kind === 'http') {
    const url = new URL(spec.transport.url);
    const clear = url.protocol === 'http:' && !isLoopbackHost(url.hostname);
    const credentials = spec.auth.type === 'apiKey' || Object.keys(spec.transport.headers).some(looksSecretName);
    if (clear) {
      const what = spec.auth.type === 'oauth' ? 'OAuth tokens' : credentials ? 'the API key' : 'tool calls and results';
      results.push({
        code: 'MCPGW_W_INSECURE_HTTP',
        severity: 'warning',
        message: `${what} travel unencrypted: the url is plain http to ${url.hostname}`,
        hint: `use https in servers.${spec.name}.url`,
        ...at(ctx, spec.name, 'url'),
      });
    } else if (spec.auth.type === 'oauth' && spec.auth.allowInsecureHttp) {
      results.push({
        code: 'MCPGW_W_INSECURE_HTTP',
        severity: 'warning',
        message: 'auth.allowInsecureHttp is true: OAuth metadata and authorization-server URLs may use plain http beyond loopback',
        hint: `remove servers.${spec.name}.auth.allowInsecureHttp unless the authorization server is on a trusted network`,
        ...at(ctx, spec.name, 'auth', 'allowInsecureHttp'),
      });
    }
    if (spec.auth.type === 'apiKey' && isLiteralSecret(raw(['auth', 'value']))) {
      results.push(literalSecret(ctx, ['servers', spec.name, 'auth', 'value'], 'the API key', envName('API_KEY')));
    }
    for (const header of Object.keys(spec.transport.headers)) {
      if (looksSecretName(header) && isLiteralSecret(raw(['headers', header])))
        results.push(
          literalSecret(
            ctx,
            ['servers', spec.name, 'headers', header],
            `the header ${header}`,
            envName(header.toUpperCase().replace(/[^A-Z0-9]/g, '_')),
          ),
        );
    }
  } else {
    for (const name of Object.keys(spec.transport.env)) {
      if (looksSecretName(name) && isLiteralSecret(raw(['env', name])))
        results.push(literalSecret(ctx, ['servers', spec.name, 'env', name], `env ${name}`, name));
    }
  }
  if (spec.auth.type === 'oauth' && isLiteralSecret(raw(['auth', 'clientSecret']))) {
    results.push(literalSecret(ctx, ['servers', spec.name, 'auth', 'clientSecret'], 'the OAuth client secret', envName('CLIENT_SECRET')));
  }
  return results;
}

/** Some clients reject tool names over 64 characters or with '.'. */
export const CLIENT_NAME_LIMIT = 64;

/** Live: what the server's tools become once filtered and prefixed. */
export async function checkTools(ctx: DoctorContext, spec: ServerSpec): Promise<CheckResult[]> {
  const lists = (await probeServer(ctx, spec)).lists;
  if (!lists) return [];
  const results: CheckResult[] = [];
  const filter = compileFilter(spec.tools);
  const kept = lists.tools.filter((t) => filter(t.name));
  if (kept.length === 0) {
    if (lists.tools.length > 0) {
      results.push({
        code: 'MCPGW_W_ZERO_TOOLS',
        severity: 'warning',
        message: `the tools filter leaves none of the server's ${lists.tools.length} tools (for example ${lists.tools
          .slice(0, 2)
          .map((t) => t.name)
          .join(', ')})`,
        hint: `fix servers.${spec.name}.tools: allow and deny are globs on the server's own tool names`,
        ...at(ctx, spec.name, 'tools'),
      });
    } else if (lists.prompts.length === 0 && lists.resources.length === 0 && lists.resourceTemplates.length === 0) {
      results.push({
        code: 'MCPGW_W_ZERO_TOOLS',
        severity: 'warning',
        message: 'the server offers no tools, prompts or resources: clients see nothing of it',
        hint: 'check its arguments and environment (some servers enable tools only when configured)',
        ...at(ctx, spec.name),
      });
    }
  }
  const names = kept.map((t) => exposedName(spec.prefix, t.name));
  const dropped = names.filter((n) => n.length > MAX_NAME_LENGTH);
  if (dropped.length > 0) {
    results.push({
      code: 'MCPGW_W_NAME_DROPPED',
      severity: 'warning',
      message: `${count(dropped.length, 'tool name')} over ${MAX_NAME_LENGTH} characters, so dropped: ${examples(dropped)}`,
      hint: `shorten the prefix (servers.${spec.name}.prefix, or prefix: false)`,
      ...prefixAt(ctx, spec),
    });
  }
  const risky = names.filter((n) => n.length <= MAX_NAME_LENGTH && (n.length > CLIENT_NAME_LIMIT || n.includes('.')));
  if (risky.length > 0) {
    results.push({
      code: 'MCPGW_W_LONG_NAME',
      severity: 'warning',
      message: `${count(risky.length, 'tool name')} over ${CLIENT_NAME_LIMIT} characters or with ".", which some clients reject: ${examples(risky)}`,
      hint: `shorten the prefix (servers.${spec.name}.prefix, or prefix: false), or hide them with servers.${spec.name}.tools.deny`,
      ...prefixAt(ctx, spec),
    });
  }
  return results;
}

function prefixAt(ctx: DoctorContext, spec: ServerSpec) {
  return ctx.raw(['servers', spec.name, 'prefix']) === undefined ? at(ctx, spec.name) : at(ctx, spec.name, 'prefix');
}

function count(n: number, word: string): string {
  return n === 1 ? `1 ${word} is` : `${n} ${word}s are`;
}

function examples(names: readonly string[]): string {
  const shown = names.slice(0, 2).map((n) => (n.length > 40 ? `${n.slice(0, 37)}...` : n));
  return `${shown.join(', ')}${names.length > 2 ? `, and ${names.length - 2} more` : ''}`;
}
