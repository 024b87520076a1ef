import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { POSTGRES, S3_REPLICATION } from "../../dr/engine-facts";
import { deriveSettings } from "../../dr/settings";
import { parseStackConfig } from "../../dr/targets";
import { rawConfigOf } from "../../offline/plan";
import { readStackFile } from "../../offline/stack-files";
import type { CapturedResource } from "../../offline/capture";
import { byType, runStack, stackFileWith } from "../harness/offline";
import { validateK8sObjects } from "../harness/k8s-validate";
import { EXPORTER_QUERIES_KEY, RULES_KEY } from "../../components/signals";
import { TYPES } from "../../contract/resource-types";

/** Mock runs of the whole program: the CloudWatch alarms, the SNS topic and the rule objects as declared. */

const settingsOf = (stack: string, patch: Record<string, unknown> = {}) => {
  const config = parseStackConfig(rawConfigOf(readStackFile(stackFileWith(stack, patch))), stack);
  return { config, settings: deriveSettings(config) };
};

async function run(stack: string, patch: Record<string, unknown> = {}): Promise<CapturedResource[]> {
  const r = await runStack(stack, patch);
  if (r.error) throw r.error;
  return r.resources;
}

const alarmsBy = (resources: CapturedResource[], metric: string) => byType(resources, TYPES.alarm).filter((a) => a.inputs.metricName === metric);

