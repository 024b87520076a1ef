import { protectionFromConfig } from "./protection";
import { CLOUDWATCH, POSTGRES, REGION_PROMOTION, ROUTE53, S3_REPLICATION, SENTINEL } from "../engine-facts";
import type { DataClass, Scenario, StackConfig } from "../targets";
import { STACK_DEFAULTS } from "../targets/defaults";
import { everyHoursCron } from "./cron";
import { clampPatroni, derivePatroniTimings } from "./patroni";
import { deriveLlm } from "./llm";
import type { DrSettings, PostgresSettings, RedisSettings } from "./types";

const HOUR_DIVISORS = [1, 2, 3, 4, 6, 8, 12, 24];

function tightest(classes: DataClass[], scenarios: Scenario[], field: "rpoSeconds" | "rtoSeconds"): number {
  let min = Infinity;
  for (const c of classes) for (const s of scenarios) min = Math.min(min, c.targets[s][field]);
  return min;
}

/** Derive every timing setting from the recovery targets, then apply the stack's overrides. */
export function deriveSettings(config: StackConfig): DrSettings {
  const pgClasses = config.dataClasses.filter((c) => c.store === "postgres");
  const redisClasses = config.dataClasses.filter((c) => c.store === "redis");
  const hasDr = config.regions.dr !== undefined;

  const backupOverrides = config.backup.overrides;
  const crossRegionReplication = backupOverrides.crossRegionReplication ?? hasDr;
  // RTC is needed whenever a class's region-loss RPO leans on the replicated archive (as its path or as
  // the standby's fallback) and the 48 h tail of replication without RTC would break it.
  const replicatedArchiveServes = pgClasses.length > 0 && hasDr && config.postgres.enabled;
  const replicationTimeControl =
    backupOverrides.replicationTimeControl ??
    (crossRegionReplication && replicatedArchiveServes && tightest(pgClasses, ["region-loss"], "rpoSeconds") < S3_REPLICATION.withoutRtcSeconds);

  const postgres = config.postgres.enabled && pgClasses.length > 0 ? derivePostgres(config, pgClasses, crossRegionReplication) : undefined;
  const redis = config.redis.enabled && redisClasses.length > 0 ? deriveRedis(config, redisClasses) : undefined;

  return {
    environment: config.environment,
    regions: config.regions,
    ...(postgres ? { postgres } : {}),
    ...(redis ? { redis } : {}),
    backup: {
      crossRegionReplication,
      replicationTimeControl,
      logicalBackupSchedule: backupOverrides.logicalBackupSchedule ?? STACK_DEFAULTS.backup.logicalBackupSchedule,
      // The drill must prove a dump before the last proven one expires: weekly only when dumps outlive a week.
      restoreDrillSchedule: backupOverrides.restoreDrillSchedule ?? (config.backup.retentionDays > 7 ? "0 4 * * 0" : "0 4 * * *"),
      retentionDays: config.backup.retentionDays,
      verifiedByRestore: true,
      protection: protectionFromConfig(config),
    },
    dns: deriveDns(config),
    failover: {
      regionPromotion: config.failover.controller.enabled ? config.failover.regionPromotion : "manual",
      manualResponseSeconds: config.failover.manualResponseSeconds,
      pageDelaySeconds: healthCheckAlarmSeconds(config.signals.overrides.Route53HealthCheckFailing),
      ...pagedVia(config.signals),
      ...(config.failover.corruptionNoticedSeconds !== undefined ? { corruptionNoticedSeconds: config.failover.corruptionNoticedSeconds } : {}),
      controllerIntervalSeconds: config.failover.controller.intervalSeconds,
      controllerFailureThreshold: config.failover.controller.failureThreshold,
    },
    ...(config.llm ? { llm: deriveLlm(config, config.llm) } : {}),
  };
}

