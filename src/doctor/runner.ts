import { McpgwError } from '../errors/error.js';
import { toFindings } from '../errors/render.js';
import { CHECKS } from './checklist.js';
import { DoctorContext, type DoctorOptions } from './context.js';
import { daemonView } from './daemon-view.js';
import { NOTE_CODES, type Check, type CheckResult, type DoctorFinding, type DoctorGroup, type DoctorReport } from './types.js';

/** Extra time a check gets past the live budget before the runner gives up on it. */
const GRACE_MS = 3000;

/**
 * Runs every applicable check concurrently, each within its time limit, stops whatever they
 * started, and returns the report. Throws only for a usage error (an unknown SERVER).
 */
export async function runDoctor(options: DoctorOptions, checks: readonly Check[] = CHECKS): Promise<DoctorReport> {
  const started = Date.now();
  const ctx = new DoctorContext(options);
  const model = ctx.model;
  const unknown = (options.servers ?? []).filter((n) => model && !model.servers.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new McpgwError('MCPGW_E_USAGE', `no server named ${unknown.map((n) => `"${n}"`).join(', ')} in ${model!.file}`, {
      hint: `servers: ${model!.servers.map((s) => s.name).join(', ') || '(none)'}`,
    });
  }
  let findings: DoctorFinding[];
  try {
    findings = [...notChecked(ctx), ...(await Promise.all(schedule(ctx, checks))).flat()];
  } finally {
    await ctx.close();
  }
  const groups = groupsOf(ctx, findings);
  const order = checks.map((c) => c.id);
  const rank = (f: DoctorFinding) => (f.check === 'offline' ? -1 : order.indexOf(f.check));
  findings = groups.flatMap((g) => findings.filter((f) => f.group === g.name).sort((a, b) => rank(a) - rank(b)));
  findings = redact(findings, ctx.secrets);
  const errors = findings.filter((f) => f.severity === 'error').length;
  return {
    schemaVersion: 1,
    version: options.version,
    config: model?.file ?? ctx.load.files[0] ?? options.configPath,
    offline: ctx.offline,
    ok: errors === 0,
    summary: {
      errors,
      warnings: findings.filter((f) => f.severity === 'warning').length,
      passed: findings.filter((f) => f.severity === 'info' && !NOTE_CODES.test(f.code)).length,
      durationMs: Date.now() - started,
    },
    daemon: await daemonSummary(ctx),
    groups,
    findings,
  };
}

/** One job per check and group it applies to: the gateway, or each selected server. */
function schedule(ctx: DoctorContext, checks: readonly Check[]): Array<Promise<DoctorFinding[]>> {
  const jobs: Array<Promise<DoctorFinding[]>> = [];
  for (const check of checks) {
    if (check.live && ctx.offline) continue;
    if (check.scope === 'gateway') {
      if (!ctx.model && !check.withoutModel) continue;
      jobs.push(guard(ctx, check, 'gateway', () => check.run(ctx)));
      continue;
    }
    for (const spec of ctx.selected) {
      if (!spec.enabled && !ctx.named(spec.name)) continue;
      if (check.applies && !check.applies(spec)) continue;
      jobs.push(guard(ctx, check, spec.name, () => check.run(ctx, spec)));
    }
  }
  return jobs;
}

/** What was left out, said as information: disabled servers, and everything live with --offline. */
function notChecked(ctx: DoctorContext): DoctorFinding[] {
  const findings: DoctorFinding[] = [];
  for (const spec of ctx.selected) {
    if (!spec.enabled && !ctx.named(spec.name)) {
      findings.push({
        code: 'MCPGW_I_SERVER_DISABLED',
        severity: 'info',
        message: `disabled (enabled: false): not checked; name it (mcpgw doctor ${spec.name}) to check it anyway`,
        group: spec.name,
        check: 'enabled',
      });
    }
  }
  if (ctx.offline) {
    findings.push({
      code: 'MCPGW_I_OFFLINE',
      severity: 'info',
      message: '--offline: no network, no server started; the daemon, connections, OAuth discovery and tool lists were not checked',
      group: 'gateway',
      check: 'offline',
    });
  }
  return findings;
}

function daemonSummary(ctx: DoctorContext): Promise<DoctorReport['daemon']> {
  if (ctx.offline) return Promise.resolve({ running: false });
  return daemonView(ctx).then(
    (v) => ({ running: v.running, url: v.url }),
    () => ({ running: false }),
  );
}

/** One check run: bounded in time; a throw becomes an internal finding, never a crash. */
async function guard(
  ctx: DoctorContext,
  check: Check,
  group: string,
  run: () => Promise<readonly CheckResult[]> | readonly CheckResult[],
): Promise<DoctorFinding[]> {
  const limit = check.live ? ctx.timeoutMs + GRACE_MS : ctx.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult[]>((resolve) => {
    timer = setTimeout(
      () =>
        resolve([
          {
            code: 'MCPGW_W_DOCTOR_TIMEOUT',
            severity: 'warning',
            message: `the check "${check.title}" did not finish within ${Math.round(limit / 1000)}s`,
            hint: 'run doctor again with a longer --timeout',
          },
        ]),
      limit,
    );
  });
  try {
    const results = await Promise.race([Promise.resolve().then(run), timeout]);
    return results.map((r) => ({ ...r, group: r.group ?? group, check: check.id }));
  } catch (err) {
    return toFindings(err).map((f) => ({ ...f, message: `the check "${check.title}" failed: ${f.message}`, group, check: check.id }));
  } finally {
    clearTimeout(timer);
  }
}

/** The gateway first, then servers in file order (and any others a finding names). */
function groupsOf(ctx: DoctorContext, findings: readonly DoctorFinding[]): DoctorGroup[] {
  const groups: DoctorGroup[] = [{ name: 'gateway', kind: 'gateway' }];
  const specs = ctx.model?.servers ?? [];
  for (const spec of specs) {
    if (!ctx.selected.includes(spec) && !findings.some((f) => f.group === spec.name)) continue;
    groups.push({
      name: spec.name,
      kind: 'server',
      transport: spec.transport.kind === 'stdio' ? 'stdio' : spec.transport.transport,
      enabled: spec.enabled,
    });
  }
  for (const f of findings) if (!groups.some((g) => g.name === f.group)) groups.push({ name: f.group, kind: 'server' });
  return groups;
}

/** A last guard: no value of a secret leaves doctor, whatever a server or a message echoed. */
function redact(findings: DoctorFinding[], secrets: DoctorContext['secrets']): DoctorFinding[] {
  const values = secrets.filter((s) => s.value.length >= 6).sort((a, b) => b.value.length - a.value.length);
  if (values.length === 0) return findings;
  const clean = (text: string) => values.reduce((out, s) => out.split(s.value).join(s.label), text);
  return findings.map((f) => ({ ...f, message: clean(f.message), ...(f.hint !== undefined ? { hint: clean(f.hint) } : {}) }));
}
