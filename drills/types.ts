import type { Store } from "../dr/targets";

import type { WriteAttempt } from "../probe/attempt";

/** One write a load tried (the recovery probe's writers record them; ms are since the scenario's epoch). */
export type { WriteAttempt };

/** A marked moment on the timeline (kill, promotion, first ack, rejoin). */
export interface TimelineEvent {
  atMs: number;
  label: string;
}

export interface Timeline {
  /** Wall-clock time of ms 0. */
  epoch: number;
  /** Per load label (e.g. "agent_config (sync)"). */
  writes: Record<string, WriteAttempt[]>;
  events: TimelineEvent[];
}

/** Seconds and loss; a field a scenario does not measure is absent. */
export interface Measured {
  rtoSeconds?: number;
  /** Acknowledged writes missing after recovery. */
  lostAcknowledgedWrites?: number;
  /** Seconds of acknowledged writes lost (first lost ack to last ack before the fault). */
  rpoSeconds?: number;
  acknowledgedWrites?: number;
  /** Writes that returned an error but exist afterwards. */
  inDoubtCommitted?: number;
  rejoinSeconds?: number;
  archiveLagSeconds?: number;
  walSegmentsLost?: number;
  archiveCatchUpSeconds?: number;
  segmentsPerSecond?: number;
  restoreMBps?: number;
  rowsBeforeTargetPresent?: boolean;
  rowsAfterTargetAbsent?: boolean;
  restoreVerified?: boolean;
  /** The recovery probe's numbers for the same outage, measured from the writes alone (drills/probe-beside.ts). */
  probeRtoSeconds?: number;
  probeLostAcknowledgedWrites?: number;
  probeRpoSeconds?: number;
  /** Outages the probe measured during the scenario (blips included). */
  probeOutages?: number;
  [key: string]: number | boolean | string | undefined;
}

export interface Prediction {
  rtoSeconds?: number;
  rpoSeconds?: number;
  /** Acknowledged writes the model expects to be lost: 0, or Infinity for "some, unbounded". */
  lostAcknowledgedWrites?: number;
  /** What bounds it, in words (the budget's mechanism). */
  mechanism: string;
  /** Where the number comes from (budget row / bound). */
  source: string;
}

export interface DrillTarget {
  rtoSeconds?: number;
  rpoSeconds?: number;
  /** Anything else the scenario must hold (e.g. "zero WAL segments lost"). */
  other?: string;
  source: string;
}

export interface ScenarioResult {
  id: string;
  store: Store;
  dataClass?: string;
  description: string;
  target: DrillTarget;
  predicted: Prediction;
  measured: Measured;
  /** Target reached (false for a deliberately unsafe configuration that cannot reach it). */
  targetMet: boolean;
  /** Measurement agrees with the prediction (not above it by a clear margin). */
  agreesWithPrediction: boolean;
  /** The configuration is unsafe on purpose; it passes when the measurement agrees with the prediction. */
  expectedUnsafe: boolean;
  ok: boolean;
  /** Why it failed, or notes worth reading. */
  notes: string[];
  /** Set when the drill threw before it could measure: the error, and nothing measured. */
  error?: string;
  timeline?: Timeline;
  wallSeconds: number;
}