describe("Signals in the prod stack (mock run)", () => {
  let resources: CapturedResource[];
  beforeAll(async () => {
    resources = await run("prod");
  });

  it("alarms on S3 replication latency of the backup bucket's rule, at the RTC promise the budget credits the standby's fallback with", () => {
    const [latency] = alarmsBy(resources, "ReplicationLatency");
    expect(latency).toBeDefined();
    const buckets = byType(resources, "aws:s3/bucket:Bucket").map((b) => b.inputs.bucket);
    expect(latency.inputs).toMatchObject({
      namespace: "AWS/S3",
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: S3_REPLICATION.rtcSeconds,
      region: "us-east-1",
      dimensions: { RuleId: "primary-to-dr" },
    });
    expect(Object.keys(latency.inputs.dimensions).sort()).toEqual(["DestinationBucket", "RuleId", "SourceBucket"]);
    expect(latency.inputs.dimensions.SourceBucket).toMatch(/us-east-1$/);
    expect(latency.inputs.dimensions.DestinationBucket).toMatch(/us-west-2$/);
    expect(buckets).toEqual(expect.arrayContaining([latency.inputs.dimensions.SourceBucket, latency.inputs.dimensions.DestinationBucket]));
    expect(latency.inputs.tags["data-classes"].split(" ").sort()).toEqual(["agent_configurations", "analytics_logs", "conversation_history", "usage_billing_data"]);
    expect(latency.inputs.tags.runbook).toBe("docs/alerts/s3-replication.md");
    expect(latency.inputs.alarmDescription).toMatch(/Protects conversation_history=RPO 1m \(region-loss\);.*analytics_logs=RPO 1h \(region-loss\)\..*Runbook: docs\/alerts\/s3-replication\.md/);
    expect(latency.inputs.tags["target/analytics_logs"]).toBe("RPO 1h region-loss");
  });

  it("alarms when OperationsPendingReplication never drains for the RTC window, and on failed replication", () => {
    const [pending] = alarmsBy(resources, "OperationsPendingReplication");
    expect(pending.inputs).toMatchObject({ namespace: "AWS/S3", statistic: "Minimum", threshold: 0, period: 60, comparisonOperator: "GreaterThanThreshold" });
    expect(pending.inputs.evaluationPeriods * pending.inputs.period).toBe(S3_REPLICATION.rtcSeconds);
    expect(pending.inputs.datapointsToAlarm).toBe(pending.inputs.evaluationPeriods);
    const [failed] = alarmsBy(resources, "OperationsFailedReplication");
    expect(failed.inputs).toMatchObject({ namespace: "AWS/S3", statistic: "Sum", threshold: 0 });
    expect(failed.inputs.dimensions).toEqual(pending.inputs.dimensions);
  });

  it("alarms on every Route53 health check's HealthCheckStatus in us-east-1", () => {
    const checks = byType(resources, "aws:route53/healthCheck:HealthCheck");
    const r53 = alarmsBy(resources, "HealthCheckStatus");
    expect(checks.length).toBeGreaterThan(0);
    expect(r53).toHaveLength(checks.length);
    for (const a of r53) {
      expect(a.inputs).toMatchObject({ namespace: "AWS/Route53", region: "us-east-1", statistic: "Minimum", comparisonOperator: "LessThanThreshold", threshold: 1 });
      expect(Object.keys(a.inputs.dimensions)).toEqual(["HealthCheckId"]);
      expect(typeof a.inputs.dimensions.HealthCheckId).toBe("string");
    }
    expect(new Set(r53.map((a) => a.inputs.dimensions.HealthCheckId)).size).toBe(checks.length);
  });

  it("sends every alarm to an SNS topic encrypted with a key CloudWatch may use, in the alarm's region", () => {
    const topics = byType(resources, TYPES.topic);
    expect(topics).toHaveLength(1);
    const topic = topics[0];
    expect(topic.inputs.kmsMasterKeyId).toBeTruthy();
    expect(topic.inputs.region).toBe("us-east-1");
    for (const a of byType(resources, TYPES.alarm)) {
      expect(a.inputs.alarmActions).toHaveLength(1);
      expect(a.inputs.okActions).toEqual(a.inputs.alarmActions);
    }
    const keys = byType(resources, "aws:kms/key:Key").filter((k) => /alarm notifications/.test(k.inputs.description ?? ""));
    expect(keys).toHaveLength(1);
    expect(keys[0].inputs.enableKeyRotation).toBe(true);
    const policy = JSON.parse(keys[0].inputs.policy);
    const cw = policy.Statement.find((s: any) => s.Principal?.Service === "cloudwatch.amazonaws.com");
    expect(cw.Action).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
    expect(cw.Condition.StringEquals["aws:SourceAccount"]).toBe("444455556666");
    const topicPolicy = JSON.parse(byType(resources, "aws:sns/topicPolicy:TopicPolicy")[0].inputs.policy);
    expect(topicPolicy.Statement[0]).toMatchObject({ Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish" });
    // No webhook configured: nobody is subscribed by default.
    expect(byType(resources, TYPES.topicSubscription)).toHaveLength(0);
  });

  it("ships the rules file as a ConfigMap (no Prometheus operator) in each region, valid for Kubernetes and for promtool", () => {
    const rules = byType(resources, TYPES.configMap).filter((c) => c.inputs.data?.[RULES_KEY]);
    expect(rules.map((c) => c.inputs.metadata.labels["agent-dr/region"]).sort()).toEqual(["us-east-1", "us-west-2"]);
    expect(validateK8sObjects(byType(resources, TYPES.configMap))).toEqual([]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "signals-stack-"));
    try {
      for (const cm of rules) {
        const file = path.join(dir, `${cm.name}.yml`);
        fs.writeFileSync(file, cm.inputs.data[RULES_KEY]);
        const res = spawnSync("/usr/bin/promtool", ["check", "rules", file], { encoding: "utf8" });
        expect(`${res.stdout}${res.stderr}`).toMatch(/SUCCESS: \d+ rules found/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const dr = rules.find((c) => c.inputs.metadata.labels["agent-dr/region"] === "us-west-2")!;
    const alerts = YAML.parse(dr.inputs.data[RULES_KEY]).groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    // The standby cluster's, and the DR region's LLM gateway's (it serves the agent API there too).
    expect(alerts.sort()).toEqual(["LlmDegradedResponses", "LlmFallbackActive", "LlmHandoffFailing", "LlmLatencyP99AboveBudget", "LlmProviderFailing", "PostgresStandbyClusterLagHigh", "PostgresStandbyClusterNotStreaming"]);
    const primary = rules.find((c) => c.inputs.metadata.labels["agent-dr/region"] === "us-east-1")!;
    for (const g of YAML.parse(primary.inputs.data[RULES_KEY]).groups) {
      for (const r of g.rules) {
        expect(r.labels.data_class).toMatch(/^[a-z_]+(,[a-z_]+)*$/);
        expect(r.labels.target).toMatch(/^(RPO|RTO) /);
        expect(r.annotations.runbook_url).toMatch(/^docs\/(runbooks|alerts)\/[a-z0-9-]+\.md$/);
      }
    }
  });

  it("ships the postgres_exporter queries next to the rules", () => {
    const q = byType(resources, TYPES.configMap).filter((c) => c.inputs.data?.[EXPORTER_QUERIES_KEY]);
    expect(q).toHaveLength(2);
    expect(Object.keys(YAML.parse(q[0].inputs.data[EXPORTER_QUERIES_KEY]))).toEqual(["pg_wal_archive", "pg_replication_member", "pg_replication_summary", "pg_recovery", "pg_base_backup"]);
  });

  it("registers one Signals component", () => {
    expect(byType(resources, "agent-dr:signals:Signals")).toHaveLength(1);
  });
});

describe("Signals follow config (mock runs)", () => {
  it("S3 latency threshold comes from the region-loss RPO when the archive is the only path", async () => {
    const patch = { "agent-dr:postgres": { standby: { enabled: false } } };
    const { config, settings } = settingsOf("prod", patch);
    const resources = await run("prod", patch);
    const [latency] = alarmsBy(resources, "ReplicationLatency");
    // Tightest region-loss RPO of the postgres classes, minus archive_timeout and the planned upload.
    const rpo = Math.min(...config.dataClasses.filter((c) => c.store === "postgres").map((c) => c.targets["region-loss"].rpoSeconds));
    const expected = Math.max(60, Math.min(S3_REPLICATION.rtcSeconds, rpo - settings.postgres!.archiveTimeoutSeconds - POSTGRES.archiveUploadSeconds));
    expect(latency.inputs.threshold).toBe(expected);
    expect(latency.inputs.threshold).toBeLessThan(S3_REPLICATION.rtcSeconds);
  });

  it("an override replaces the threshold; an override of an alert the stack lacks is refused with its key", async () => {
    const resources = await run("prod", { "agent-dr:signals": { overrides: { S3ReplicationLatencyHigh: 600 } } });
    expect(alarmsBy(resources, "ReplicationLatency")[0].inputs.threshold).toBe(600);
    const r = await runStack("staging", { "agent-dr:signals": { overrides: { S3ReplicationLatencyHigh: 600 } } });
    expect(r.error?.message).toMatch(/agent-dr:signals\.overrides\.S3ReplicationLatencyHigh: got 600; no override: this stack has no S3ReplicationLatencyHigh alert/);
    // Refused before any resource is declared.
    expect(r.resources).toEqual([]);
  });

  it("staging (one region, no replication): no S3 alarms, no DR rules, Route53 alarm on the API check", async () => {
    const resources = await run("staging");
    expect(alarmsBy(resources, "ReplicationLatency")).toHaveLength(0);
    expect(alarmsBy(resources, "HealthCheckStatus").length).toBeGreaterThan(0);
    const rules = byType(resources, TYPES.configMap).filter((c) => c.inputs.data?.[RULES_KEY]);
    expect(rules).toHaveLength(1);
  });

  it("with the Prometheus operator: a PrometheusRule that validates against the operator's schema, and a secret webhook subscribed", async () => {
    const webhook = "https://oncall.example.com/hooks/failover";
    const resources = await run("prod", { "agent-dr:signals": { prometheusOperator: true, onCallWebhook: webhook } });
    const rules = byType(resources, TYPES.prometheusRule);
    expect(rules).toHaveLength(2);
    expect(byType(resources, TYPES.configMap).filter((c) => c.inputs.data?.[RULES_KEY])).toHaveLength(0);
    for (const r of rules) {
      const obj = { ...r.inputs, metadata: { name: r.name, ...r.inputs.metadata } };
      expect(() => new PrometheusRule(obj as any).validate()).not.toThrow();
      expect(r.inputs.spec.groups.length).toBeGreaterThan(0);
    }
    // A broken object is refused by the same schema (the check can fail).
    const bad = { ...rules[0].inputs, spec: { groups: [{ name: "x", rules: [{ alert: "A" }] }] } };
    expect(() => new PrometheusRule(bad as any).validate()).toThrow(/expr/);
    // The LLM gateways' meters are scraped through a PodMonitor each (both regions), valid for the operator's schema.
    const monitors = byType(resources, TYPES.podMonitor);
    expect(monitors.map((m) => m.inputs.metadata.labels["agent-dr/region"]).sort()).toEqual(["us-east-1", "us-west-2"]);
    for (const m of monitors) expect(() => new PodMonitor({ ...m.inputs, metadata: { name: m.name, ...m.inputs.metadata } } as any).validate()).not.toThrow();
    // kubernetes-models has no PrometheusRule or PodMonitor (CRDs we do not vendor); everything else still validates.
    expect(validateK8sObjects(resources.filter((r) => r.type !== TYPES.prometheusRule && r.type !== TYPES.podMonitor))).toEqual([]);

    const subs = byType(resources, TYPES.topicSubscription);
    expect(subs).toHaveLength(1);
    expect(subs[0].inputs).toMatchObject({ protocol: "https", endpoint: webhook });
    // The webhook never lands in a ConfigMap or a tag.
    for (const r of resources) {
      if (r.type === TYPES.topicSubscription) continue;
      expect(JSON.stringify(r.inputs)).not.toContain("oncall.example.com");
    }
  });
});
