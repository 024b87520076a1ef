import { KUBERNETES, LLM, PATRONI, POSTGRES, REGION_PROMOTION, ROUTE53, SENTINEL } from "../engine-facts";
import type { DrSettings } from "../settings/types";
import type { DataClass, Scenario } from "../targets";

/**
 * The best this design can do for a class and scenario, whatever the settings (within the engines'
 * floors and the pack's refusals): a target below it can not be met by turning a knob, and the
 * budget says so instead of printing a Fix that can not work. test/stack/budget-floors.test.ts checks
 * that no settings predict better than these floors.
 */
export interface DesignLimit {
  /** The smallest predicted value any settings reach; with `exclusive`, only values above it are reachable. */
  seconds: number;
  exclusive?: boolean;
  /** A target of exactly 0 is reachable by another mechanism (synchronous commit), though nothing between 0 and the limit is. */
  zeroReachable?: boolean;
  /** Why nothing goes lower. */
  why: string;
  /** What would change it: another mechanism, or a relaxed target. */
  change: string;
}

export interface DesignFloor {
  rpo?: DesignLimit;
  rto?: DesignLimit;
}

const round = (n: number) => Math.round(n * 10) / 10;

export function designFloor(c: DataClass, scenario: Scenario, s: DrSettings): DesignFloor {
  if (c.store === "llm-gateway") return llmFloor(s);
  return c.store === "postgres" ? postgresFloor(scenario, s) : redisFloor(scenario);
}

/**
 * A provider that hangs is only known to have failed when its attempt times out, and no attempt is
 * cut shorter than the smallest timeout we accept: each provider of the chain costs at least that,
 * and the degraded step its own planned time.
 */
function llmFloor(s: DrSettings): DesignFloor {
  const n = s.llm?.providers.length ?? 1;
  const seconds = n * LLM.minRequestTimeoutSeconds + (s.llm?.degradedResponse ? LLM.degradedStepSeconds : 0);
  return {
    rto: {
      seconds,
      why: `a hung provider is noticed only when its attempt times out (at least ${LLM.minRequestTimeoutSeconds} s each, for ${n} provider(s)), and the degraded step takes about ${LLM.degradedStepSeconds} s: at least ${seconds} s`,
      change: `relax the llm-provider-outage RTO to at least ${seconds} s, or shorten the chain`,
    },
  };
}

function postgresFloor(scenario: Scenario, s: DrSettings): DesignFloor {
  const failoverOverhead = PATRONI.promotionSeconds + KUBERNETES.endpointUpdateSeconds + KUBERNETES.clientReconnectSeconds;
  switch (scenario) {
    case "instance-loss":
    case "zone-loss": {
      const seconds = PATRONI.minTtlSeconds + PATRONI.minLoopWaitSeconds + failoverOverhead;
      return {
        rpo: {
          seconds: PATRONI.minTtlSeconds,
          exclusive: true,
          zeroReachable: true,
          why: `an asynchronous commit may be lost on failover: up to maximum_lag_on_failover plus what is written in the last ttl (at least ${PATRONI.minTtlSeconds} s), so only synchronous commit (RPO 0) goes below ${PATRONI.minTtlSeconds} s`,
          change: `set the class's rpo to 0 (the derivation then commits its role synchronously, about 1 ms per commit across zones), or relax the RPO above ${PATRONI.minTtlSeconds} s`,
        },
        rto: {
          seconds,
          why: `Patroni notices a lost leader only when its leader key expires, and ttl can not go below ${PATRONI.minTtlSeconds} s (Patroni 3.2+ raises it), so a failover takes at least ${round(seconds)} s`,
          change: `relax the RTO to at least ${round(seconds)} s; a faster failover needs a mechanism that does not wait for a lease to expire, which this design does not offer`,
        },
      };
    }
    case "region-loss": {
      // Detection: the controller may decide after one check, but Route53 needs 2 failed probes at 10 s.
      const detect = ROUTE53.minFailureThreshold * Math.min(...ROUTE53.allowedIntervals);
      const seconds = detect + PATRONI.minLoopWaitSeconds + REGION_PROMOTION.standbyPromotionOverheadSeconds + ROUTE53.resolverSlackSeconds;
      return {
        rpo: {
          seconds: 0,
          exclusive: true,
          why: "the DR standby cluster replicates asynchronously: a commit does not wait for the DR region, so the last writes before the loss can be missing there",
          change: `relax the region-loss RPO above 0; RPO 0 across regions needs synchronous replication to the DR region (about ${POSTGRES.crossRegionCommitRttMs} ms on every commit), which this design does not offer`,
        },
        rto: {
          seconds,
          why: `Route53 needs ${ROUTE53.minFailureThreshold} failed probes ${Math.min(...ROUTE53.allowedIntervals)} s apart, the standby promotion at least ${PATRONI.minLoopWaitSeconds + REGION_PROMOTION.standbyPromotionOverheadSeconds} s, and resolvers about ${ROUTE53.resolverSlackSeconds} s beyond any TTL: at least ${seconds} s`,
          change: `relax the region-loss RTO to at least ${seconds} s; less needs clients that fail over without DNS (both regions active), which this design does not offer`,
        },
      };
    }
    case "logical-corruption": {
      const rpo = 1 + POSTGRES.archiveUploadSeconds;
      const restore = restoreFloorSeconds(s);
      return {
        rpo: {
          seconds: rpo,
          why: `a point-in-time restore reaches only archived WAL, and archiving lags by at least archive_timeout 1 s + ${POSTGRES.archiveUploadSeconds} s upload`,
          change: `relax the logical-corruption RPO to at least ${rpo} s; less needs the bad change never to be committed, or a delayed replica to rewind, which this design does not offer`,
        },
        rto: {
          seconds: restore,
          why: `on-call needs at least a minute to start it, a clone ${POSTGRES.cloneBootstrapSeconds} s to bootstrap, the data restores at about ${Math.round(POSTGRES.restoreBytesPerSecond / 1024 / 1024)} MiB/s and WAL since the last base backup replays at about ${Math.round(POSTGRES.replayBytesPerSecond / 1024 / 1024)} MiB/s (base backups can not come more often than one takes): at least ${round(restore)} s for agent-dr:postgres.dataSizeGiB and writeRateMiBPerSecond`,
          change: `relax the logical-corruption RTO to at least ${round(restore)} s, or keep less data or fewer writes in the cluster (split it), or measure faster restores and update the planning figures`,
        },
      };
    }
    case "llm-provider-outage":
      return {};
    case "credential-compromise": {
      // The newest surviving point is at best what the archive already holds, restored by a clone.
      const rpo = 1 + POSTGRES.archiveUploadSeconds;
      const restore = restoreFloorSeconds(s);
      return {
        rpo: { seconds: rpo, why: `the newest recovery point out of an attacker's reach is archived WAL, at least archive_timeout 1 s + ${POSTGRES.archiveUploadSeconds} s upload old`, change: `relax the credential-compromise RPO to at least ${rpo} s` },
        rto: { seconds: restore, why: `on-call needs at least a minute to start it, and a clone from the surviving archive bootstraps in ${POSTGRES.cloneBootstrapSeconds} s, restores at about ${Math.round(POSTGRES.restoreBytesPerSecond / 1024 / 1024)} MiB/s and replays the WAL since its base backup`, change: `relax the credential-compromise RTO to at least ${round(restore)} s` },
      };
    }
  }
}

