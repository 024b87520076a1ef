import type { ProbeMeasurement } from "../contract/probe";
import type { Writer, WriteAttempt } from "../probe/attempt";
import { ClassProbe } from "../probe/class-probe";
import type { Store } from "../dr/targets";
import type { Measured } from "./types";
import { fmt } from "./verdict";

/**
 * How far the probe's RTO may be from the drill's. The drill measures from the kill it made to the
 * first acknowledged write started after it; the probe, not knowing the kill, from the first failed
 * write to the first acknowledged write after that. Both end on the same acknowledgement, so they
 * differ only at the start: the first failed write was sent at most one write interval after the
 * kill (the writer was sleeping), or was in flight at the kill (sent at most one write's latency
 * before it). Detection granularity covers that latency and the writers' pause after an error
 * (Postgres: 50 ms + 100 ms per locate retry; Redis: 20 ms) with room for a loaded CI machine.
 */
export const PROBE_DETECTION_GRANULARITY_SECONDS = 0.5;

export function probeRtoToleranceSeconds(writeIntervalMs: number): number {
  return writeIntervalMs / 1000 + PROBE_DETECTION_GRANULARITY_SECONDS;
}

/**
 * The recovery probe watching a drill's write load (the load is the probe's writer class): it
 * sees only the writes, never the drill's fault time. No scheduled faults here, so its outages
 * are "unplanned"; attribution is the in-cluster schedules' business.
 */
export function probeBeside(dataClass: string, store: Store, writer: Writer, present: (acked: WriteAttempt[]) => Promise<Set<number>>): ClassProbe {
  return new ClassProbe({
    cls: { class: dataClass, store: store as "postgres" | "redis", endpoint: { host: "127.0.0.1", port: 0 }, scenarios: {} },
    faults: [],
    writer,
    present,
    settleMs: 0,
    // The whole drill run is read back.
    lookbackMs: 3_600_000,
  });
}

export interface ProbeComparison {
  /** Fields added to the drill's Measured: the probe's numbers beside the drill's. */
  measured: Pick<Measured, "probeRtoSeconds" | "probeLostAcknowledgedWrites" | "probeRpoSeconds" | "probeOutages">;
  ok: boolean;
  notes: string[];
}

/**
 * Put the probe's measurement of the outage the drill caused beside the drill's, and fail when the
 * probe's RTO is off by more than the tolerance or it misses lost writes the drill sees. The probe's
 * outage is the one that ended at or after the fault (the longest, if a blip came first).
 */
export function compareWithProbe(probeMeasurements: ProbeMeasurement[], epoch: number, faultMs: number, drill: Measured, writeIntervalMs: number): ProbeComparison {
  const after = probeMeasurements.filter((m) => Date.parse(m.recoveredAt) - epoch >= faultMs);
  const m = after.sort((a, b) => b.measuredRtoSeconds - a.measuredRtoSeconds)[0];
  const notes: string[] = [];
  if (!m) return { measured: { probeOutages: probeMeasurements.length }, ok: false, notes: ["the recovery probe measured no outage ending after the fault: it missed the outage"] };
  const measured = { probeRtoSeconds: m.measuredRtoSeconds, probeLostAcknowledgedWrites: m.lostAcknowledgedWrites, probeRpoSeconds: m.measuredRpoSeconds, probeOutages: probeMeasurements.length };
  const tolerance = probeRtoToleranceSeconds(writeIntervalMs);
  if (drill.rtoSeconds !== undefined && Math.abs(m.measuredRtoSeconds - drill.rtoSeconds) > tolerance) {
    notes.push(`the probe's RTO ${fmt(m.measuredRtoSeconds)} s differs from the drill's ${fmt(drill.rtoSeconds)} s by more than ${fmt(tolerance)} s (one write interval + ${PROBE_DETECTION_GRANULARITY_SECONDS} s detection granularity)`);
  }
  const drillLost = drill.lostAcknowledgedWrites ?? 0;
  if (drillLost > m.lostAcknowledgedWrites) notes.push(`the probe reports ${m.lostAcknowledgedWrites} lost acknowledged writes where the drill finds ${drillLost}`);
  return { measured, ok: notes.length === 0, notes };
}
