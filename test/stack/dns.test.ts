import { planFailoverDns, WRITER_HEALTH_METRIC } from "../../components/dns/plan";
import { computeBudget } from "../../dr/budget";
import { deriveSettings } from "../../dr/settings";
import type { DnsSettings } from "../../dr/settings";
import { parseStackConfig } from "../../dr/targets";
import type { CapturedResource } from "../../offline/capture";
import { rawConfigOf } from "../../offline/plan";
import { readStackFile, stackFilePath } from "../../offline/stack-files";
import { observeSettings } from "../../policies/observe";
import { observeDns } from "../../policies/observe/dns";
import { byType, runsOncePerFile, stackFileWith } from "../harness/offline";
import { TYPES } from "../../contract/resource-types";

const { runStack, planStack } = runsOncePerFile();

/** Resources of the DNS component (other tiers may add alarms of their own). */
const mine = (rs: CapturedResource[]) => rs.filter((r) => r.parent?.includes("agent-dr:dns:FailoverDns::"));
const failover = (r: CapturedResource) => r.inputs.failoverRoutingPolicies?.[0]?.type as string | undefined;
/** The mock gives every resource the id `<name>-id`; a record's healthCheckId points at a check that way. */
const checkOf = (rs: CapturedResource[], r: CapturedResource) => byType(rs, TYPES.healthCheck).find((c) => `${c.name}-id` === r.inputs.healthCheckId);

function configOf(stack: string, patch: Record<string, unknown> = {}) {
  return parseStackConfig(rawConfigOf(readStackFile(stackFileWith(stack, patch))), stack);
}

describe.each(["staging", "prod"] as const)("failover DNS, %s stack (mock run)", (stack) => {
  let rs: CapturedResource[];
  const config = parseStackConfig(rawConfigOf(readStackFile(stackFilePath(stack))), stack);
  const derived = deriveSettings(config).dns;
  beforeAll(async () => {
    const run = await runStack(stack);
    if (run.error) throw run.error;
    rs = mine(run.resources);
  });

  test("every PRIMARY record carries an HTTPS health check on its own target, with the derived interval and threshold", () => {
    const primaries = byType(rs, TYPES.record).filter((r) => failover(r) === "PRIMARY");
    expect(primaries).toHaveLength(1);
    for (const p of primaries) {
      const check = checkOf(rs, p);
      expect(check?.inputs).toMatchObject({
        type: "HTTPS",
        fqdn: p.inputs.records[0],
        port: 443,
        resourcePath: "/healthz",
        requestInterval: derived.healthCheckIntervalSeconds,
        failureThreshold: derived.failureThreshold,
      });
      expect(p.inputs).toMatchObject({ name: config.endpoints.api!.name, zoneId: config.endpoints.api!.zoneId, type: "CNAME", ttl: derived.ttlSeconds, records: [config.endpoints.api!.primaryTarget] });
    }
  });

  if (stack === "prod") {
    test("every PRIMARY has a SECONDARY partner: same name and zone, its own set identifier, the DR target", () => {
      for (const p of byType(rs, TYPES.record).filter((r) => failover(r) === "PRIMARY")) {
        const partners = byType(rs, TYPES.record).filter((r) => failover(r) === "SECONDARY" && r.inputs.name === p.inputs.name && r.inputs.zoneId === p.inputs.zoneId);
        expect(partners).toHaveLength(1);
        expect(partners[0].inputs.setIdentifier).not.toBe(p.inputs.setIdentifier);
        expect(partners[0].inputs).toMatchObject({ records: ["prod-usw2-alb.example.com"], ttl: p.inputs.ttl, type: p.inputs.type });
        expect(checkOf(rs, partners[0])?.inputs.fqdn).toBe("prod-usw2-alb.example.com");
      }
    });
  } else {
    test("single region: no SECONDARY record, and the budget is told so", () => {
      expect(byType(rs, TYPES.record).filter((r) => failover(r) === "SECONDARY")).toHaveLength(0);
      expect(observeDns(rs, config).hasSecondary).toBe(false);
    });
  }

  test("the settings read back from the records are the derived ones (interval x threshold + TTL reach the budget)", () => {
    expect(observeDns(rs, config)).toEqual(derived);
  });

  test("health checks are tagged with environment, owner and the classes behind the endpoint", () => {
    for (const c of byType(rs, TYPES.healthCheck)) {
      expect(c.inputs.tags).toMatchObject({ environment: stack, owner: "platform-team" });
      expect(c.inputs.tags["data-classes"]).toContain("conversation_history");
    }
  });
});

