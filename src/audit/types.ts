/**
 * One line of the audit log (SPEC section 10): who did what, where, how long it took and how
 * it ended. Never arguments, results, tokens or other secrets: only names and codes.
 */
export interface AuditRecord {
  /** ISO-8601 UTC, when the request ended. */
  readonly time: string;
  /** The identity's name; null for a credential that matched nobody. */
  readonly identity: string | null;
  readonly profile: string | null;
  readonly server: string | null;
  /** tools/call, prompts/get, resources/read; oauth/authorize, oauth/refresh, oauth/logout; null when unknown. */
  readonly method: string | null;
  /** The exposed tool or prompt name, or the resource URI. */
  readonly name: string | null;
  readonly durationMs: number;
  readonly outcome: 'ok' | 'error' | 'denied' | 'needs_auth';
  readonly errorCode: string | null;
}

/** What a caller hands the log; the rest defaults to null (time: now, durationMs: 0). */
export type AuditEvent = Partial<AuditRecord> & Pick<AuditRecord, 'outcome'>;

/** Where records go (audit/audit-log.ts); never blocks, never throws. */
export type AuditSink = (event: AuditEvent) => void;
