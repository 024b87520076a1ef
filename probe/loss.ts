import type { WriteAttempt } from "./attempt";

export interface LossReport {
  acknowledged: number;
  lost: WriteAttempt[];
  inDoubtCommitted: number;
  /** Seconds between the first lost ack and the last ack before the fault (0 when nothing is lost). */
  rpoSeconds: number;
}

/**
 * Acknowledged writes missing from `present`, and the span of time they cover: from the first lost
 * ack to the later of the last lost ack and the last ack before `faultMs` (the data a restore to
 * the survivor no longer has). A failed write that exists anyway is "in doubt, committed".
 */
export function lossReport(attempts: WriteAttempt[], present: Set<number>, faultMs: number): LossReport {
  const acked = attempts.filter((a) => a.ok);
  const lost = acked.filter((a) => !present.has(a.id));
  const inDoubt = attempts.filter((a) => !a.ok && present.has(a.id)).length;
  let rpoSeconds = 0;
  if (lost.length > 0) {
    let lastAck = faultMs;
    let firstLost = Infinity;
    let lastLost = -Infinity;
    for (const a of acked) if (a.endMs <= faultMs) lastAck = Math.max(lastAck, a.endMs);
    for (const a of lost) {
      firstLost = Math.min(firstLost, a.endMs);
      lastLost = Math.max(lastLost, a.endMs);
    }
    rpoSeconds = Math.max(lastAck, lastLost) / 1000 - firstLost / 1000;
  }
  return { acknowledged: acked.length, lost, inDoubtCommitted: inDoubt, rpoSeconds };
}

/** The drills' RTO end: the first write started at or after the fault and acknowledged (by a member other than `notOn`). */
export function firstAckAfter(attempts: WriteAttempt[], faultMs: number, notOn?: string): WriteAttempt | undefined {
  return attempts.find((a) => a.ok && a.startMs >= faultMs && (notOn === undefined || a.target !== notOn));
}
