import { SIGNAL_ALERTS, SignalAlert } from "../../../dr/targets";
import { ruleGroupsOf, type ResourceLike } from "../../../contract/signals";
import type { ClassSignal, ClassSignals } from "./by-data-class";

export type { ResourceLike } from "../../../contract/signals";

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
          const labels = rule.labels;
          if (!KNOWN.has(rule.alert) || !labels?.data_class) continue;
          const [threshold, unit] = String(rule.annotations?.threshold ?? "").split(" ");
          const own = parseClassTargets(rule.annotations?.protects ?? "");
          add(labels.data_class.split(","), (c) => own[c] ?? labels.target ?? "", {
            alert: rule.alert as SignalAlert,
            source,
            mechanism: labels.mechanism ?? "",
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
        heldSeconds: Number(r.inputs.period) * Number(r.inputs.evaluationPeriods ?? 1),
        runbook: r.inputs.tags.runbook ?? "",
      });
    }
  }
  return [...out.entries()].map(([dataClass, signals]) => ({ dataClass, signals }));
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
