import * as YAML from "yaml";
import { SIGNAL_ALERTS, SignalAlert } from "../../../dr/targets";
import type { ClassSignal, ClassSignals } from "./by-data-class";
import type { RuleGroups } from "./prometheus-rules";

/** The parts of a captured resource this reads (offline/capture's CapturedResource fits). */
export interface ResourceLike {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

const KNOWN = new Set<string>(SIGNAL_ALERTS);

/**
 * Per data class, the signals a stack's resources really declare: alert rules in ConfigMaps
 * (any key ending in .rules.yml) or PrometheusRule objects, and CloudWatch alarms tagged with
 * `alert` and `data-classes`. What the plan prints and what a policy can check, independent of
 * how the program was wired.
 */
export function signalsFromResources(resources: ResourceLike[], dataClasses: string[]): ClassSignals[] {
  const out = new Map<string, ClassSignal[]>(dataClasses.map((c) => [c, []]));
  const add = (classes: string[], target: (c: string) => string, s: Omit<ClassSignal, "target">) => {
    for (const c of classes) {
      const list = out.get(c);
      if (list && !list.some((x) => x.alert === s.alert && x.threshold === s.threshold && x.source === s.source)) list.push({ ...s, target: target(c) });
    }
  };
  for (const r of resources) {
    for (const { groups, source } of ruleGroupsOf(r)) {
      for (const g of groups.groups ?? []) {
        for (const rule of g.rules ?? []) {
          if (!KNOWN.has(rule.alert) || !rule.labels?.data_class) continue;
          const [threshold, unit] = String(rule.annotations?.threshold ?? "").split(" ");
          const own = parseClassTargets(rule.annotations?.protects ?? "");
          add(rule.labels.data_class.split(","), (c) => own[c] ?? rule.labels.target ?? "", {
            alert: rule.alert as SignalAlert,
            source,
            mechanism: rule.labels.mechanism ?? "",
            threshold: Number(threshold),
            unit: unit ?? "",
            runbook: rule.annotations?.runbook_url ?? "",
          });
        }
      }
    }
    if (r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && KNOWN.has(r.inputs.tags?.alert)) {
      const tags = r.inputs.tags as Record<string, string>;
      add(String(tags["data-classes"] ?? "").split(" ").filter(Boolean), (c) => untag(tags[`target/${c}`] ?? tags.target ?? ""), {
        alert: r.inputs.tags.alert,
        source: "cloudwatch",
        mechanism: r.inputs.namespace === "AWS/Route53" ? "route53-health-check" : "s3-replication",
        threshold: r.inputs.threshold,
        unit: r.inputs.metricName === "ReplicationLatency" ? "seconds" : "count",
        runbook: r.inputs.tags.runbook ?? "",
      });
    }
  }
  return [...out.entries()].map(([dataClass, signals]) => ({ dataClass, signals }));
}

/** The alert rule groups a resource carries: a PrometheusRule, or a ConfigMap's *.rules.yml files. */
export function ruleGroupsOf(r: ResourceLike): Array<{ groups: RuleGroups; source: "prometheus-primary" | "prometheus-dr" }> {
  const source = r.inputs.metadata?.labels?.["agent-dr/region-role"] === "dr" ? "prometheus-dr" : "prometheus-primary";
  if (r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" && r.inputs.spec?.groups) return [{ groups: r.inputs.spec as RuleGroups, source }];
  if (r.type !== "kubernetes:core/v1:ConfigMap" || !r.inputs.data) return [];
  const found: Array<{ groups: RuleGroups; source: "prometheus-primary" | "prometheus-dr" }> = [];
  for (const [key, text] of Object.entries(r.inputs.data as Record<string, string>)) {
    if (!key.endsWith(".rules.yml")) continue;
    try {
      found.push({ groups: YAML.parse(text) as RuleGroups, source });
    } catch {
      // Not a rules file after all; nothing to list.
    }
  }
  return found;
}

/** Inverse of classTargetsText: "a=RPO 1m (x); b=RPO 1h (x)" -> { a: "RPO 1m (x)", b: "RPO 1h (x)" }. */
function parseClassTargets(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split("; ")) {
    const i = part.indexOf("=");
    if (i > 0) out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

/** Tag values cannot hold "(" or ","; "RPO 1m region-loss zone-loss" -> "RPO 1m (region-loss, zone-loss)". */
function untag(text: string): string {
  const [kind, duration, ...scenarios] = text.split(" ");
  return scenarios.length ? `${kind} ${duration} (${scenarios.join(", ")})` : text;
}
