/**
 * Facts about the engines that the settings derivation and the budget model rely on.
 * Each constant names its source; where a number was measured on this project's machines
 * the research note and table are given. Change a number here and both the derived settings
 * and the predictions follow.
 */

export const PATRONI = {
  /** Patroni 3.2+ silently raises ttl below 20 s (patroni docs/dynamic_configuration.rst; global_config.py). */
  minTtlSeconds: 20,
  /** Same source: loop_wait floor. */
  minLoopWaitSeconds: 1,
  /** Same source: retry_timeout floor. */
  minRetryTimeoutSeconds: 3,
  /** Patroni defaults (docs/dynamic_configuration.rst). */
  defaultTtlSeconds: 30,
  defaultLoopWaitSeconds: 10,
  defaultRetryTimeoutSeconds: 10,
  /** Spilo's bootstrap.dcs value (spilo configure_spilo.py TEMPLATE); Patroni's own is 1 MiB. */
  spiloMaximumLagOnFailoverBytes: 33554432,
  /** pg_ctl promote on the winner: 0.16-0.33 s measured (shared/research/drills.md section 0). */
  promotionSeconds: 0.5,
  /** Graceful stop releases the leader key at once; switchover write gap 1.4-1.6 s measured (patroni-drill.md section 1). */
  switchoverSeconds: 2,
} as const;

export const POSTGRES = {
  /** Spilo's archive_timeout default: 1800 s (spilo configure_spilo.py TEMPLATE, bootstrap.dcs). */
  spiloArchiveTimeoutSeconds: 1800,
  /** WAL segment size: every forced switch archives a full 16 MiB segment (PostgreSQL docs, archive_timeout). */
  walSegmentBytes: 16 * 1024 * 1024,
  /**
   * Time to compress and upload one segment, worst case we plan for. S3 small-object latency is
   * 100-200 ms (S3 User Guide, optimizing-performance); a Python archiver here took up to 3.65 s
   * per segment under load (drills.md section 0), WAL-G is faster. 5 s keeps the drill target
   * "archive lag <= archive_timeout + 5 s" and the model in step.
   */
  archiveUploadSeconds: 5,
  /** A forced-switch segment gzips from 16 MiB to about 16.5 KB (drills.md section 0). */
  compressedIdleSegmentBytes: 16.5 * 1024,
  /** Restore throughput of base backup + WAL we plan for, bytes/s. pgbackrest restored 178 MB in 5 s here (~35 MB/s, drills.md); cloud volumes and WAL-G parallel download do better; 50 MB/s is a conservative planning figure checked by the PITR drill. */
  restoreBytesPerSecond: 50 * 1024 * 1024,
  /** WAL replay rate during recovery, bytes/s: ~1.1-1.4 s per 16 MiB segment from the archive here (drills.md 3d), i.e. ~12 MB/s. */
  replayBytesPerSecond: 12 * 1024 * 1024,
  /** Fixed cost of a clone: pod scheduling, volume attach, Spilo bootstrap. Operator experience; checked in drills. */
  cloneBootstrapSeconds: 120,
  /** Round trip per synchronous commit across zones: ~1 ms (xkyle.com AZ latency table, perf-anchors.md section 3). */
  crossZoneCommitRttMs: 1,
  /** Across US coasts: 60-90 ms (perf-anchors.md section 3). */
  crossRegionCommitRttMs: 75,
} as const;

export const KUBERNETES = {
  /** Endpoints of pods on a lost node are removed after node-monitor-grace-period 40-50 s + one poll (cnpg#6168, perf-anchors.md section 3). */
  nodeLossEndpointSeconds: 55,
  /** A service's endpoints follow a pod relabel (Spilo's spilo-role=master) within about a second. */
  endpointUpdateSeconds: 1,
  /** Clients reconnect through the pooler: one retry interval. */
  clientReconnectSeconds: 1,
} as const;

