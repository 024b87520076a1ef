import { POSTGRES } from "../../../dr/engine-facts";
import type { DrSettings } from "../../../dr/settings";
import { scheduleGapSeconds } from "./cron-gap";
import type { DataClass, Scenario, StackConfig } from "../../../dr/targets";
import { METRICS } from "./exporter-queries";
import { alertGuideLink, groupClasses, overrideOf, tightestTarget } from "./grouping";
import { groupAll, overridableRule } from "./rule-builder";
import { AlertRule, describeTarget, formatSeconds } from "./model";

export const IN_REGION: Scenario[] = ["instance-loss", "zone-loss"];

/** Scenarios whose RPO the WAL archive serves: PITR always, region loss unless a streaming standby is credited (dr/settings/derive). */
export function archiveScenarios(settings: DrSettings): Scenario[] {
  const s = settings.postgres?.standby;
  const streamingCredited = !!s && s.enabled && s.streaming && s.archiveFallback;
  return streamingCredited ? ["logical-corruption"] : ["logical-corruption", "region-loss"];
}

/** Time a base backup of the data takes at the planned throughput, plus ten minutes for the job to be scheduled and start. */
export function backupGraceSeconds(dataSizeBytes: number, passes = 1): number {
  return Math.ceil((passes * dataSizeBytes) / POSTGRES.restoreBytesPerSecond) + 600;
}

/** Alert rules on the PostgreSQL cluster, from the postgres data classes and the settings. */
export function postgresRules(config: StackConfig, settings: DrSettings): AlertRule[] {
  const pg = settings.postgres;
  const classes = config.dataClasses.filter((c) => c.store === "postgres");
  if (!pg || classes.length === 0) return [];
  const rules: AlertRule[] = [];
  rules.push(...archiveRules(config, settings, classes));
  rules.push(...replicationRules(config, settings, classes));
  rules.push(...standbyRules(config, settings, classes));
  rules.push(...baseBackupRules(config, settings, classes));
  return rules;
}

function archiveRules(config: StackConfig, settings: DrSettings, classes: DataClass[]): AlertRule[] {
  const pg = settings.postgres!;
  const scenarios = archiveScenarios(settings);
  const items = classes.flatMap((c) => {
    const t = tightestTarget(c, "RPO", scenarios);
    return t ? [{ dataClass: c.name, key: t.seconds, target: t }] : [];
  });
  // Classes group by the value in force: one override puts them all in one rule.
  const behindOverride = overrideOf(config, "PostgresWalArchiveBehind");
  const failingOverride = overrideOf(config, "PostgresWalArchiveFailing");
  const runbook = alertGuideLink(config, "postgres-wal-archive");
  const behind = groupClasses(items.map((i) => ({ ...i, key: behindOverride ?? i.key }))).map((g) =>
    overridableRule(
      config,
      g,
      "PostgresWalArchiveBehind",
      {
        value: g.key,
        why: `The ${describeTarget(g.target)} is served by the WAL archive; archive_timeout (${pg.archiveTimeoutSeconds}s) plus upload (${POSTGRES.archiveUploadSeconds}s planned) fit in it. Beyond it the promise is broken.`,
      },
      (threshold) => ({
        source: "prometheus-primary",
        mechanism: "wal-archive",
        severity: "critical",
        threshold,
        unit: "seconds",
        forSeconds: 0,
        expr: `(time() - ${METRICS.archiveExposedSince}) > ${threshold} and ${METRICS.archiveReady} > 0`,
        summary: `WAL not archived for more than ${formatSeconds(threshold)}: a restore from the archive now would lose more than ${describeTarget(g.target)}`,
        description: `Finished WAL has waited for archive_command; the oldest unarchived change is at least {{ $value | humanizeDuration }} old (threshold ${threshold}s).`,
        runbook,
      }),
    ),
  );
  const failing = groupClasses(items.map((i) => ({ ...i, key: failingOverride ?? Math.max(1, Math.floor(i.key / 2)) }))).map((g) =>
    overridableRule(
      config,
      g,
      "PostgresWalArchiveFailing",
      {
        value: g.key,
        why: `Half of the archive-served ${describeTarget(g.target)}: a warning that leaves the other half to fix the archive before PostgresWalArchiveBehind fires.`,
      },
      (forSeconds) => ({
        source: "prometheus-primary",
        mechanism: "wal-archive",
        severity: "warning",
        threshold: forSeconds,
        unit: "seconds",
        forSeconds,
        expr: `${METRICS.archiveLastFailed} > ${METRICS.archiveLastArchived}`,
        summary: `archive_command keeps failing: half of the ${describeTarget(g.target)} is used up`,
        description: "The last archive attempt failed and none has succeeded since; WAL piles up in pg_wal.",
        runbook,
      }),
    ),
  );
  return [...behind, ...failing];
}

