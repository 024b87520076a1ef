import { latestFaultStart, type FaultScheduleEntry } from "../contract/probe";

/** Seconds a fault's window must still have left when a runbook injects it: the outage it causes must begin inside the window. */
export const FAULT_WINDOW_MARGIN_SECONDS = 30;

export interface FaultWindowPosition {
  /** The fault's latest start (its cron, UTC) at or before `now`. */
  firedAt: Date;
  /** Seconds from that start to `now`. */
  secondsIn: number;
  /** Acting now leaves at least `marginSeconds` of the window [start, start + duration]. */
  inside: boolean;
}

/**
 * Where `now` falls in a scheduled fault's window, read as the recovery probe reads it
 * (probe/attribution.ts: an outage is the fault's when it begins within durationSeconds of the
 * fault's latest start). A runbook that injects the fault on a CronJob acts only when `inside`,
 * so a Job that started late (a pending pod, a controller that was down) injects nothing the
 * probe would call unplanned.
 */
export function faultWindowAt(entry: Pick<FaultScheduleEntry, "schedule" | "durationSeconds">, now: Date, marginSeconds = FAULT_WINDOW_MARGIN_SECONDS): FaultWindowPosition {
  const firedAt = latestFaultStart(entry.schedule, now);
  const secondsIn = (now.getTime() - firedAt.getTime()) / 1000;
  return { firedAt, secondsIn, inside: secondsIn + marginSeconds <= entry.durationSeconds };
}
