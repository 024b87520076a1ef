import { KUBERNETES, PATRONI, POSTGRES, REGION_PROMOTION, S3_REPLICATION } from "../engine-facts";
import { cronMaxGapSeconds } from "../settings/cron";
import type { DrSettings, PostgresSettings } from "../settings/types";
import type { DataClass, Scenario } from "../targets";
import { archiveRpo, restoreSeconds } from "./archive";
import { credentialCompromise } from "./compromise";
import { fmtBytes, fmtRate, round } from "./format";
import { inSequence } from "./chain";
import { corruptionAnswered, dnsSwitch, regionDecision } from "./region";
import type { Bound } from "./types";

const SYNC_COMMIT_LEVELS = new Set(["on", "remote_apply", "remote_write"]);

export function postgresBound(c: DataClass, scenario: Scenario, s: DrSettings): { rpo: Bound; rto: Bound } {
  const pg = s.postgres;
  if (!pg) {
    const none: Bound = { seconds: Infinity, mechanism: "unprotected: no PostgreSQL tier is deployed", fix: "enable the PostgreSQL tier (agent-dr:postgres.enabled)" };
    return { rpo: none, rto: none };
  }
  switch (scenario) {
    case "instance-loss":
      return { rpo: inRegionRpo(c, pg, false), rto: inRegionRto(pg, false) };
    case "zone-loss":
      return { rpo: inRegionRpo(c, pg, true), rto: inRegionRto(pg, true) };
    case "region-loss":
      return regionLoss(pg, s);
    case "logical-corruption":
      return logicalCorruption(pg, s);
    case "credential-compromise":
      return credentialCompromise(pg, s);
    case "llm-provider-outage":
      // Not a scenario of this store (STORE_SCENARIOS): the budget computes no such row.
      return notConcerned();
  }
}

function notConcerned(): { rpo: Bound; rto: Bound } {
  const none: Bound = { seconds: 0, mechanism: "a model provider outage touches no stored data" };
  return { rpo: none, rto: none };
}

function inRegionRpo(c: DataClass, pg: PostgresSettings, zone: boolean): Bound {
  if (pg.instances < 2 || (zone && !pg.spreadAcrossZones)) {
    const a = archiveRpo(pg);
    return { ...a, mechanism: `no replica ${zone ? "in another zone" : ""} to fail over to; ${a.mechanism}`.replace("  ", " "), fix: "run at least 2 instances spread across zones (agent-dr:postgres.instances)" };
  }
  const commit = c.database ? pg.synchronousCommit[c.database] : undefined;
  if (pg.synchronousMode && commit && SYNC_COMMIT_LEVELS.has(commit)) {
    return { seconds: 0, mechanism: `synchronous replication (Patroni synchronous_mode, synchronous_commit ${commit}): no acknowledged commit is lost unless primary and sync standby fail together` };
  }
  const lagSeconds = pg.maximumLagOnFailoverBytes / pg.writeRateBytesPerSecond;
  const why = pg.synchronousMode ? `synchronous_commit ${commit ?? "local"} for ${c.database}` : "synchronous_mode off";
  return {
    seconds: lagSeconds + pg.patroni.ttlSeconds,
    mechanism: `asynchronous replication (${why}): maximum_lag_on_failover ${pg.maximumLagOnFailoverBytes} B at ${fmtRate(pg.writeRateBytesPerSecond)} = ${round(lagSeconds)} s + ttl ${pg.patroni.ttlSeconds} s. Not covered: a split brain (the leader's Patroni dies, its PostgreSQL keeps serving, no watchdog) loses every write to the old leader after the new one is elected; synchronous_commit on for this class's role (or a Patroni watchdog) prevents it (drill postgres-split-brain-async)`,
    fix: pg.synchronousMode
      ? "lower postgres.overrides.maximumLagOnFailoverBytes, or give the class RPO 0 (its role then commits synchronously)"
      : "lower postgres.overrides.maximumLagOnFailoverBytes, or give the class RPO 0 with postgres.overrides.synchronousMode on (or unset: it is derived on for RPO 0)",
  };
}

