/** Run-time arguments some runbooks take (from the CLI or the controller). */
export interface RunbookArgs {
  /** restore-point-in-time: ISO-8601 time with a timezone. */
  targetTime?: string;
  /** postgres-switchover: the member to promote (default: Patroni picks). */
  candidate?: string;
  /** redis-failover: planned (always fail over) or automatic (only when the primary is not answering). */
  planned?: boolean;
  /** promote-dr-region: skip the check that the primary region is really down (the operator has fenced it). */
  force?: boolean;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

/** Spilo refuses a clone target time without a timezone (spilo.md 3.2); say so before anything runs. */
export function checkTargetTime(value: string | undefined): string {
  if (!value || !ISO_WITH_ZONE.test(value) || Number.isNaN(Date.parse(value))) {
    throw new Error(`--target-time: ${JSON.stringify(value ?? "")}: expected an ISO-8601 time with a timezone, e.g. 2026-11-26T10:00:00+00:00`);
  }
  return value;
}