/**
 * The fastest restore any settings allow: a person starts it (at least a minute), the clone
 * bootstraps and restores the base backup, then replays the WAL written since that backup, and a
 * base backup can not start more often than one takes (the data at the restore rate, 60 s at least).
 */
function restoreFloorSeconds(s: DrSettings): number {
  const data = s.postgres?.dataSizeBytes ?? 0;
  const base = data / POSTGRES.restoreBytesPerSecond;
  const replay = (Math.max(60, base) * (s.postgres?.writeRateBytesPerSecond ?? 0)) / POSTGRES.replayBytesPerSecond;
  return PERSON_MIN_RESPONSE_SECONDS + POSTGRES.cloneBootstrapSeconds + base + replay;
}

/** The config refuses an on-call response below a minute (agent-dr:failover.manualResponseMinutes). */
const PERSON_MIN_RESPONSE_SECONDS = 60;

function redisFloor(scenario: Scenario): DesignFloor {
  // down-after at its floor, one split vote retried after 2 x failover-timeout (more than twice down-after), the election.
  const rto = (3 * SENTINEL.minDownAfterMs) / 1000 + SENTINEL.electionAndRediscoverySeconds;
  switch (scenario) {
    case "instance-loss":
    case "zone-loss":
      return {
        rpo: {
          seconds: 1,
          why: "Redis replicates asynchronously: min-replicas-max-lag (at least 1 s) bounds what a promoted replica can miss, never to 0",
          change: "relax the RPO to at least 1 s, or keep data that needs RPO 0 in PostgreSQL with synchronous replication",
        },
        rto: {
          seconds: rto,
          why: `Sentinel declares a primary down after down-after-milliseconds (at least ${SENTINEL.minDownAfterMs} ms against flapping), may need a second election after 2 x failover-timeout (which must exceed twice down-after), then promotes: at least ${rto} s`,
          change: `relax the RTO to at least ${rto} s`,
        },
      };
    case "llm-provider-outage":
      return {};
    case "region-loss":
    case "logical-corruption":
    case "credential-compromise":
      return {
        rpo: {
          seconds: Infinity,
          why: scenario === "region-loss" ? "Redis is not replicated across regions in this design" : scenario === "logical-corruption" ? "Redis keeps no point-in-time history" : "Redis keeps no copy outside the set that its own credentials can not erase",
          change: "declare the RPO unbounded for this class, or keep the data in PostgreSQL",
        },
      };
  }
}

/** Is a target below what the design can reach? */
export function unreachable(limit: DesignLimit | undefined, target: number): boolean {
  if (!limit) return false;
  if (limit.zeroReachable && target === 0) return false;
  return limit.exclusive ? target <= limit.seconds : target < limit.seconds;
}
