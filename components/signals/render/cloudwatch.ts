import { CLOUDWATCH, POSTGRES, S3_REPLICATION } from "../../../dr/engine-facts";
import { healthCheckAlarmPeriods } from "../../../dr/settings/derive";
import type { DrSettings } from "../../../dr/settings";
import type { StackConfig } from "../../../dr/targets";
import { alertGuideLink, groupClasses, overrideOf, runbookLink, tightestTarget } from "./grouping";
import { AlarmSpec, describeTarget, formatSeconds } from "./model";
import { attachDerived, withoutSignalOverrides } from "./derived-thresholds";

/** Route53 publishes HealthCheckStatus only in us-east-1 (Route53 developer guide, monitoring health checks). */
export const ROUTE53_METRICS_REGION = "us-east-1";
/** S3 replication metrics and CloudWatch alarm periods used here. */
const PERIOD = CLOUDWATCH.alarmPeriodSeconds;

export interface CloudWatchInputs<V = string> {
  /** The replication rule of the backup bucket (components/backup), when replication exists. */
  replication?: { sourceBucket: V; destinationBucket: V; ruleId: V };
  /** Route53 health checks (components/dns) by key. */
  healthChecks: Array<{ key: string; id: V }>;
}

/**
 * CloudWatch alarms on what only AWS can see: S3 cross-region replication of the backup bucket
 * (metrics exist with Replication Time Control) and Route53 health checks.
 */
export function deriveCloudWatchAlarms<V>(config: StackConfig, settings: DrSettings, inputs: CloudWatchInputs<V>): Array<AlarmSpec<V>> {
  const alarms = (cfg: StackConfig) => [...s3Alarms(cfg, settings, inputs), ...route53Alarms(cfg, inputs)];
  const plain = withoutSignalOverrides(config);
  return plain ? attachDerived(alarms(config), alarms(plain), (a) => a.overrideValue) : alarms(config);
}

function s3Alarms<V>(config: StackConfig, settings: DrSettings, inputs: CloudWatchInputs<V>): Array<AlarmSpec<V>> {
  const rep = inputs.replication;
  if (!rep || !settings.backup.crossRegionReplication || !settings.backup.replicationTimeControl || !settings.postgres) return [];
  const standby = settings.postgres.standby;
  const streamingCredited = standby.enabled && standby.streaming && standby.archiveFallback;
  const archiveTimeout = settings.postgres.archiveTimeoutSeconds;
  // Classes whose region-loss recovery can use the replicated archive (as the path, or as the standby's fallback).
  const items = config.dataClasses
    .filter((c) => c.store === "postgres")
    .flatMap((c) => {
      const t = tightestTarget(c, "RPO", ["region-loss"]);
      if (!t) return [];
      // Without a credited stream the archive is the path: replication may use what the RPO leaves after archive_timeout and upload.
      const room = streamingCredited ? S3_REPLICATION.rtcSeconds : Math.min(S3_REPLICATION.rtcSeconds, t.seconds - archiveTimeout - POSTGRES.archiveUploadSeconds);
      return [{ dataClass: c.name, key: Math.max(PERIOD, room), target: t }];
    });
  const g = groupClasses(items)[0];
  if (!g) return [];
  const dimensions = { SourceBucket: rep.sourceBucket, DestinationBucket: rep.destinationBucket, RuleId: rep.ruleId };
  const region = config.regions.primary;
  const latencyOverride = overrideOf(config, "S3ReplicationLatencyHigh");
  const latency = latencyOverride ?? g.key;
  const backlogOverride = overrideOf(config, "S3ReplicationBacklog");
  const backlogSeconds = backlogOverride ?? S3_REPLICATION.rtcSeconds;
  const backlogPeriods = Math.max(1, Math.ceil(backlogSeconds / PERIOD));
  const failedOverride = overrideOf(config, "S3ReplicationFailed");
  const failed = failedOverride ?? 0;
  const why = streamingCredited
    ? `With a streaming standby the replicated archive is its fallback; the budget credits it with the RTC promise (${S3_REPLICATION.rtcSeconds}s).`
    : `The replicated archive is the region-loss path: ${describeTarget(g.target)} minus archive_timeout (${archiveTimeout}s) and upload (${POSTGRES.archiveUploadSeconds}s), at most the RTC promise (${S3_REPLICATION.rtcSeconds}s).`;
  const common = { region, dataClasses: g.dataClasses, target: g.target, classTargets: g.targets, mechanism: "s3-replication", namespace: "AWS/S3", dimensions, runbook: alertGuideLink(config, "s3-replication") };
  return [
    {
      ...common,
      key: "s3-replication-latency",
      alert: "S3ReplicationLatencyHigh",
      severity: "critical",
      metricName: "ReplicationLatency",
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: latency,
      period: PERIOD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      description: `Backups reach the DR region more than ${formatSeconds(latency)} late.`,
      why: latencyOverride !== undefined ? `agent-dr:signals.overrides.S3ReplicationLatencyHigh = ${latency}s` : why,
      overridden: latencyOverride !== undefined,
      overrideValue: latency,
    },
    {
      ...common,
      key: "s3-replication-backlog",
      alert: "S3ReplicationBacklog",
      severity: "warning",
      metricName: "OperationsPendingReplication",
      statistic: "Minimum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      period: PERIOD,
      evaluationPeriods: backlogPeriods,
      datapointsToAlarm: backlogPeriods,
      treatMissingData: "notBreaching",
      description: `Objects have waited for replication without a break for ${formatSeconds(backlogPeriods * PERIOD)}: the queue does not drain.`,
      why:
        backlogOverride !== undefined
          ? `agent-dr:signals.overrides.S3ReplicationBacklog = ${backlogSeconds}s`
          : `A queue that never empties within the RTC window (${S3_REPLICATION.rtcSeconds}s) means objects older than the promise wait in it.`,
      overridden: backlogOverride !== undefined,
      overrideValue: backlogPeriods * PERIOD,
    },
    {
      ...common,
      key: "s3-replication-failed",
      alert: "S3ReplicationFailed",
      severity: "critical",
      metricName: "OperationsFailedReplication",
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: failed,
      period: PERIOD * 5,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      description: "Objects failed to replicate: they will never reach the DR bucket by themselves.",
      why:
        failedOverride !== undefined
          ? `agent-dr:signals.overrides.S3ReplicationFailed = ${failed}`
          : "A failed replication is not retried by S3; any such object is missing from the DR copy the region-loss recovery needs.",
      overridden: failedOverride !== undefined,
      overrideValue: failed,
    },
  ];
}

