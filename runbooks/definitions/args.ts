/** Run-time arguments some runbooks take (from the CLI or the controller). */
export interface RunbookArgs {
  /** restore-point-in-time: ISO-8601 time with a timezone. */
  targetTime?: string;
  /** restore-point-in-time: delete the clone once it has proven writable (the scheduled restore test). */
  cleanup?: boolean;
  /** restore-point-in-time: the clone's name (default <cluster>-pitr-<time>; the scheduled test passes a fixed one). */
  cloneName?: string;
  /** postgres-switchover: the member to promote (default: Patroni picks). */
  candidate?: string;
  /** redis-failover: planned (always fail over) or automatic (only when the primary is not answering). */
  planned?: boolean;
  /** promote-dr-region: skip the check that the primary region is really down (the operator has fenced it). */
  force?: boolean;
  /** redis-primary-kill: act only inside the window of the scheduled fault (the DR test CronJob). */
  inFaultWindow?: boolean;
}

/**
 * A target time from the CLI: ISO-8601 with a timezone, or `now-<n>m` / `now-<n>h` relative to
 * `now` (the scheduled restore test restores to a few minutes ago).
 */
export function resolveTargetTime(value: string | undefined, now: Date = new Date()): string {
  const rel = /^now-(\d+)([mh])$/.exec(value ?? "");
  if (rel) {
    const ms = Number(rel[1]) * (rel[2] === "h" ? 3_600_000 : 60_000);
    return new Date(now.getTime() - ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");
  }
  return checkTargetTime(value);
}

/** A clone name is a postgresql resource name (and the Spilo cluster's scope): a DNS label. */
export function checkCloneName(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > 53) {
    throw new Error(`--clone-name: ${JSON.stringify(value)}: expected a Kubernetes name (lower-case letters, digits, '-'; at most 53 characters, the operator appends suffixes)`);
  }
  return value;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

/** Spilo refuses a clone target time without a timezone (spilo.md 3.2); say so before anything runs. */
export function checkTargetTime(value: string | undefined): string {
  if (!value || !ISO_WITH_ZONE.test(value) || Number.isNaN(Date.parse(value))) {
    throw new Error(`--target-time: ${JSON.stringify(value ?? "")}: expected an ISO-8601 time with a timezone, e.g. 2026-11-26T10:00:00+00:00, or now-<n>m / now-<n>h`);
  }
  return value;
}