describe("private database writer name (mock run)", () => {
  const writer = { name: "db-writer.agents.internal", privateZoneId: "Z0PRIVATE00000000000", primaryTarget: "agent-pg-prod.agent-dr.svc.use1.internal", drTarget: "agent-pg-prod.agent-dr.svc.usw2.internal" };
  let rs: CapturedResource[];
  beforeAll(async () => {
    const run = await runStack("prod", { "agent-dr:endpoints": { databaseWriter: writer } });
    if (run.error) throw run.error;
    rs = mine(run.resources);
  });

  test("records in the private zone use CloudWatch-alarm health checks, not HTTP checkers (they can not reach a VPC)", () => {
    const recs = byType(rs, TYPES.record).filter((r) => r.inputs.zoneId === writer.privateZoneId);
    expect(recs.map(failover).sort()).toEqual(["PRIMARY", "SECONDARY"]);
    for (const r of recs) {
      const check = checkOf(rs, r)!;
      expect(check.inputs.type).toBe("CLOUDWATCH_METRIC");
      expect(check.inputs.fqdn).toBeUndefined();
      expect(check.inputs.insufficientDataHealthStatus).toBe("Unhealthy");
      const alarm = byType(rs, TYPES.alarm).find((a) => a.inputs.name === check.inputs.cloudwatchAlarmName)!;
      expect(alarm.inputs.region).toBe(check.inputs.cloudwatchAlarmRegion);
      expect(alarm.inputs).toMatchObject({
        namespace: WRITER_HEALTH_METRIC.namespace,
        metricName: WRITER_HEALTH_METRIC.metricName,
        dimensions: { Cluster: "agent-pg-prod", Region: alarm.inputs.region },
        period: 10,
        evaluationPeriods: 3,
        treatMissingData: "breaching",
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
      });
    }
    const regions = recs.map((r) => byType(rs, TYPES.alarm).find((a) => a.inputs.name === checkOf(rs, r)!.inputs.cloudwatchAlarmName)!.inputs.region).sort();
    expect(regions).toEqual(["us-east-1", "us-west-2"]);
  });

  test("the writer's records do not disturb what the budget reads for the API", () => {
    const config = configOf("prod", { "agent-dr:endpoints": { databaseWriter: writer } });
    expect(observeDns(rs, config)).toEqual(deriveSettings(config).dns);
  });
});

describe("planFailoverDns (pure)", () => {
  const config = parseStackConfig(rawConfigOf(readStackFile(stackFilePath("prod"))), "prod");
  const dns: DnsSettings = { ttlSeconds: 60, healthCheckIntervalSeconds: 10, failureThreshold: 3, hasSecondary: true };

  test("values Route53 would refuse are refused first, naming the key and value", () => {
    expect(() => planFailoverDns(config, { ...dns, healthCheckIntervalSeconds: 15 })).toThrow("agent-dr:dns.overrides.healthCheckIntervalSeconds: got 15, expected 10 or 30");
    expect(() => planFailoverDns(config, { ...dns, failureThreshold: 11 })).toThrow("agent-dr:dns.overrides.failureThreshold: got 11, expected a whole number from 1 to 10");
  });

  test("interval, threshold and TTL flow from the settings into every check and record", () => {
    const plan = planFailoverDns(config, { ...dns, ttlSeconds: 17, healthCheckIntervalSeconds: 30, failureThreshold: 4 });
    expect(plan.records.map((r) => r.ttl)).toEqual([17, 17]);
    expect(plan.checks.map((c) => (c.kind === "https" ? [c.requestInterval, c.failureThreshold] : []))).toEqual([
      [30, 4],
      [30, 4],
    ]);
  });

  test("no endpoints configured: nothing to create", () => {
    expect(planFailoverDns({ ...config, endpoints: {} }, dns)).toEqual({ checks: [], records: [] });
  });
});

