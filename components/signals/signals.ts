import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DrSettings } from "../../dr/settings";
import type { StackConfig } from "../../dr/targets";
import { accountFromConfig } from "../backup/names";
import type { RegionCluster } from "../../contract/region-cluster";
import { baseLabels, baseTags } from "../tags";
import { DERIVED_THRESHOLD_TAG, OVERRIDE_VALUE_TAG } from "../../contract/signals";
import { alarmKeyPolicy, alarmTopicPolicy, tagValue } from "./render/alarm-topic-policies";
import { checkOverridesUsed } from "./render/grouping";
import { AlarmSpec, describeTarget } from "./render/model";
import { deriveCloudWatchAlarms } from "./render/cloudwatch";
import { renderPostgresExporterQueries } from "./render/exporter-queries";
import { defaultCronJobNames } from "./render/by-data-class";
import { alertRules, classTargetsText, prometheusRuleObject, renderRulesFile, ruleGroups } from "./render/prometheus-rules";

export interface SignalsArgs {
  /** Validated stack config: data classes, signals (operator switch, webhook, overrides). */
  config: StackConfig;
  /** Settings the thresholds derive from. */
  settings: DrSettings;
  /** Cluster of the primary region: its Prometheus evaluates the primary's rules. */
  primary: RegionCluster;
  /** Cluster of the DR region: its Prometheus watches the standby cluster. */
  dr?: RegionCluster;
  /** The backup bucket's replication rule (components/backup), when replication exists. */
  replication?: { sourceBucket: pulumi.Input<string>; destinationBucket: pulumi.Input<string>; ruleId: pulumi.Input<string> };
  /** Route53 health check ids by key (components/dns). */
  healthCheckIds?: Record<string, pulumi.Input<string>>;
  /** CronJob names of the PostgreSQL tier (PostgresCluster.cronJobNames); default <clusterName>-logical-backup / -restore-drill. */
  cronJobs?: { logicalBackup?: string; restoreDrill?: string };
}

/** Names of the objects in each cluster. */
export const RULES_NAME = "agent-dr-signals";
export const EXPORTER_QUERIES_NAME = "agent-dr-postgres-exporter-queries";
export const EXPORTER_QUERIES_KEY = "queries.yaml";
export const RULES_KEY = "agent-dr.rules.yml";

/**
 * The DR health signals: Prometheus alert rules (PrometheusRule with the operator, else a ConfigMap
 * holding the rules file) and the postgres_exporter queries in each region's cluster; CloudWatch
 * alarms on S3 replication and Route53 health checks, sent to an encrypted SNS topic per alarm
 * region with the on-call webhook subscribed. Every threshold comes from render/ (the targets).
 */
export class Signals extends pulumi.ComponentResource {
  /** SNS topic ARN per alarm region. */
  readonly topicArns: Record<string, pulumi.Output<string>> = {};
  readonly alarmNames: pulumi.Output<string>[] = [];

  constructor(name: string, args: SignalsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agent-dr:signals:Signals", name, {}, opts);
    const { config, settings } = args;
    const defaults = defaultCronJobNames(config);
    const jobs = {
      namespace: config.clusters.primary.namespace,
      logicalBackup: args.cronJobs?.logicalBackup ?? defaults.logicalBackup,
      restoreDrill: args.cronJobs?.restoreDrill ?? defaults.restoreDrill,
    };
    const rules = alertRules(config, settings, jobs);
    const healthChecks = Object.entries(args.healthCheckIds ?? {}).map(([key, id]) => ({ key, id }));
    const alarms = deriveCloudWatchAlarms<pulumi.Input<string>>(config, settings, { healthChecks, ...(args.replication ? { replication: args.replication } : {}) });
    // An override for an alert this stack does not have would be ignored silently.
    checkOverridesUsed(config, new Set([...rules.map((r) => r.alert), ...alarms.map((a) => a.alert)]));

    this.clusterObjects(name, config, args.primary, "primary", ruleGroups(rules, "prometheus-primary", config.environment), !!settings.postgres);
    if (args.dr && config.clusters.dr) {
      this.clusterObjects(`${name}-dr`, config, args.dr, "dr", ruleGroups(rules, "prometheus-dr", config.environment), !!settings.postgres?.standby.enabled);
    }
    this.cloudWatch(name, config, alarms);

    this.registerOutputs({ topicArns: this.topicArns, alarmNames: this.alarmNames });
  }

