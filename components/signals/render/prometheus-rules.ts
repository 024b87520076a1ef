import * as YAML from "yaml";
import type { DrSettings } from "../../../dr/settings";
import type { StackConfig } from "../../../dr/targets";
import { CronJobNames, jobRules } from "./job-rules";
import { AlertRule, describeTarget, formatSeconds, ProtectedTarget } from "./model";
import { postgresRules } from "./postgres-rules";
import { redisRules } from "./redis-rules";
import { attachDerived, withoutSignalOverrides } from "./derived-thresholds";
import { llmRules } from "./llm-rules";
import { probeRules } from "./probe-rules";
import { DERIVED_THRESHOLD_ANNOTATION, DERIVED_WHY_ANNOTATION } from "../../../contract/signals";

/** Every Prometheus alert rule of the stack, derived from the targets (overrides applied). */
export function alertRules(config: StackConfig, settings: DrSettings, jobs: CronJobNames): AlertRule[] {
  const rules = (cfg: StackConfig) => [...postgresRules(cfg, settings), ...redisRules(cfg, settings), ...jobRules(cfg, settings, jobs), ...llmRules(cfg, settings), ...probeRules(cfg, settings)];
  const plain = withoutSignalOverrides(config);
  // A rule's threshold is in its override's unit (status alerts: their for: duration).
  return plain ? attachDerived(rules(config), rules(plain), (r) => r.threshold) : rules(config);
}

export interface PrometheusRuleEntry {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroups {
  groups: Array<{ name: string; rules: PrometheusRuleEntry[] }>;
}

/** Labels every alert carries: which classes, which target, which mechanism, and that we own it. */
export function ruleLabels(r: AlertRule, environment: string): Record<string, string> {
  return {
    severity: r.severity,
    data_class: r.dataClasses.join(","),
    target: describeTarget(r.target),
    mechanism: r.mechanism,
    environment,
    signal_source: "agent-dr",
  };
}

/** "class=RPO 1m (region-loss); other=RPO 1h (region-loss)": each class with its own target (parsed back by from-resources). */
export function classTargetsText(targets: Record<string, ProtectedTarget>): string {
  return Object.entries(targets)
    .map(([c, t]) => `${c}=${describeTarget(t)}`)
    .join("; ");
}

function entry(r: AlertRule, environment: string): PrometheusRuleEntry {
  return {
    alert: r.alert,
    expr: r.expr,
    ...(r.forSeconds > 0 ? { for: formatSeconds(r.forSeconds) } : {}),
    labels: ruleLabels(r, environment),
    annotations: {
      summary: r.summary,
      description: r.description,
      data_classes: r.dataClasses.join(", "),
      protects: classTargetsText(r.classTargets),
      threshold: `${r.threshold} ${r.unit}${r.overridden ? " (override)" : ""}`,
      ...(r.derived ? { [DERIVED_THRESHOLD_ANNOTATION]: `${r.derived.value} ${r.unit}`, [DERIVED_WHY_ANNOTATION]: r.derived.why } : {}),
      why: r.why,
      runbook_url: r.runbook,
    },
  };
}

/** Rule groups for one region's Prometheus, one group per mechanism family so evaluation stays cheap. */
export function ruleGroups(rules: AlertRule[], source: AlertRule["source"], environment: string): RuleGroups {
  const mine = rules.filter((r) => r.source === source);
  const byGroup = new Map<string, PrometheusRuleEntry[]>();
  for (const r of mine) {
    const name = `agent-dr-${environment}-${r.mechanism}`;
    byGroup.set(name, [...(byGroup.get(name) ?? []), entry(r, environment)]);
  }
  return { groups: [...byGroup.entries()].map(([name, rs]) => ({ name, rules: rs })) };
}

/** The plain rules file (rule_files: of prometheus.yml). */
export function renderRulesFile(groups: RuleGroups): string {
  return YAML.stringify(groups, { lineWidth: 0 });
}

/** The PrometheusRule custom resource of the Prometheus operator, carrying the same groups. */
export function prometheusRuleObject(name: string, namespace: string, labels: Record<string, string>, groups: RuleGroups) {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name, namespace, labels },
    spec: groups,
  };
}
