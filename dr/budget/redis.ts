import { SENTINEL } from "../engine-facts";
import type { DrSettings, RedisSettings } from "../settings/types";
import type { DataClass, Scenario } from "../targets";
import { inSequence } from "./chain";
import { corruptionAnswered, outageAnswered, route53Failover } from "./region";
import type { Bound } from "./types";

export function redisBound(_c: DataClass, scenario: Scenario, s: DrSettings): { rpo: Bound; rto: Bound } {
  const r = s.redis;
  if (!r) {
    const none: Bound = { seconds: Infinity, mechanism: "unprotected: no Redis tier is deployed", fix: "enable the Redis tier (agent-dr:redis.enabled)" };
    return { rpo: none, rto: none };
  }
  switch (scenario) {
    case "instance-loss":
      return { rpo: inRegionRpo(r), rto: sentinelRto(r, r.sentinels - 1) };
    case "zone-loss":
      // Sentinels are spread over three zones: a zone takes a third of them with it.
      return { rpo: inRegionRpo(r), rto: sentinelRto(r, r.sentinels - Math.ceil(r.sentinels / 3)) };
    case "region-loss": {
      const rpo: Bound = { seconds: Infinity, mechanism: "Redis is not replicated across regions", fix: "keep session state in PostgreSQL if it must survive region loss" };
      if (!r.drRegion) return { rpo, rto: { seconds: Infinity, mechanism: "no Redis runs in the DR region", fix: "set agent-dr:redis.drRegion" } };
      const dns = route53Failover(s);
      return { rpo, rto: { ...dns, mechanism: `empty Redis in the DR region; ${dns.mechanism}` } };
    }
    case "credential-compromise":
      return {
        rpo: { seconds: Infinity, mechanism: "Redis keeps no copy outside the set: its password can FLUSHALL every session" },
        rto: inSequence(outageAnswered(s, "rotates the password"), { seconds: SENTINEL.electionAndRediscoverySeconds, mechanism: "sessions start anew" }),
      };
    case "llm-provider-outage":
      // Not a scenario of this store (STORE_SCENARIOS): the budget computes no such row.
      return { rpo: { seconds: 0, mechanism: "a model provider outage touches no stored data" }, rto: { seconds: 0, mechanism: "a model provider outage touches no stored data" } };
    case "logical-corruption":
      return {
        rpo: { seconds: Infinity, mechanism: "Redis keeps no point-in-time history" },
        rto: inSequence(corruptionAnswered(s, "deletes the corrupt keys"), { seconds: SENTINEL.electionAndRediscoverySeconds, mechanism: "sessions start anew" }),
      };
  }
}

function sentinelRto(r: RedisSettings, sentinelsLeft: number): Bound {
  if (r.replicas < 2) return { seconds: Infinity, mechanism: "no Redis replica to promote", fix: "run at least 2 Redis pods (agent-dr:redis.replicas)" };
  // The lost pod may be a replica: the primary then refuses writes while fewer replicas than
  // min-replicas-to-write remain, until the pod is back (a StatefulSet pod on a lost node returns
  // only once the node object is gone).
  const replicasLeft = r.replicas - 2;
  if (r.minReplicasToWrite > replicasLeft) {
    return {
      seconds: Infinity,
      mechanism: `min-replicas-to-write ${r.minReplicasToWrite} with ${r.replicas - 1} replica(s): losing one replica leaves ${replicasLeft}, and the primary refuses every write until the lost pod is back`,
      fix:
        replicasLeft >= 1
          ? `set redis.overrides.minReplicasToWrite to at most ${replicasLeft}`
          : "run at least 3 Redis pods (agent-dr:redis.replicas), so one can be lost while another still acknowledges writes",
    };
  }
  // Failover needs the quorum to agree on ODOWN and a majority of all Sentinels to elect a leader.
  if (sentinelsLeft < r.quorum || sentinelsLeft <= r.sentinels / 2) {
    return {
      seconds: Infinity,
      mechanism: `only ${sentinelsLeft} of ${r.sentinels} Sentinels remain: below quorum ${r.quorum} or no majority to elect a leader`,
      fix: "run 3 or 5 Sentinels across zones with quorum a majority",
    };
  }
  const down = r.downAfterMilliseconds / 1000;
  // The worst case holds one split vote: Sentinel retries the election only after 2 x failover-timeout.
  const retry = (2 * r.failoverTimeoutMilliseconds) / 1000;
  return {
    seconds: down + retry + SENTINEL.electionAndRediscoverySeconds,
    mechanism: `Sentinel failover: down-after-milliseconds ${r.downAfterMilliseconds} ms + one failed election retried after 2 x failover-timeout (${retry} s) + ${SENTINEL.electionAndRediscoverySeconds} s election, promotion and client rediscovery`,
    fix: retry > down ? "lower redis.overrides.failoverTimeoutMilliseconds (or remove it: it is derived from the RTO)" : "lower redis.overrides.downAfterMilliseconds",
  };
}

function inRegionRpo(r: RedisSettings): Bound {
  const replication: Bound =
    r.replicas < 2
      ? { seconds: Infinity, mechanism: "no replica: the data lives on one pod", fix: "run at least 2 Redis pods" }
      : r.minReplicasToWrite >= 1
        ? { seconds: r.minReplicasMaxLagSeconds, mechanism: `asynchronous replication: a primary without a replica acknowledged within min-replicas-max-lag ${r.minReplicasMaxLagSeconds} s stops taking writes`, fix: "lower redis.overrides.minReplicasMaxLagSeconds" }
        : { seconds: Infinity, mechanism: "asynchronous replication with min-replicas-to-write 0: a lagging replica can be promoted with any amount missing", fix: "set redis.overrides.minReplicasToWrite to 1" };
  // No save points at all (save "") means nothing is ever persisted without AOF.
  const maxSave = r.save.length > 0 ? Math.max(...r.save.map(([sec]) => sec)) : Infinity;
  const persistence: Bound = r.appendonly
    ? { seconds: SENTINEL.appendfsyncLossSeconds[r.appendfsync], mechanism: `AOF appendfsync ${r.appendfsync} loses up to ${SENTINEL.appendfsyncLossSeconds[r.appendfsync]} s on restart`, fix: "set redis.overrides.appendfsync to everysec or always" }
    : Number.isFinite(maxSave)
      ? { seconds: maxSave, mechanism: `appendonly off: a restart loses everything since the last RDB save (up to ${maxSave} s)`, fix: "turn on redis.overrides.appendonly (AOF)" }
      : { seconds: Infinity, mechanism: "appendonly off and no RDB save points: a restart loses everything", fix: "turn on redis.overrides.appendonly (AOF)" };
  return replication.seconds >= persistence.seconds ? replication : persistence;
}
