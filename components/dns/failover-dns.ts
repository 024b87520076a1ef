import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DrSettings } from "../../dr/settings";
import type { StackConfig } from "../../dr/targets";
import { baseTags } from "../tags";
import { AlarmCheckPlan, HttpsCheckPlan, planFailoverDns, WRITER_HEALTH_METRIC } from "./plan";

export interface FailoverDnsArgs {
  /** Validated stack config: endpoints, regions, postgres.clusterName. */
  config: StackConfig;
  /** Derived settings: dns.ttlSeconds, dns.healthCheckIntervalSeconds, dns.failureThreshold. */
  settings: DrSettings;
}

/**
 * Route53 health checks and PRIMARY/SECONDARY failover records for the platform's endpoints, with
 * interval, threshold and TTL from the RTO budget (dr/settings). Route53 is a global service, so
 * only the CloudWatch alarms name a region.
 */
export class FailoverDns extends pulumi.ComponentResource {
  /** Health check ids by plan key (api-primary, api-secondary, db-writer-primary, db-writer-secondary). */
  readonly healthCheckIds: Record<string, pulumi.Output<string>> = {};
  /** Record names by plan key (PRIMARY and SECONDARY share the name; the key tells them apart). */
  readonly recordNames: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: FailoverDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agent-dr:dns:FailoverDns", name, {}, opts);
    const { config, settings } = args;
    const plan = planFailoverDns(config, settings.dns);
    const classes = config.dataClasses.map((c) => c.name).join(" ");
    const pgClasses = config.dataClasses.filter((c) => c.store === "postgres").map((c) => c.name).join(" ");
    const tags = (key: string) => ({
      ...baseTags(config),
      Name: `agent-dr-${config.environment}-${key}`,
      ...((key.startsWith("api") ? classes : pgClasses) ? { "data-classes": key.startsWith("api") ? classes : pgClasses } : {}),
    });

    const checks = new Map<string, aws.route53.HealthCheck>();
    for (const c of plan.checks) {
      checks.set(c.key, c.kind === "https" ? this.httpsCheck(name, c, tags(c.key)) : this.alarmCheck(name, c, tags(c.key)));
    }
    for (const [key, check] of checks) this.healthCheckIds[key] = check.id;

    for (const r of plan.records) {
      const check = r.healthCheck ? checks.get(r.healthCheck) : undefined;
      const rec = new aws.route53.Record(
        `${name}-${r.key}`,
        {
          zoneId: r.zoneId,
          name: r.name,
          type: r.type,
          ttl: r.ttl,
          records: [r.target],
          setIdentifier: r.setIdentifier,
          failoverRoutingPolicies: [{ type: r.failover }],
          ...(check ? { healthCheckId: check.id } : {}),
        },
        { parent: this },
      );
      this.recordNames[r.key] = rec.name;
    }

    this.registerOutputs({ healthCheckIds: this.healthCheckIds, recordNames: this.recordNames });
  }

  private httpsCheck(name: string, c: HttpsCheckPlan, tags: Record<string, string>): aws.route53.HealthCheck {
    return new aws.route53.HealthCheck(
      `${name}-${c.key}-check`,
      {
        type: "HTTPS",
        fqdn: c.fqdn,
        port: c.port,
        resourcePath: c.resourcePath,
        requestInterval: c.requestInterval,
        failureThreshold: c.failureThreshold,
        // The load balancer serves several names; SNI makes it present the right certificate.
        enableSni: true,
        tags,
      },
      { parent: this },
    );
  }

  private alarmCheck(name: string, c: AlarmCheckPlan, tags: Record<string, string>): aws.route53.HealthCheck {
    const alarm = new aws.cloudwatch.MetricAlarm(
      `${name}-${c.key}-alarm`,
      {
        region: c.alarmRegion,
        name: c.alarmName,
        alarmDescription: `PostgreSQL writer ${c.dimensions.Cluster} in ${c.alarmRegion} unavailable; drives the Route53 failover of the private writer name`,
        namespace: WRITER_HEALTH_METRIC.namespace,
        metricName: WRITER_HEALTH_METRIC.metricName,
        dimensions: c.dimensions,
        statistic: "Minimum",
        // 10 s and 30 s are high-resolution periods; the writer metric is published at that rate.
        period: c.period,
        evaluationPeriods: c.evaluationPeriods,
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        // A region that is gone publishes nothing: that must count as down, or failover never starts.
        treatMissingData: "breaching",
        tags,
      },
      { parent: this },
    );
    return new aws.route53.HealthCheck(
      `${name}-${c.key}-check`,
      {
        type: "CLOUDWATCH_METRIC",
        cloudwatchAlarmName: alarm.name,
        cloudwatchAlarmRegion: c.alarmRegion,
        // When Route53 can not read the alarm (its region is down), treat the writer as down too.
        insufficientDataHealthStatus: "Unhealthy",
        tags,
      },
      { parent: this },
    );
  }
}
