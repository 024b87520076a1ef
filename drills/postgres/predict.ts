import { archiveRpo } from "../../dr/budget/archive";
import { KUBERNETES, PATRONI } from "../../dr/engine-facts";
import { clampPatroni } from "../../dr/settings/patroni";
import type { PostgresSettings } from "../../dr/settings/types";
import type { Prediction } from "../types";

/** The budget's Patroni node-loss bound (dr/budget/postgres.ts inRegionRto): ttl + loop_wait + promotion and reconnect. */
export function nodeLossPrediction(pg: PostgresSettings): Prediction {
  const t = clampPatroni(pg.patroni);
  const overhead = PATRONI.promotionSeconds + KUBERNETES.endpointUpdateSeconds + KUBERNETES.clientReconnectSeconds;
  return {
    rtoSeconds: t.ttlSeconds + t.loopWaitSeconds + overhead,
    mechanism: `Patroni failover: ttl ${t.ttlSeconds} s + loop_wait ${t.loopWaitSeconds} s + ${overhead} s promotion and reconnect`,
    source: "budget instance-loss, node-loss bound",
  };
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