/**
 * Patroni's failover when the leader's node is lost: the leader key expires (ttl), the next HA
 * loop (loop_wait) elects a replica, then promotion and the clients' reconnect. The node-loss
 * drill predicts with this same function.
 */
export function patroniNodeLossRto(patroni: { ttlSeconds: number; loopWaitSeconds: number }): Bound {
  const { ttlSeconds: ttl, loopWaitSeconds: loop } = patroni;
  const overhead = PATRONI.promotionSeconds + KUBERNETES.endpointUpdateSeconds + KUBERNETES.clientReconnectSeconds;
  return {
    seconds: ttl + loop + overhead,
    mechanism: `Patroni failover: ttl ${ttl} s + loop_wait ${loop} s + ${round(overhead)} s promotion and reconnect`,
    fix: "lower postgres.overrides.ttlSeconds / loopWaitSeconds (Patroni floors: ttl 20 s, loop_wait 1 s, retry_timeout 3 s)",
  };
}

function inRegionRto(pg: PostgresSettings, zone: boolean): Bound {
  const loop = pg.patroni.loopWaitSeconds;
  if (pg.instances < 2) {
    const seconds = KUBERNETES.nodeLossEndpointSeconds + POSTGRES.cloneBootstrapSeconds;
    return { seconds: zone ? Infinity : seconds, mechanism: zone ? "single instance: its volume is lost with the zone" : `single instance: the pod is rescheduled (${seconds} s)`, fix: "run at least 2 instances (agent-dr:postgres.instances)" };
  }
  const overhead = PATRONI.promotionSeconds + KUBERNETES.endpointUpdateSeconds + KUBERNETES.clientReconnectSeconds;
  const nodeLoss = patroniNodeLossRto(pg.patroni);
  const crash = 2 * loop + pg.primaryStartTimeoutSeconds + overhead;
  const poolerGap = zone && pg.poolerInstances < 2 ? KUBERNETES.nodeLossEndpointSeconds : 0;
  if (crash > nodeLoss.seconds) {
    return {
      seconds: crash + poolerGap,
      mechanism: `Postgres crash with Patroni alive: loop_wait ${loop} s + primary_start_timeout ${pg.primaryStartTimeoutSeconds} s + loop_wait ${loop} s + ${round(overhead)} s promotion and reconnect`,
      fix: "lower primary_start_timeout or loop_wait",
    };
  }
  return {
    ...nodeLoss,
    seconds: nodeLoss.seconds + poolerGap,
    mechanism: `${nodeLoss.mechanism}${poolerGap ? ` + ${poolerGap} s for a single pooler pod on the lost node` : ""}`,
  };
}

function crrSeconds(s: DrSettings): number {
  return s.backup.replicationTimeControl ? S3_REPLICATION.rtcSeconds : S3_REPLICATION.withoutRtcSeconds;
}