  private clusterObjects(name: string, config: StackConfig, cluster: RegionCluster, role: "primary" | "dr", groups: ReturnType<typeof ruleGroups>, postgres: boolean): void {
    const opts = { parent: this, provider: cluster.provider };
    const labels = { ...baseLabels(config, "signals"), "agent-dr/region": cluster.region, "agent-dr/region-role": role };
    if (postgres) {
      // Mounted by the PostgreSQL tier into its exporter sidecar (--extend.query-path).
      new k8s.core.v1.ConfigMap(
        `${name}-exporter-queries`,
        { metadata: { name: EXPORTER_QUERIES_NAME, namespace: cluster.namespace, labels }, data: { [EXPORTER_QUERIES_KEY]: renderPostgresExporterQueries() } },
        opts,
      );
    }
    if (groups.groups.length === 0) return;
    if (config.signals.prometheusOperator) {
      const rule = prometheusRuleObject(RULES_NAME, "", labels, groups);
      new k8s.apiextensions.CustomResource(`${name}-rules`, { ...rule, metadata: { ...rule.metadata, namespace: cluster.namespace } }, opts);
    } else {
      new k8s.core.v1.ConfigMap(`${name}-rules`, { metadata: { name: RULES_NAME, namespace: cluster.namespace, labels }, data: { [RULES_KEY]: renderRulesFile(groups) } }, opts);
    }
  }

  private cloudWatch(name: string, config: StackConfig, alarms: Array<AlarmSpec<pulumi.Input<string>>>): void {
    if (alarms.length === 0) return;
    const account = accountFromConfig(config) ?? aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const regions = [...new Set(alarms.map((a) => a.region))].sort();
    const topics = new Map<string, aws.sns.Topic>();
    for (const region of regions) {
      const suffix = region === config.regions.primary ? "" : `-${region}`;
      const tags = { ...baseTags(config), purpose: "dr-signals" };
      const key = new aws.kms.Key(
        `${name}-alarms-key${suffix}`,
        {
          region,
          description: `Encrypts the DR alarm notifications of agent-dr ${config.environment} in ${region}`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          policy: pulumi.all([partition, account]).apply(([p, a]) => JSON.stringify(alarmKeyPolicy(p, a, region))),
          tags,
        },
        { parent: this },
      );
      const topic = new aws.sns.Topic(
        `${name}-alarms${suffix}`,
        { region, name: `agent-dr-${config.environment}-dr-alarms`, kmsMasterKeyId: key.arn, tags },
        { parent: this },
      );
      new aws.sns.TopicPolicy(
        `${name}-alarms-policy${suffix}`,
        { region, arn: topic.arn, policy: pulumi.all([partition, account, topic.arn]).apply(([p, a, arn]) => JSON.stringify(alarmTopicPolicy(p, a, region, arn))) },
        { parent: this },
      );
      if (config.signals.onCallWebhook) {
        new aws.sns.TopicSubscription(
          `${name}-oncall${suffix}`,
          { region, topic: topic.arn, protocol: "https", endpoint: pulumi.secret(config.signals.onCallWebhook), endpointAutoConfirms: true, rawMessageDelivery: false },
          { parent: this },
        );
      }
      topics.set(region, topic);
      this.topicArns[region] = topic.arn;
    }
    for (const a of alarms) {
      const topic = topics.get(a.region)!;
      const alarm = new aws.cloudwatch.MetricAlarm(
        `${name}-${a.key}`,
        {
          region: a.region,
          name: `agent-dr-${config.environment}-${a.key}`,
          alarmDescription: `${a.description} Protects ${classTargetsText(a.classTargets)}. Threshold: ${a.why} Runbook: ${a.runbook}`.slice(0, 1024),
          namespace: a.namespace,
          metricName: a.metricName,
          dimensions: a.dimensions,
          statistic: a.statistic,
          comparisonOperator: a.comparisonOperator,
          threshold: a.threshold,
          period: a.period,
          evaluationPeriods: a.evaluationPeriods,
          datapointsToAlarm: a.datapointsToAlarm,
          treatMissingData: a.treatMissingData,
          alarmActions: [topic.arn],
          okActions: [topic.arn],
          tags: {
            ...baseTags(config),
            alert: a.alert,
            severity: a.severity,
            "data-classes": a.dataClasses.join(" "),
            target: tagValue(describeTarget(a.target)),
            // Each class's own target, read back by the plan (render/from-resources).
            ...Object.fromEntries(Object.entries(a.classTargets).map(([c, t]) => [`target/${c}`, tagValue(describeTarget(t))])),
            runbook: tagValue(a.runbook),
            // An override beside what the targets derive, in the override's unit (the pack compares them).
            ...(a.derived ? { [OVERRIDE_VALUE_TAG]: String(a.overrideValue), [DERIVED_THRESHOLD_TAG]: String(a.derived.value) } : {}),
          },
        },
        { parent: this },
      );
      this.alarmNames.push(alarm.name);
    }
  }
}