export const SENTINEL = {
  /** Redis defaults (redis sentinel.conf). */
  defaultDownAfterMs: 30000,
  defaultFailoverTimeoutMs: 180000,
  /**
   * After SDOWN: ODOWN by quorum, leader election, promotion and client rediscovery. Measured here:
   * first acked write 0.45-0.7 s after SDOWN with down-after 5000 (drills.md section 0); the drill target
   * allows down-after + 3 s, which we adopt.
   */
  electionAndRediscoverySeconds: 3,
  /** Sentinel PINGs each instance every second; below two periods one late reply is a "failure". */
  minDownAfterMs: 2000,
  /** appendfsync everysec loses up to about a second (Redis persistence docs); "no" leaves it to the OS (about 30 s on Linux). */
  appendfsyncLossSeconds: { always: 0, everysec: 1, no: 30 } as Record<"always" | "everysec" | "no", number>,
} as const;

export const S3_REPLICATION = {
  /** With Replication Time Control: 99.99% of objects within 15 minutes (S3 User Guide, replication-time-control.html). */
  rtcSeconds: 15 * 60,
  /** Without RTC: "most within 15 minutes, but sometimes up to 48 hours" (repost.aws s3-crr-replication-time). */
  withoutRtcSeconds: 48 * 3600,
} as const;

export const ROUTE53 = {
  /** Request intervals Route53 accepts (HealthCheckConfig API). */
  allowedIntervals: [10, 30] as const,
  /** Failure threshold range 1-10 (HealthCheckConfig API); we refuse 1 against flapping (perf-anchors.md section 5). */
  minFailureThreshold: 2,
  maxFailureThreshold: 10,
  /** AWS recommends 60 s TTL on failover records (perf-anchors.md section 1). */
  recommendedTtlSeconds: 60,
  /** Resolvers that stretch TTLs and client caches: 8.7% of resolvers extend TTL (PAM 2023). Planned slack. */
  resolverSlackSeconds: 30,
} as const;

export const CLOUDWATCH = {
  /** Period of the stack's alarms; an alarm fires after period x evaluationPeriods of breaching data. */
  alarmPeriodSeconds: 60,
} as const;

export const REGION_PROMOTION = {
  /** Patroni standby-cluster promotion: remove standby_cluster, next HA loop promotes (spilo.md 3.3); one loop + promote + checkpoint. */
  standbyPromotionOverheadSeconds: 15,
} as const;

/**
 * The Portkey AI gateway (npm @portkey-ai/gateway 1.15.2, MIT; image portkeyai/gateway:1.15.2), read
 * in its build (build/start-server.js, retryRequest and the fallback strategy) and measured by the
 * llm-provider-outage drill.
 */
export const PORTKEY = {
  /** The pinned release: the npm package the drill runs and the image the stack deploys (a test holds them equal). */
  version: "1.15.2",
  /** Retries go through async-retry with randomize false and its defaults: the k-th retry waits 1 s x 2^(k-1). */
  retryBackoffFirstSeconds: 1,
  retryBackoffFactor: 2,
  /** An attempt that outlives request_timeout is aborted and answered by the gateway itself with 408. */
  timeoutStatus: 408,
  /** A refused or reset connection (fetch throws) is answered with 500 once the retries are spent. */
  connectionErrorStatus: 500,
  /** Without retry.on_status_codes, these are retried (Portkey's RETRY_STATUS_CODES). */
  defaultRetryStatusCodes: [429, 500, 502, 503, 504] as readonly number[],
  /**
   * The open-source build has no circuit breaker (its breaker state lives in Portkey's hosted config
   * store): every request starts at the first target, so "traffic is on the standby" from the first
   * request after the fault, and back on the primary from the first request after it recovers.
   */
  circuitBreaker: false,
} as const;

export const LLM = {
  /** The smallest per-attempt timeout we accept: below a second even a healthy model's first token rarely arrives. */
  minRequestTimeoutSeconds: 1,
  /** The largest: beyond it a hung provider holds a user longer than anyone waits for a chat answer. */
  maxRequestTimeoutSeconds: 600,
  /** The degraded responder answers from memory after handing off (webhook timeout 2 s, one retry): planned cost of the last step. */
  degradedStepSeconds: 5,
} as const;
