import { DERIVED_THRESHOLD_ANNOTATION, DERIVED_THRESHOLD_TAG, DERIVED_WHY_ANNOTATION, HOLD_TIME_OVERRIDES, isLooser, OVERRIDE_VALUE_TAG, ruleGroupsOf } from "../../contract/signals";
import { StackResource } from "../lib/policy-resources";
import { objectName } from "../lib/resources";
import { stackPolicy } from "../lib/define";
import { TYPES } from "../../contract/resource-types";

/** "7200 seconds (override)" -> [7200, "seconds"]. */
function amount(text: unknown): [number, string] {
  const [n, unit] = String(text ?? "").split(" ");
  return [Number(n), unit ?? ""];
}

function message(alert: string, where: string, protects: string, value: number, derived: number, unit: string, why: string): string {
  const bound = isLooser(alert, derived + 1, derived) ? "at most" : "at least";
  const when = bound === "at most" ? "later" : "later (a lower count is reached only when more is lost)";
  return (
    `${alert} (${where}) protects ${protects}: agent-dr:signals.overrides.${alert} = ${value}${unit ? ` ${unit}` : ""} pages ${when} than the ${derived}${unit ? ` ${unit}` : ""} the targets derive (${why}), ` +
    `so the target it watches can be missed before anyone is told. Fix: set signals.overrides.${alert} to ${bound} ${derived}.`
  );
}

/**
 * Alert thresholds loosened by an override: an alert that pages later than what the targets
 * derive for it watches a target that can already be missed when it fires. Rules and alarms carry
 * the derived value next to the override (components/signals/render/derived-thresholds.ts); a
 * tighter override is the owner's choice and passes.
 */
export function checkSignalThresholds(resources: StackResource[], report: (m: string, urn?: string) => void): void {
  for (const r of resources) {
    for (const { groups, source } of ruleGroupsOf(r)) {
      for (const g of groups.groups ?? []) {
        for (const rule of g.rules ?? []) {
          const a = rule.annotations ?? {};
          if (a[DERIVED_THRESHOLD_ANNOTATION] === undefined) continue;
          const [value, unit] = amount(a.threshold);
          const [derived] = amount(a[DERIVED_THRESHOLD_ANNOTATION]);
          if (Number.isFinite(value) && Number.isFinite(derived) && isLooser(rule.alert, value, derived)) {
            report(message(rule.alert, `${source}, ${objectName(r)}`, a.protects ?? rule.labels?.target ?? "", value, derived, unit, a[DERIVED_WHY_ANNOTATION] ?? ""), r.urn);
          }
        }
      }
    }
    if (r.type === TYPES.alarm && r.inputs.tags?.[DERIVED_THRESHOLD_TAG] !== undefined) {
      const tags = r.inputs.tags as Record<string, string>;
      const value = Number(tags[OVERRIDE_VALUE_TAG]);
      const derived = Number(tags[DERIVED_THRESHOLD_TAG]);
      if (Number.isFinite(value) && Number.isFinite(derived) && isLooser(tags.alert, value, derived)) {
        const unit = HOLD_TIME_OVERRIDES.has(tags.alert) ? `seconds of hold (the condition must last that long, in whole ${Number(r.inputs.period)} s alarm periods)` : tags.alert === "S3ReplicationFailed" ? "" : "seconds";
        report(message(tags.alert, `CloudWatch alarm ${r.inputs.name ?? r.name}`, tags.target ?? "", value, derived, unit, "its derivation is in the alarm description without the override and in docs/SIGNALS.md"), r.urn);
      }
    }
  }
}

export const signalThresholds = stackPolicy({
  name: "signal-thresholds",
  description: "No alert threshold override pages later than what the recovery targets derive for that alert.",
  severity: "high",
  skip: (rs) => (!rs.some((r) => r.type === TYPES.alarm || ruleGroupsOf(r).length > 0) ? "no alert rules and no CloudWatch alarms in the stack" : undefined),
  check: checkSignalThresholds,
});
