import type { WriteAttempt } from "./attempt";

/**
 * An outage as the probe sees it, knowing nothing of any fault: from the first failed write (the
 * moment that write was sent) to the first acknowledged write after it. Its length is the measured
 * RTO: the write gap a client of the store saw.
 */
export interface Outage {
  /** startMs of the first failed write. */
  startMs: number;
  firstFailedId: number;
  /** endMs of the first acknowledged write after the failure; absent while the store is still down. */
  recoveredMs?: number;
  recoveryId?: number;
  failedWrites: number;
}

/**
 * The outages in a writer's attempts, in order. Attempts are in the order the writer made them
 * (one writer is sequential), so a run of failures ends at the next acknowledgement.
 */
export function detectOutages(attempts: readonly WriteAttempt[]): Outage[] {
  const out: Outage[] = [];
  let open: Outage | undefined;
  for (const a of attempts) {
    if (!a.ok) {
      if (open) open.failedWrites++;
      else open = { startMs: a.startMs, firstFailedId: a.id, failedWrites: 1 };
    } else if (open) {
      out.push({ ...open, recoveredMs: a.endMs, recoveryId: a.id });
      open = undefined;
    }
  }
  if (open) out.push(open);
  return out;
}

/** The write gap in seconds (never negative: a recovery is the end of a later write than the failure's start). */
export function outageSeconds(o: Outage): number | undefined {
  return o.recoveredMs === undefined ? undefined : Math.max(0, o.recoveredMs - o.startMs) / 1000;
}