function replicationRules(config: StackConfig, settings: DrSettings, classes: DataClass[]): AlertRule[] {
  const pg = settings.postgres!;
  const rules: AlertRule[] = [];
  const runbook = alertGuideLink(config, "postgres-replication");
  const ttl = pg.patroni.ttlSeconds;

  // Async classes: what the promoted replica lacks plus ttl seconds of writes is lost, so the lag may use RPO - ttl.
  const lagOverride = overrideOf(config, "PostgresReplicaLagHigh");
  const asyncItems = classes.flatMap((c) => {
    const t = tightestTarget(c, "RPO", IN_REGION, { positive: true });
    const zero = IN_REGION.some((s) => c.targets[s].rpoSeconds === 0);
    if (!t || (zero && pg.synchronousMode && c.database && pg.synchronousCommit[c.database] === "on")) return [];
    return [{ dataClass: c.name, key: lagOverride ?? Math.max(1, t.seconds - ttl), target: t }];
  });
  for (const g of groupClasses(asyncItems)) {
    rules.push(
      overridableRule(
        config,
        g,
        "PostgresReplicaLagHigh",
        {
          value: g.key,
          why: `A failover loses the replica's lag plus up to ttl (${ttl}s) of writes before Patroni notices; ${describeTarget(g.target)} minus ttl leaves ${g.key}s for the lag.`,
        },
        (lag) => ({
          source: "prometheus-primary",
          mechanism: "streaming-replication",
          severity: "critical",
          threshold: lag,
          unit: "seconds",
          forSeconds: 0,
          expr: `${METRICS.memberFlushLagSeconds} > ${lag}`,
          summary: `Replica {{ $labels.application_name }} lags more than ${formatSeconds(lag)}: a failover to it would lose more than ${describeTarget(g.target)}`,
          description: "Flush lag of the standby is {{ $value | humanizeDuration }}.",
          runbook,
        }),
      ),
    );
  }

  const rtoGroup = groupAll(classes, "RTO", IN_REGION);
  if (rtoGroup) {
    rules.push(
      overridableRule(
        config,
        rtoGroup,
        "PostgresReplicaBeyondFailoverLag",
        {
          value: pg.maximumLagOnFailoverBytes,
          why: `Patroni skips a replica further behind than maximum_lag_on_failover (${pg.maximumLagOnFailoverBytes} bytes); held for ttl (${ttl}s), the time a leader race takes.`,
        },
        (bytes) => ({
          source: "prometheus-primary",
          mechanism: "patroni-failover",
          severity: "critical",
          threshold: bytes,
          unit: "bytes",
          forSeconds: ttl,
          expr: `${METRICS.memberFlushLagBytes} > ${bytes}`,
          summary: `Replica {{ $labels.application_name }} is beyond maximum_lag_on_failover: Patroni will not promote it, ${describeTarget(rtoGroup.target)} at risk`,
          description: "The standby is {{ $value | humanize1024 }}B behind the primary.",
          runbook,
        }),
      ),
    );

    const expected = pg.instances - 1 + (pg.standby.enabled && pg.standby.streaming ? 1 : 0);
    if (expected > 0) {
      rules.push(
        overridableRule(
          config,
          rtoGroup,
          "PostgresReplicasMissing",
          {
            value: expected,
            why: `${pg.instances - 1} in-region replicas${expected > pg.instances - 1 ? " plus the DR standby leader" : ""} stream from the primary; held for ttl (${ttl}s) so a restarting pod does not page.`,
          },
          (count) => ({
            source: "prometheus-primary",
            mechanism: "streaming-replication",
            severity: "critical",
            threshold: count,
            unit: "count",
            forSeconds: ttl,
            expr: `${METRICS.streamingMembers} < ${count}`,
            summary: `Only {{ $value }} standbys stream from the primary (expected ${count}): fewer failover candidates, ${describeTarget(rtoGroup.target)} at risk`,
            description: "A replica (or the DR standby leader) is not streaming; its lag grows without bound and the lag alerts cannot see it.",
            runbook,
          }),
        ),
      );
    }
  }

  if (pg.synchronousMode) {
    const syncItems = classes.flatMap((c) => {
      if (!IN_REGION.some((s) => c.targets[s].rpoSeconds === 0)) return [];
      return [{ dataClass: c.name, key: 0, target: { kind: "RPO" as const, seconds: 0, scenarios: IN_REGION.filter((s) => c.targets[s].rpoSeconds === 0) } }];
    });
    const g = groupClasses(syncItems)[0];
    if (g) {
      rules.push(
        overridableRule(
          config,
          g,
          "PostgresSyncStandbyMissing",
          {
            value: ttl,
            why: `RPO 0 needs synchronous_node_count (${pg.synchronousNodeCount}) sync standbys; Patroni (non-strict) names a new one within a loop, so a gap longer than ttl (${ttl}s) is real.`,
          },
          (forSeconds) => ({
            source: "prometheus-primary",
            mechanism: "synchronous-replication",
            severity: "critical",
            threshold: forSeconds,
            unit: "seconds",
            forSeconds,
            expr: `${METRICS.syncStandbys} < ${pg.synchronousNodeCount}`,
            summary: `No synchronous standby: commits of ${g.dataClasses.join(", ")} are acknowledged before a second copy exists (${describeTarget(g.target)})`,
            description: `{{ $value }} synchronous standbys, ${pg.synchronousNodeCount} expected.`,
            runbook,
          }),
        ),
      );
    }
  }
  return rules;
}

