// Types of scripts/conformance.js, for the conformance tests in test/integration/.
import type { ChildProcess } from 'node:child_process';

export interface Check {
  readonly id: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED' | (string & {});
  readonly errorMessage?: string;
  readonly description?: string;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly checks: readonly Check[];
  /** No check is FAILURE (the CLI's own rule). A skipped scenario has no checks and passes. */
  readonly passed: boolean;
  readonly failures: readonly Check[];
  readonly warnings: readonly Check[];
  readonly successes: number;
  /** The CLI found the scenario not applicable at the requested revision (per-scenario runs only). */
  readonly skipped: boolean;
  /** Set when the run's revision has a requirement set: whether that set scores the scenario. */
  readonly scored?: boolean;
  /** Why the requirement set runs the scenario without scoring it (extension, pending, ...). */
  readonly notScoredReason?: string;
}

export interface RequirementSet {
  readonly revision: string;
  /** The server scenarios the revision requires (its pass rate). */
  readonly scored: readonly string[];
  /** Run and reported by `--requirements`, never scored. */
  readonly notScored: readonly { scenario: string; reason: string }[];
}

export interface Comparison {
  readonly scenario: string;
  readonly scored?: boolean;
  readonly basePassed: boolean;
  readonly otherPassed: boolean;
  /** The scenario is absent from the other run. */
  readonly missing: boolean;
  /** Ids of checks that succeeded in the base run but not in the other. */
  readonly lost: readonly string[];
}

export interface SuiteOptions {
  /** One CLI process per named scenario; without it one CLI process runs the whole selection. */
  readonly scenarios?: readonly string[];
  /** Every scenario applicable at this revision (`--suite all --spec-version`). */
  readonly specVersion?: string;
  /** Exactly what the revision's frozen requirement set runs (`--requirements`); wins over specVersion. */
  readonly requirements?: string;
  /** Per scenario (default 120 s). */
  readonly timeoutMs?: number;
  /** Keep each scenario's checks.json under this folder. */
  readonly keep?: string;
  readonly signal?: AbortSignal;
  readonly onResult?: (result: ScenarioResult) => void;
}

export const ROOT: string;
export const NODE22: string;
export const PACKAGE: string;
export const CLI: string;
export const FIXTURES: { readonly v1: string; readonly v2: string };
export const FIXTURE: string;
export function missingFiles(): string[];
export function requirementSet(revision: string): RequirementSet | undefined;
export function listScenarios(options?: { specVersion?: string; requirements?: string }): string[];
export function startFixture(options?: {
  file?: string;
  args?: readonly string[];
  node?: string;
  stderr?: 'inherit' | 'pipe' | 'ignore';
  /** Added to this process's environment. */
  env?: Record<string, string>;
}): {
  child: ChildProcess;
  url: Promise<string>;
  stop(): void;
};
export function judge(scenario: string, checks: readonly Check[], options?: { skipped?: boolean }): ScenarioResult;
export function describeResult(result: ScenarioResult): string[];
export function runSuite(url: string, options?: SuiteOptions): Promise<ScenarioResult[]>;
export function compareRuns(base: readonly ScenarioResult[], other: readonly ScenarioResult[]): Comparison[];