function route53Alarms<V>(config: StackConfig, inputs: CloudWatchInputs<V>): Array<AlarmSpec<V>> {
  if (inputs.healthChecks.length === 0) return [];
  // The checked endpoint fronts every class; its failure starts the RTO clock of a region failover.
  const items = config.dataClasses.flatMap((c) => {
    const t = tightestTarget(c, "RTO", ["region-loss"]) ?? tightestTarget(c, "RTO", ["instance-loss", "zone-loss"]);
    return t ? [{ dataClass: c.name, key: 0, target: t }] : [];
  });
  const g = groupClasses(items)[0];
  if (!g) return [];
  const override = overrideOf(config, "Route53HealthCheckFailing");
  // The budget's page delay of a manual region promotion is computed by the same function.
  const periods = healthCheckAlarmPeriods(override);
  return inputs.healthChecks.map((hc) => ({
    key: `route53-${hc.key}`,
    alert: "Route53HealthCheckFailing" as const,
    region: ROUTE53_METRICS_REGION,
    dataClasses: g.dataClasses,
    target: g.target,
    classTargets: g.targets,
    mechanism: "route53-health-check",
    severity: "critical" as const,
    namespace: "AWS/Route53",
    metricName: "HealthCheckStatus",
    dimensions: { HealthCheckId: hc.id },
    statistic: "Minimum" as const,
    comparisonOperator: "LessThanThreshold" as const,
    threshold: 1,
    period: PERIOD,
    evaluationPeriods: periods,
    datapointsToAlarm: periods,
    treatMissingData: "breaching" as const,
    description: `Route53 health check ${hc.key} reports the endpoint unhealthy: failover (and the ${describeTarget(g.target)} clock) has started.`,
    why:
      override !== undefined
        ? `agent-dr:signals.overrides.Route53HealthCheckFailing = ${periods * PERIOD}s`
        : "One minute at the finest CloudWatch period: Route53 has already waited interval x failure threshold, so on-call learns of a failover as it starts.",
    runbook: runbookLink(config, "promote-dr-region"),
    overridden: override !== undefined,
    overrideValue: periods * PERIOD,
  }));
}