function standbyRules(config: StackConfig, settings: DrSettings, classes: DataClass[]): AlertRule[] {
  const pg = settings.postgres!;
  if (!pg.standby.enabled || !pg.standby.streaming || !config.regions.dr) return [];
  const g = groupAll(classes, "RPO", ["region-loss"]);
  if (!g) return [];
  const runbook = alertGuideLink(config, "postgres-standby-cluster");
  const maxLag = pg.standby.maxLagSeconds;
  return [
    overridableRule(
      config,
      g,
      "PostgresStandbyClusterLagHigh",
      {
        value: maxLag,
        why: `The budget credits the streaming standby with exactly postgres.standby.maxLagSeconds (${maxLag}s) of lag; more and the predicted region-loss RPO is not true.`,
      },
      (lag) => ({
        source: "prometheus-dr",
        mechanism: "dr-standby-cluster",
        severity: "critical",
        threshold: lag,
        unit: "seconds",
        forSeconds: 0,
        expr: `${METRICS.replayLagSeconds} > ${lag}`,
        summary: `DR standby lags more than ${formatSeconds(lag)}: the budget for ${describeTarget(g.target)} assumed at most that`,
        description: "Replay lag of the standby cluster is {{ $value | humanizeDuration }}.",
        runbook,
      }),
    ),
    overridableRule(
      config,
      g,
      "PostgresStandbyClusterNotStreaming",
      {
        value: maxLag,
        why: `Without a stream the standby's lag grows by the second; after maxLagSeconds (${maxLag}s) it exceeds what the budget credits.`,
      },
      (streamFor) => ({
        source: "prometheus-dr",
        mechanism: "dr-standby-cluster",
        severity: "critical",
        threshold: streamFor,
        unit: "seconds",
        forSeconds: streamFor,
        expr: `${METRICS.receiverStreaming} == 0`,
        summary: `DR standby is not streaming: it lives on the replicated archive, far behind ${describeTarget(g.target)}`,
        description: "pg_stat_wal_receiver shows no streaming connection to the primary region.",
        runbook,
      }),
    ),
  ];
}

function baseBackupRules(config: StackConfig, settings: DrSettings, classes: DataClass[]): AlertRule[] {
  const pg = settings.postgres!;
  const g = groupAll(classes, "RTO", ["logical-corruption"]);
  if (!g) return [];
  const gap = scheduleGapSeconds(pg.baseBackupSchedule);
  const grace = backupGraceSeconds(pg.dataSizeBytes);
  return [
    overridableRule(
      config,
      g,
      "PostgresBaseBackupStale",
      {
        value: gap + grace,
        why: `The schedule "${pg.baseBackupSchedule}" was derived so that restore plus replay fit the ${describeTarget(g.target)}; its longest gap is ${gap}s, plus ${grace}s for a backup of ${Math.round(pg.dataSizeBytes / 2 ** 30)} GiB at the planned throughput and job start.`,
      },
      (threshold) => ({
        source: "prometheus-primary",
        mechanism: "base-backup",
        severity: "critical",
        threshold,
        unit: "seconds",
        forSeconds: 0,
        expr: `(time() - ${METRICS.baseBackupCompleted}) > ${threshold}`,
        summary: `No base backup for more than ${formatSeconds(threshold)}: a point-in-time restore replays more WAL than ${describeTarget(g.target)} allows`,
        description: "The newest base backup ended {{ $value | humanizeDuration }} ago (or, after a failover, none has run on this primary yet).",
        runbook: alertGuideLink(config, "postgres-base-backup"),
      }),
    ),
  ];
}