function regionLoss(pg: PostgresSettings, s: DrSettings): { rpo: Bound; rto: Bound } {
  if (!s.regions.dr) {
    const none: Bound = { seconds: Infinity, mechanism: "single region: nothing survives the loss of the region", fix: "set agent-dr:regions.dr to run a standby cluster in a second region" };
    return { rpo: none, rto: none };
  }
  const archive = archiveRpo(pg);
  const crr = crrSeconds(s);
  const replicatedArchive: Bound = s.backup.crossRegionReplication
    ? {
        seconds: archive.seconds + crr,
        mechanism: `${archive.mechanism} + S3 replication ${s.backup.replicationTimeControl ? "with RTC (15 min)" : "without RTC (up to 48 h)"}`,
        fix: s.backup.replicationTimeControl ? "a region-loss RPO below 15 minutes needs a streaming standby cluster (agent-dr:postgres.standby)" : "turn on backup.overrides.replicationTimeControl, or stream to a standby cluster",
      }
    : { seconds: Infinity, mechanism: "S3 cross-region replication is off: no copy of the archive reaches the DR region", fix: "turn on backup.overrides.crossRegionReplication" };

  let rpo: Bound;
  if (pg.standby.enabled && pg.standby.streaming && pg.standby.archiveFallback) {
    rpo = {
      seconds: pg.standby.maxLagSeconds,
      mechanism: `streaming standby cluster in ${s.regions.dr}: lag at most ${pg.standby.maxLagSeconds} s (watched by an alert; the replicated archive lets it catch up after a broken stream)`,
      fix: "lower agent-dr:postgres.standby.maxLagSeconds and keep the standby's lag alert at that value",
    };
  } else if (pg.standby.enabled && pg.standby.streaming) {
    rpo = {
      seconds: Infinity,
      mechanism: "streaming standby without an archive fallback: once the primary recycles WAL past a broken stream (wal_keep_size), the standby can never catch up; S3 cross-region replication is off",
      fix: "turn on backup.overrides.crossRegionReplication",
    };
  } else {
    rpo = replicatedArchive;
  }

  const decision = regionDecision(s);
  const dns = dnsSwitch(s);
  let promotion: Bound;
  if (pg.standby.enabled) {
    promotion = standbyPromotion(pg.patroni);
  } else if (s.backup.crossRegionReplication) {
    const restore = restoreSeconds(pg);
    promotion = { seconds: restore.seconds, mechanism: `no standby: ${restore.mechanism}`, fix: "run a standby cluster in the DR region (agent-dr:postgres.standby.enabled)" };
  } else {
    promotion = { seconds: Infinity, mechanism: "no standby and no replicated archive in the DR region", fix: "turn on backup.overrides.crossRegionReplication and agent-dr:postgres.standby.enabled" };
  }
  const detect = Math.max(decision.seconds, 0);
  const rto: Bound = {
    seconds: detect + promotion.seconds + dns.seconds,
    mechanism: `${decision.mechanism} + ${promotion.mechanism} + ${dns.mechanism}`,
    fix: [decision.fix, promotion.fix, dns.fix].filter(Boolean).join("; "),
  };
  if (!Number.isFinite(dns.seconds)) rto.mechanism = dns.mechanism;
  return { rpo, rto };
}

/**
 * Promoting the DR standby cluster once the decision is made: the standby leader's next HA loop
 * drops standby_cluster, then the promotion itself. The region-loss drill predicts with it.
 */
export function standbyPromotion(patroni: { loopWaitSeconds: number }): Bound {
  const seconds = patroni.loopWaitSeconds + REGION_PROMOTION.standbyPromotionOverheadSeconds;
  return { seconds, mechanism: `standby promotion (loop_wait ${patroni.loopWaitSeconds} s + ${REGION_PROMOTION.standbyPromotionOverheadSeconds} s)` };
}

function logicalCorruption(pg: PostgresSettings, s: DrSettings): { rpo: Bound; rto: Bound } {
  if (pg.archiveMode) {
    const a = archiveRpo(pg);
    return {
      rpo: { ...a, mechanism: `point-in-time clone made at once reaches only archived WAL: ${a.mechanism}` },
      rto: inSequence(corruptionAnswered(s, "starts a point-in-time clone"), restoreSeconds(pg)),
    };
  }
  const gap = s.backup.logicalBackupSchedule ? cronMaxGapSeconds(s.backup.logicalBackupSchedule) : Infinity;
  const base = pg.dataSizeBytes / POSTGRES.restoreBytesPerSecond;
  return {
    rpo: {
      seconds: s.backup.verifiedByRestore ? gap : Infinity,
      mechanism: !s.backup.logicalBackupSchedule
        ? "WAL archiving is off and there is no logical backup"
        : s.backup.verifiedByRestore
          ? `logical backup every ${round(gap / 3600)} h (pg_dump, verified by restore)`
          : "logical backup is never verified by a restore",
      fix: "turn WAL archiving on, or run the logical backup more often",
    },
    rto: inSequence(corruptionAnswered(s, "restores the last dump"), { seconds: POSTGRES.cloneBootstrapSeconds + base, mechanism: `pg_restore of ${fmtBytes(pg.dataSizeBytes)}` }),
  };
}
