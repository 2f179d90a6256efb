import type { Finding } from '../errors/error.js';
import type { ServerSpec } from '../config/types.js';
import type { DoctorContext } from './context.js';

/**
 * A finding of doctor: a Finding (code, severity, message, hint = the fix, location) plus the
 * group it is shown under ('gateway' or a server name) and the check that produced it.
 */
export interface DoctorFinding extends Finding {
  readonly group: string;
  readonly check: string;
}

/**
 * Info codes that only inform (shown as `info`, not counted as passed): what was not checked,
 * a stopped daemon, the audience OIDC tokens need, a profile only OIDC users can reach.
 */
export const NOTE_CODES = /^MCPGW_I_(SERVER_DISABLED|OFFLINE|DAEMON_STOPPED|OIDC_AUDIENCE|PROFILE_OIDC_ONLY)$/;

/** What a check returns: findings without group and check (the runner adds them). */
export type CheckResult = Finding & { readonly group?: string };

/**
 * One check, as data. The runner calls `run` once (gateway checks) or once per selected
 * server (server checks), all concurrently, each bounded by `timeoutMs` (default: the live
 * timeout plus a margin). `live` checks do network I/O or spawn processes: `--offline`
 * skips them. A check returns findings; it does not throw for a problem it found (a throw
 * becomes an MCPGW_E_INTERNAL finding).
 */
export interface GatewayCheck {
  readonly id: string;
  readonly title: string;
  readonly scope: 'gateway';
  readonly live?: boolean;
  /** Runs without a valid config too (config, daemon). */
  readonly withoutModel?: boolean;
  run(ctx: DoctorContext): Promise<readonly CheckResult[]> | readonly CheckResult[];
}

export interface ServerCheck {
  readonly id: string;
  readonly title: string;
  readonly scope: 'server';
  readonly live?: boolean;
  applies?(spec: ServerSpec): boolean;
  run(ctx: DoctorContext, spec: ServerSpec): Promise<readonly CheckResult[]> | readonly CheckResult[];
}

export type Check = GatewayCheck | ServerCheck;

/** How a group is shown: the gateway, or a server with its transport. */
export interface DoctorGroup {
  readonly name: string;
  readonly kind: 'gateway' | 'server';
  readonly transport?: 'stdio' | 'streamable-http' | 'sse';
  readonly enabled?: boolean;
}

/** The whole result, as `--json` prints it (docs/doctor.md documents the schema). */
export interface DoctorReport {
  readonly schemaVersion: 1;
  readonly version: string;
  readonly config: string;
  readonly offline: boolean;
  readonly ok: boolean;
  readonly summary: { readonly errors: number; readonly warnings: number; readonly passed: number; readonly durationMs: number };
  readonly daemon: { readonly running: boolean; readonly url?: string };
  readonly groups: readonly DoctorGroup[];
  readonly findings: readonly DoctorFinding[];
}
