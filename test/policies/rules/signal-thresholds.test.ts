/**
 * Threshold overrides against what the targets derive: each overridden rule and alarm carries the
 * derived value, the signal-thresholds policy refuses an override that pages later, and passes one
 * that pages sooner. The direction of each count alert is read from its own expression.
 */
import fc from "fast-check";
import { deriveSettings } from "../../../dr/settings";
import { parseStackConfig, SIGNAL_ALERTS, type SignalAlert } from "../../../dr/targets";
import { alertRules } from "../../../components/signals/render/prometheus-rules";
import { deriveCloudWatchAlarms } from "../../../components/signals/render/cloudwatch";
import { defaultWiring } from "../../../components/signals/render/by-data-class";
import { isLooser, LOOSER_WHEN_LOWER } from "../../../components/signals/render/derived-thresholds";
import { checkSignalThresholds } from "../../../policies/rules/signal-thresholds";
import { deepMerge, runStack } from "../../harness/offline";
import { PROD_RAW } from "../../harness/prod-config";

const rendered = (overrides: Partial<Record<SignalAlert, number>>) => {
  const config = parseStackConfig(deepMerge(PROD_RAW, { signals: { overrides } }), "prod");
  const settings = deriveSettings(config);
  const wiring = defaultWiring(config, settings);
  return { rules: alertRules(config, settings, wiring.jobs), alarms: deriveCloudWatchAlarms(config, settings, wiring.cloudWatch) };
};

describe("the derived value beside each override", () => {
  test("without overrides nothing carries a derived value; the count alerts that page when a count drops are exactly the ones written `< threshold`", () => {
    const { rules, alarms } = rendered({});
    expect([...rules, ...alarms].filter((r) => r.derived !== undefined)).toEqual([]);
    const below = new Set(rules.filter((r) => r.unit === "count" && new RegExp(`<\\s*${r.threshold}\\s*$`).test(r.expr)).map((r) => r.alert));
    expect(below).toEqual(new Set(LOOSER_WHEN_LOWER));
    expect(rules.filter((r) => !LOOSER_WHEN_LOWER.has(r.alert)).every((r) => !new RegExp(`<\\s*${r.threshold}\\s*$`).test(r.expr))).toBe(true);
  });

  test("worked values for prod: archive 60 s, S3 replication latency 900 s, backlog 900 s, Sentinel quorum 2, Route53 60 s", () => {
    const { rules, alarms } = rendered({ PostgresWalArchiveBehind: 3600, S3ReplicationLatencyHigh: 7200, S3ReplicationBacklog: 3600, RedisSentinelQuorumLost: 1, Route53HealthCheckFailing: 600 });
    const derivedOf = (alert: SignalAlert) => [...rules, ...alarms].find((r) => r.alert === alert)?.derived?.value;
    expect(derivedOf("PostgresWalArchiveBehind")).toBe(60);
    expect(derivedOf("S3ReplicationLatencyHigh")).toBe(900);
    expect(derivedOf("S3ReplicationBacklog")).toBe(900);
    expect(derivedOf("RedisSentinelQuorumLost")).toBe(2);
    expect(derivedOf("Route53HealthCheckFailing")).toBe(60);
  });

  test("law: an override is flagged exactly when it pages later than the derived value, for every alert the stack has", () => {
    const { rules, alarms } = rendered({});
    const present = new Set<SignalAlert>([...rules, ...alarms].map((r) => r.alert));
    expect(present.size).toBeGreaterThan(15);
    fc.assert(
      fc.property(fc.constantFrom(...SIGNAL_ALERTS.filter((a) => present.has(a))), fc.integer({ min: 1, max: 200_000 }), (alert, value) => {
        const after = rendered({ [alert]: value });
        const items = [...after.rules, ...after.alarms].filter((r) => r.alert === alert);
        expect(items.length).toBeGreaterThan(0);
        for (const it of items) {
          expect(it.derived).toBeDefined();
          const own = "overrideValue" in it ? it.overrideValue : it.threshold;
          expect(isLooser(alert, own, it.derived!.value)).toBe(LOOSER_WHEN_LOWER.has(alert) ? own < it.derived!.value : own > it.derived!.value);
        }
      }),
      { numRuns: 80 },
    );
  });
});

describe("the signal-thresholds policy on the plan's resources", () => {
  const violations = async (overrides: Record<string, number>) => {
    const run = await runStack("prod", { "agent-dr:signals": { overrides } });
    if (run.error) throw run.error;
    const found: string[] = [];
    checkSignalThresholds(run.resources as any, (m) => found.push(m));
    return found;
  };

  test("looser overrides are refused with the derived value and a Fix; the same alerts overridden tighter pass", async () => {
    const loose = await violations({ S3ReplicationLatencyHigh: 901, RedisSentinelQuorumLost: 1, LogicalBackupStale: 200000 });
    expect(loose).toHaveLength(3);
    expect(loose).toContainEqual(expect.stringMatching(/^S3ReplicationLatencyHigh \(CloudWatch alarm agent-dr-prod-s3-replication-latency\).* = 901 seconds pages later than the 900 seconds .*Fix: set signals.overrides.S3ReplicationLatencyHigh to at most 900\.$/));
    expect(loose).toContainEqual(expect.stringMatching(/^RedisSentinelQuorumLost .* = 1 count .*than the 2 count .*Fix: set signals.overrides.RedisSentinelQuorumLost to at least 2\.$/));
    expect(loose).toContainEqual(expect.stringMatching(/^LogicalBackupStale .*Fix: set signals.overrides.LogicalBackupStale to at most 87820\.$/));
    expect(await violations({ S3ReplicationLatencyHigh: 900, RedisSentinelQuorumLost: 3, LogicalBackupStale: 3600 })).toEqual([]);
  }, 60_000);
});
