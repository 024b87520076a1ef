/**
 * The one builder of overridable alert rules (components/signals/render/rule-builder.ts): the value
 * in force is the override, else the derived value, and the reason names whichever it is.
 */
import { overridableRule, type RuleBody } from "../../components/signals/render/rule-builder";
import { parseStackConfig, rawConfigFrom, type SignalAlert } from "../../dr/targets";
import { readStackFile, stackFilePath } from "../../offline/stack-files";

const configWith = (overrides: Partial<Record<SignalAlert, number>>) => {
  const raw = rawConfigFrom(readStackFile(stackFilePath("prod")).config) as Record<string, any>;
  raw.signals = { ...(raw.signals ?? {}), overrides };
  return parseStackConfig(raw, "prod");
};
const group = { dataClasses: ["a", "b"], target: { kind: "RPO" as const, seconds: 60, scenarios: ["zone-loss" as const] }, targets: {} };
const body =
  (unit: RuleBody["unit"]) =>
  (v: number): RuleBody => ({ source: "prometheus-primary", mechanism: "m", severity: "critical", threshold: v, unit, forSeconds: 0, expr: `x > ${v}`, summary: `s ${v}`, description: "d", runbook: "r" });

test("without an override: the derived value and its reason", () => {
  const r = overridableRule(configWith({}), group, "PostgresReplicaLagHigh", { value: 40, why: "derived" }, body("seconds"));
  expect(r).toEqual({ alert: "PostgresReplicaLagHigh", ...body("seconds")(40), dataClasses: ["a", "b"], target: group.target, classTargets: {}, why: "derived", overridden: false });
});

test("with an override: its value everywhere the body uses it, and its key in the reason, in the rule's unit or the one given", () => {
  const config = configWith({ PostgresReplicaLagHigh: 7, PostgresReplicaBeyondFailoverLag: 1024, RedisSentinelQuorumLost: 3, LlmHandoffFailing: 120 });
  const lag = overridableRule(config, group, "PostgresReplicaLagHigh", { value: 40, why: "derived" }, body("seconds"));
  expect([lag.threshold, lag.expr, lag.overridden, lag.why]).toEqual([7, "x > 7", true, "agent-dr:signals.overrides.PostgresReplicaLagHigh = 7s"]);
  expect(overridableRule(config, group, "PostgresReplicaBeyondFailoverLag", { value: 1, why: "" }, body("bytes")).why).toBe("agent-dr:signals.overrides.PostgresReplicaBeyondFailoverLag = 1024 bytes");
  expect(overridableRule(config, group, "RedisSentinelQuorumLost", { value: 2, why: "" }, body("count")).why).toBe("agent-dr:signals.overrides.RedisSentinelQuorumLost = 3");
  const window = overridableRule(config, group, "LlmHandoffFailing", { value: 300, why: "" }, body("count"), { unit: "seconds", note: "(the window)" });
  expect(window.why).toBe("agent-dr:signals.overrides.LlmHandoffFailing = 120s (the window)");
});
