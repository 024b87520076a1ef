import * as YAML from "yaml";
import { REGION_ROLE_LABEL } from "./redis";

/**
 * What the signals component writes into alert rules and alarms and what the plan and the policy
 * pack read back: where the rules live in a resource, and the annotations and tags that carry an
 * override beside the value the targets derive.
 */

/** A ConfigMap key holding a Prometheus rules file ends in this. */
export const RULES_FILE_SUFFIX = ".rules.yml";

/** Rule annotations beside an override: what the targets derive ("<value> <unit>") and why. */
export const DERIVED_THRESHOLD_ANNOTATION = "derived_threshold";
export const DERIVED_WHY_ANNOTATION = "derived_why";
/** Alarm tags beside an override, in the override's unit: the override and what the targets derive. */
export const OVERRIDE_VALUE_TAG = "override-value";
export const DERIVED_THRESHOLD_TAG = "derived-threshold";

/**
 * CloudWatch alarms whose override is how long the condition must hold before they page (in
 * seconds, rounded up to whole alarm periods), not the value compared: their threshold is fixed
 * (a pending replication count above 0, a health check status below 1).
 */
export const HOLD_TIME_OVERRIDES: ReadonlySet<string> = new Set(["S3ReplicationBacklog", "Route53HealthCheckFailing"]);

/** Alerts that fire when a live count drops below the threshold: a lower threshold pages later. */
export const LOOSER_WHEN_LOWER: ReadonlySet<string> = new Set(["PostgresReplicasMissing", "RedisSentinelQuorumLost"]);

/** Does `value` page later than `derived` for this alert? */
export function isLooser(alert: string, value: number, derived: number): boolean {
  return LOOSER_WHEN_LOWER.has(alert) ? value < derived : value > derived;
}

/** The parts of a Prometheus rules file the readers use. */
export interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert: string; expr?: string; labels?: Record<string, string>; annotations?: Record<string, string> }> }>;
}

/** A resource as the readers see it (offline/capture's CapturedResource and the pack's resources fit). */
export interface ResourceLike {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

/** The alert rule files a resource carries: a PrometheusRule's groups, or a ConfigMap's *.rules.yml keys. */
export function ruleGroupsOf(r: ResourceLike): Array<{ groups: RuleFile; source: "prometheus-primary" | "prometheus-dr" }> {
  const source = r.inputs.metadata?.labels?.[REGION_ROLE_LABEL] === "dr" ? "prometheus-dr" : "prometheus-primary";
  if (r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" && r.inputs.spec?.groups) return [{ groups: r.inputs.spec as RuleFile, source }];
  if (r.type !== "kubernetes:core/v1:ConfigMap" || !r.inputs.data) return [];
  const found: Array<{ groups: RuleFile; source: "prometheus-primary" | "prometheus-dr" }> = [];
  for (const [key, text] of Object.entries(r.inputs.data as Record<string, string>)) {
    if (!key.endsWith(RULES_FILE_SUFFIX)) continue;
    try {
      found.push({ groups: YAML.parse(text) as RuleFile, source });
    } catch {
      // Not a rules file after all; nothing to list.
    }
  }
  return found;
}
