import type { DrillTarget, Measured, Prediction, ScenarioResult } from "./types";

/** "A clear margin" above a prediction: 25 % plus 2 s for timer granularity and scheduling on a busy box. */
export const PREDICTION_MARGIN = { factor: 1.25, seconds: 2 } as const;

export function exceedsPrediction(measured: number, predicted: number): boolean {
  if (!Number.isFinite(predicted)) return false;
  return measured > predicted * PREDICTION_MARGIN.factor + PREDICTION_MARGIN.seconds;
}

export interface Verdict {
  targetMet: boolean;
  agreesWithPrediction: boolean;
  ok: boolean;
  notes: string[];
}

/**
 * Judge a measurement. A safe configuration must reach its target and stay within its prediction;
 * an unsafe one (expectedUnsafe) passes when the measurement agrees with the prediction, and is
 * never reported as reaching a target it cannot reach.
 */
export function judge(target: DrillTarget, predicted: Prediction, measured: Measured, expectedUnsafe = false): Verdict {
  const notes: string[] = [];
  let targetMet = true;
  if (target.rtoSeconds !== undefined) {
    if (measured.rtoSeconds === undefined) {
      targetMet = false;
      notes.push("RTO was not measured (no acknowledged write after the fault)");
    } else if (measured.rtoSeconds > target.rtoSeconds) {
      targetMet = false;
      notes.push(`RTO ${fmt(measured.rtoSeconds)} s > target ${fmt(target.rtoSeconds)} s`);
    }
  }
  if (target.rpoSeconds !== undefined) {
    const rpo = measured.rpoSeconds ?? (measured.lostAcknowledgedWrites ? Infinity : 0);
    if (rpo > target.rpoSeconds || (target.rpoSeconds === 0 && (measured.lostAcknowledgedWrites ?? 0) > 0)) {
      targetMet = false;
      notes.push(measured.lostAcknowledgedWrites === undefined ? `RPO ${fmt(rpo)} s > target ${fmt(target.rpoSeconds)} s` : `lost ${measured.lostAcknowledgedWrites} acknowledged writes (${fmt(rpo)} s) > target RPO ${fmt(target.rpoSeconds)} s`);
    }
  }

  let agrees = true;
  if (predicted.rtoSeconds !== undefined && measured.rtoSeconds !== undefined && exceedsPrediction(measured.rtoSeconds, predicted.rtoSeconds)) {
    agrees = false;
    notes.push(`RTO ${fmt(measured.rtoSeconds)} s is above the prediction ${fmt(predicted.rtoSeconds)} s by more than the margin: the model is wrong`);
  }
  const lost = measured.lostAcknowledgedWrites;
  if (predicted.lostAcknowledgedWrites !== undefined && lost !== undefined) {
    if (predicted.lostAcknowledgedWrites === 0 && lost > 0) {
      agrees = false;
      notes.push(`${lost} acknowledged writes lost where the model predicts none`);
    } else if (!Number.isFinite(predicted.lostAcknowledgedWrites) && lost === 0) {
      agrees = false;
      notes.push("the model predicts lost acknowledged writes for this unsafe configuration, but none were lost: the drill did not exercise the failure");
    }
  }
  if (predicted.rpoSeconds !== undefined && measured.rpoSeconds !== undefined && exceedsPrediction(measured.rpoSeconds, predicted.rpoSeconds)) {
    agrees = false;
    notes.push(`RPO ${fmt(measured.rpoSeconds)} s is above the prediction ${fmt(predicted.rpoSeconds)} s`);
  }
  if (expectedUnsafe && targetMet) {
    // An unsafe configuration is never shown as meeting its target, even when this run got lucky.
    targetMet = false;
    notes.push("deliberately unsafe configuration: the model bounds nothing here (the loss grows until the node is fenced), so the target is not claimed whatever this run measured");
  }
  const ok = expectedUnsafe ? agrees : targetMet && agrees;
  return { targetMet, agreesWithPrediction: agrees, ok, notes };
}

export function fmt(n: number | undefined): string {
  if (n === undefined) return "-";
  if (!Number.isFinite(n)) return "unbounded";
  return Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1);
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** What a scenario says about itself; judgedResult adds the verdict and the wall time. */
export type ScenarioReport = Pick<ScenarioResult, "id" | "store" | "description" | "target" | "predicted" | "measured"> & Partial<Pick<ScenarioResult, "dataClass" | "timeline" | "expectedUnsafe">>;

/** A scenario's result: its report, the verdict on it, and the seconds since it started (startedAtMs, Date.now()). */
export function judgedResult(report: ScenarioReport, verdict: Verdict, startedAtMs: number): ScenarioResult {
  return { ...report, ...verdict, expectedUnsafe: report.expectedUnsafe ?? false, wallSeconds: (Date.now() - startedAtMs) / 1000 };
}