describe("the budget uses the Route53 numbers from the resources", () => {
  test("prod with dns.overrides.ttlSeconds 3600: region-loss rows miss, naming the record TTL (budget over this stack's resources)", async () => {
    const patch = { "agent-dr:dns": { overrides: { ttlSeconds: 3600 } } };
    const run = await planStack("prod", patch);
    const config = configOf("prod", patch);
    const observed = observeSettings(run.resources, config);
    expect(observed.dns).toMatchObject({ ttlSeconds: 3600, healthCheckIntervalSeconds: 10, failureThreshold: 3, hasSecondary: true });
    // DNS comes from the records; PostgreSQL from its resources (or, without that tier, from the derivation).
    const settings = { ...observed, postgres: observed.postgres ?? deriveSettings(config).postgres };
    const misses = computeBudget(config.dataClasses, settings).rows.filter((r) => r.scenario === "region-loss" && !r.ok && r.store === "postgres");
    expect(misses.length).toBeGreaterThan(0);
    for (const r of misses) expect(r.limitedBy).toContain("DNS: record TTL 3600 s + 30 s resolver slack");
  });

  test("prod plan with dns.overrides.ttlSeconds 3600 reports a mandatory violation naming the TTL", async () => {
    const base = await planStack("prod");
    const plan = await planStack("prod", { "agent-dr:dns": { overrides: { ttlSeconds: 3600 } } });
    const named = (p: typeof plan) => p.violations.filter((v) => v.level === "mandatory" && /record TTL 3600 s/.test(v.message));
    expect(named(base)).toHaveLength(0);
    expect(named(plan).length).toBeGreaterThan(0);
    // Every class fails over through DNS, so every region-loss RTO counts the hour; those whose target it breaks
    // miss and say why (analytics_logs' 4 h still holds).
    const regionRows = plan.budget.filter((b) => b.scenario === "region-loss");
    expect(regionRows).toHaveLength(5);
    for (const r of regionRows) expect([r.dataClass, r.rtoMechanism.includes("DNS: record TTL 3600 s + 30 s resolver slack")]).toEqual([r.dataClass, true]);
    const misses = regionRows.filter((r) => !r.ok);
    expect(misses.map((r) => r.dataClass).sort()).toEqual(["agent_configurations", "conversation_history", "session_state", "usage_billing_data"]);
    for (const r of misses) expect(r.limitedBy).toContain("DNS: record TTL 3600 s + 30 s resolver slack");
  });

  test("prod plan with the derived settings: the DNS part of region loss is interval x threshold + TTL (10 x 3 + 60)", async () => {
    const plan = await planStack("prod");
    const dnsRows = plan.budget.filter((b) => b.scenario === "region-loss" && b.rtoMechanism.includes("DNS: record TTL 60 s + 30 s resolver slack"));
    expect(dnsRows.length).toBeGreaterThan(0);
    for (const r of dnsRows) expect(r.ok).toBe(true);
  });
});

describe("observeDns on preview inputs", () => {
  const config = parseStackConfig(rawConfigOf(readStackFile(stackFilePath("prod"))), "prod");
  const record = (type: string, target: string, extra: Record<string, any> = {}) => ({
    type: TYPES.record,
    name: `r-${type}`,
    inputs: { name: config.endpoints.api!.name, zoneId: config.endpoints.api!.zoneId, ttl: 60, records: [target], failoverRoutingPolicies: [{ type }], ...extra },
  });
  const check = { type: TYPES.healthCheck, name: "c", inputs: { fqdn: config.endpoints.api!.primaryTarget, requestInterval: 10, failureThreshold: 3 } };

  test("a health check id that is still unknown (it throws on read, as under CrossGuard's preview proxy) counts as set", () => {
    const primary = record("PRIMARY", config.endpoints.api!.primaryTarget);
    Object.defineProperty(primary.inputs, "healthCheckId", { enumerable: true, get: () => { throw new Error("unknown during preview"); } });
    const dns = observeDns([primary, record("SECONDARY", config.endpoints.api!.drTarget!), check], config);
    expect(dns.hasSecondary).toBe(true);
  });

  test("a PRIMARY without a health check id, or a SECONDARY in another zone, gives no failover", () => {
    expect(observeDns([record("PRIMARY", config.endpoints.api!.primaryTarget), record("SECONDARY", config.endpoints.api!.drTarget!), check], config).hasSecondary).toBe(false);
    const otherZone = record("SECONDARY", config.endpoints.api!.drTarget!, { zoneId: "ZOTHER" });
    expect(observeDns([record("PRIMARY", config.endpoints.api!.primaryTarget, { healthCheckId: "hc" }), otherZone, check], config).hasSecondary).toBe(false);
  });
});
