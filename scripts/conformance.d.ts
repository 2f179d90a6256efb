// Types of scripts/conformance.js, for test/integration/conformance.test.ts.
import type { ChildProcess } from 'node:child_process';

export interface Check {
  readonly id: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | (string & {});
  readonly errorMessage?: string;
  readonly description?: string;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly checks: readonly Check[];
  /** No check is FAILURE (the CLI's own rule). */
  readonly passed: boolean;
  readonly failures: readonly Check[];
  readonly warnings: readonly Check[];
  readonly successes: number;
}

export const ROOT: string;
export const NODE22: string;
export const CLI: string;
export const FIXTURE: string;
export function missingFiles(): string[];
export function listScenarios(options?: { specVersion?: string }): string[];
export function startFixture(options?: { node?: string; stderr?: 'inherit' | 'pipe' | 'ignore' }): {
  child: ChildProcess;
  url: Promise<string>;
  stop(): void;
};
export function runScenario(
  url: string,
  scenario: string,
  outDir: string,
  options?: { timeoutMs?: number; signal?: AbortSignal },
): Promise<Check[]>;
export function judge(scenario: string, checks: readonly Check[]): ScenarioResult;
export function describeResult(result: ScenarioResult): string[];
export function runSuite(
  url: string,
  options?: {
    scenarios?: readonly string[];
    specVersion?: string;
    timeoutMs?: number;
    keep?: string;
    signal?: AbortSignal;
    onResult?: (result: ScenarioResult) => void;
  },
): Promise<ScenarioResult[]>;