function derivePostgres(config: StackConfig, classes: DataClass[], crossRegionReplication: boolean): PostgresSettings {
  const o = config.postgres.overrides;
  const inRegion: Scenario[] = ["instance-loss", "zone-loss"];
  const instanceRto = tightest(classes, inRegion, "rtoSeconds");
  const derived = derivePatroniTimings(instanceRto);
  // Overrides are taken as written; what Patroni will really run is clamped (and the policy flags the difference).
  const patroni = clampPatroni({
    ttlSeconds: o.ttlSeconds ?? derived.ttlSeconds,
    loopWaitSeconds: o.loopWaitSeconds ?? derived.loopWaitSeconds,
    retryTimeoutSeconds: o.retryTimeoutSeconds ?? derived.retryTimeoutSeconds,
  });

  const needsSync = classes.some((c) => inRegion.some((s) => c.targets[s].rpoSeconds === 0));
  const synchronousMode = (o.synchronousMode ?? needsSync) && config.postgres.instances >= 2;
  const synchronousCommit: PostgresSettings["synchronousCommit"] = {};
  for (const c of classes) {
    if (!c.database) continue;
    const rpo0 = inRegion.some((s) => c.targets[s].rpoSeconds === 0);
    // Classes that share a database share its role: the tightest of them decides.
    synchronousCommit[c.database] = synchronousCommit[c.database] === "on" || (synchronousMode && rpo0) ? "on" : "local";
  }

  // Async bound (Patroni replication_modes.rst): maximum_lag_on_failover plus WAL of the last ttl seconds.
  const asyncRpo = Math.min(...classes.flatMap((c) => inRegion.map((s) => c.targets[s].rpoSeconds)).filter((r) => r > 0));
  const lagSeconds = Number.isFinite(asyncRpo) ? Math.max(1, asyncRpo - patroni.ttlSeconds) : 60;
  const maximumLagOnFailoverBytes =
    o.maximumLagOnFailoverBytes ?? Math.max(1024 * 1024, Math.floor(lagSeconds * config.postgres.writeRateBytesPerSecond));

  // archive_timeout serves PITR (logical corruption) always, and region loss when no streaming standby is credited.
  const streamingCredited = config.postgres.standby.enabled && config.postgres.standby.streaming && crossRegionReplication;
  const archiveScenarios: Scenario[] = streamingCredited ? ["logical-corruption"] : ["logical-corruption", "region-loss"];
  const archiveRpo = tightest(classes, archiveScenarios, "rpoSeconds");
  const derivedArchiveTimeout = Number.isFinite(archiveRpo)
    ? Math.max(1, Math.min(POSTGRES.spiloArchiveTimeoutSeconds, Math.floor(archiveRpo - POSTGRES.archiveUploadSeconds)))
    : POSTGRES.spiloArchiveTimeoutSeconds;

  // primary_start_timeout: a crashed primary gets a quarter of the tightest RTO to restart in place.
  const primaryStartTimeoutSeconds = Math.max(0, Math.min(300, Math.floor(instanceRto / 4)));

  return {
    instances: config.postgres.instances,
    spreadAcrossZones: true,
    patroni,
    maximumLagOnFailoverBytes,
    synchronousMode,
    synchronousModeStrict: false,
    synchronousNodeCount: o.synchronousNodeCount ?? STACK_DEFAULTS.postgres.synchronousNodeCount,
    synchronousCommit,
    failsafeMode: o.failsafeMode ?? true,
    primaryStartTimeoutSeconds,
    archiveMode: true,
    archiveTimeoutSeconds: o.archiveTimeoutSeconds ?? derivedArchiveTimeout,
    baseBackupSchedule: o.baseBackupSchedule ?? deriveBaseBackupSchedule(config, classes),
    poolerInstances: 2,
    writeRateBytesPerSecond: config.postgres.writeRateBytesPerSecond,
    dataSizeBytes: config.postgres.dataSizeBytes,
    standby: {
      enabled: config.postgres.standby.enabled,
      streaming: config.postgres.standby.streaming,
      archiveFallback: crossRegionReplication,
      maxLagSeconds: config.postgres.standby.maxLagSeconds,
    },
  };
}

/**
 * Base backups as often as the tightest logical-corruption RTO needs: a clone restores the base
 * backup and replays the WAL written since it, so fewer hours between backups means less replay.
 * What the RTO leaves after reporting, on-call and the restore itself is the replay budget.
 */
function deriveBaseBackupSchedule(config: StackConfig, classes: DataClass[]): string {
  const rto = tightest(classes, ["logical-corruption"], "rtoSeconds");
  if (!Number.isFinite(rto)) return everyHoursCron(24);
  const restore = POSTGRES.cloneBootstrapSeconds + config.postgres.dataSizeBytes / POSTGRES.restoreBytesPerSecond;
  // The clone starts only once the corruption is reported and on-call has picked the point.
  const beforeRestore = (config.failover.corruptionNoticedSeconds ?? 0) + config.failover.manualResponseSeconds;
  const replayBudget = rto - beforeRestore - restore;
  const maxIntervalSeconds = (replayBudget * POSTGRES.replayBytesPerSecond) / config.postgres.writeRateBytesPerSecond;
  const hours = [...HOUR_DIVISORS].reverse().find((h) => h * 3600 <= maxIntervalSeconds) ?? 1;
  return everyHoursCron(hours);
}

/**
 * Sentinel retries a failed election (a split vote) after 2 x failover-timeout, so the RTO must
 * hold down-after + 2 x failover-timeout + the election. Redis's 180 s default does not fit a
 * 2-minute RTO; 30 s is the most we take, and never less than twice down-after (a failover must
 * finish before it is retried).
 */
