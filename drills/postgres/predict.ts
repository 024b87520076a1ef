import { archiveRpo, patroniNodeLossRto } from "../../dr/budget";
import { PATRONI } from "../../dr/engine-facts";
import { clampPatroni } from "../../dr/settings/patroni";
import type { PostgresSettings } from "../../dr/settings/types";
import type { Prediction } from "../types";

/** The budget's Patroni node-loss bound, on the timings Patroni really runs (its floors applied). */
export function nodeLossPrediction(pg: PostgresSettings): Prediction {
  const b = patroniNodeLossRto(clampPatroni(pg.patroni));
  return { rtoSeconds: b.seconds, mechanism: b.mechanism, source: "budget instance-loss, node-loss bound (patroniNodeLossRto)" };
}

/** Switchover: the old leader releases the key at once; the budget plans PATRONI.switchoverSeconds. */
export function switchoverPrediction(): Prediction {
  return { rtoSeconds: PATRONI.switchoverSeconds, lostAcknowledgedWrites: 0, mechanism: `graceful leader-key release + promotion (${PATRONI.switchoverSeconds} s)`, source: "engine facts PATRONI.switchoverSeconds" };
}

/** Archive lag: the open segment waits up to archive_timeout, then uploads (the budget's archive RPO bound). */
export function archivePrediction(pg: PostgresSettings): Prediction {
  const b = archiveRpo(pg);
  return { rpoSeconds: b.seconds, mechanism: b.mechanism, source: "budget archive RPO bound" };
}