function deriveFailoverTimeout(rtoSeconds: number, downAfterMs: number): number {
  const fits = Number.isFinite(rtoSeconds) ? Math.floor(((rtoSeconds - downAfterMs / 1000 - SENTINEL.electionAndRediscoverySeconds) / 2) * 1000) : 30000;
  return Math.max(2 * downAfterMs, Math.min(30000, fits));
}

function deriveRedis(config: StackConfig, classes: DataClass[]): RedisSettings {
  const o = config.redis.overrides;
  const inRegion: Scenario[] = ["instance-loss", "zone-loss"];
  const rto = tightest(classes, inRegion, "rtoSeconds");
  const rpo = tightest(classes, inRegion, "rpoSeconds");
  // A 24th of the RTO, within 2-30 s (two PING periods, against flapping): leaves room for one failed election, retried after 2 x failover-timeout.
  const downAfter = Number.isFinite(rto) ? Math.min(SENTINEL.defaultDownAfterMs, Math.max(SENTINEL.minDownAfterMs, Math.round((rto * 1000) / 24 / 1000) * 1000)) : SENTINEL.defaultDownAfterMs;
  const appendfsync = o.appendfsync ?? (rpo < 1 ? "always" : "everysec");
  // RDB alone can lose everything since the last save point (300 s with the rules below).
  const appendonly = o.appendonly ?? rpo < 300;
  const fsyncLoss = appendonly ? SENTINEL.appendfsyncLossSeconds[appendfsync] : 0;
  const maxLag = Number.isFinite(rpo) ? Math.max(1, Math.min(10, Math.floor(rpo - fsyncLoss))) : 10;
  return {
    replicas: config.redis.replicas,
    sentinels: config.redis.sentinels,
    quorum: o.quorum ?? Math.floor(config.redis.sentinels / 2) + 1,
    downAfterMilliseconds: o.downAfterMilliseconds ?? downAfter,
    failoverTimeoutMilliseconds: o.failoverTimeoutMilliseconds ?? deriveFailoverTimeout(rto, o.downAfterMilliseconds ?? downAfter),
    parallelSyncs: 1,
    appendonly,
    appendfsync,
    save: [
      [300, 100],
      [60, 10000],
    ],
    minReplicasToWrite: o.minReplicasToWrite ?? (config.redis.replicas >= 2 ? 1 : 0),
    minReplicasMaxLagSeconds: o.minReplicasMaxLagSeconds ?? maxLag,
    drRegion: config.redis.drRegion,
  };
}

/**
 * Route53: the DNS part of a region failover (interval x threshold + TTL + resolver slack) gets at
 * most half of the tightest region-loss RTO; the rest is promotion and decision.
 */
function deriveDns(config: StackConfig) {
  const o = config.dns.overrides;
  const rto = tightest(config.dataClasses, ["region-loss"], "rtoSeconds");
  const interval = o.healthCheckIntervalSeconds ?? (rto <= 15 * 60 ? 10 : 30);
  const threshold = o.failureThreshold ?? STACK_DEFAULTS.dns.failureThreshold;
  const budget = Number.isFinite(rto) ? rto / 2 - interval * threshold - ROUTE53.resolverSlackSeconds - REGION_PROMOTION.standbyPromotionOverheadSeconds : ROUTE53.recommendedTtlSeconds;
  const ttl = o.ttlSeconds ?? Math.max(5, Math.min(ROUTE53.recommendedTtlSeconds, Math.floor(budget)));
  return {
    ttlSeconds: ttl,
    healthCheckIntervalSeconds: interval,
    failureThreshold: threshold,
    hasSecondary: config.regions.dr !== undefined && config.endpoints.api?.drTarget !== undefined,
  };
}

/**
 * How long the Route53 health-check alarm takes to fire once the check is unhealthy: whole alarm
 * periods covering the signals override (one period by default). components/signals renders the
 * alarm with this, so the budget and the alarm can not disagree.
 */
export function healthCheckAlarmPeriods(overrideSeconds?: number): number {
  return Math.max(1, Math.ceil((overrideSeconds ?? CLOUDWATCH.alarmPeriodSeconds) / CLOUDWATCH.alarmPeriodSeconds));
}

export const WEBHOOK_PAGER = "the on-call webhook subscribed to the alarm topic";

/** Who a page reaches: the webhook the stack subscribes, or the subscriber declared outside it. */
export function pagedVia(signals: { onCallWebhook?: string; onCallSubscriber?: string }): { pagedVia?: string } {
  if (signals.onCallWebhook) return { pagedVia: WEBHOOK_PAGER };
  if (signals.onCallSubscriber) return { pagedVia: signals.onCallSubscriber };
  return {};
}

export function healthCheckAlarmSeconds(overrideSeconds?: number): number {
  return healthCheckAlarmPeriods(overrideSeconds) * CLOUDWATCH.alarmPeriodSeconds;
}
