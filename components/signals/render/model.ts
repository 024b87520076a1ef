import type { Scenario, SignalAlert } from "../../../dr/targets";
import type { DerivedThreshold } from "./derived-thresholds";

/** Where a signal is evaluated: the Prometheus of a region's cluster, or CloudWatch. */
export type SignalSource = "prometheus-primary" | "prometheus-dr" | "cloudwatch";

export type Severity = "critical" | "warning";

/** One protected target of a data class: which recovery objective, under which scenarios. */
export interface ProtectedTarget {
  kind: "RPO" | "RTO";
  seconds: number;
  scenarios: Scenario[];
}

/**
 * One alert rule as derived from the targets: the expression compares a live exposure with a
 * threshold computed from the data classes it protects. Classes that share a threshold share a rule.
 */
export interface AlertRule {
  alert: SignalAlert;
  source: Exclude<SignalSource, "cloudwatch">;
  dataClasses: string[];
  target: ProtectedTarget;
  /** Each class's own target; `target` is the tightest of them. */
  classTargets: Record<string, ProtectedTarget>;
  mechanism: string;
  severity: Severity;
  /** The number the expression compares with (unit below); for status alerts it equals forSeconds. */
  threshold: number;
  unit: "seconds" | "bytes" | "count";
  forSeconds: number;
  expr: string;
  summary: string;
  description: string;
  /** Why this number: shown in docs/SIGNALS.md and in the alert's annotations. */
  why: string;
  runbook: string;
  /** The threshold came from agent-dr:signals.overrides instead of the targets. */
  overridden: boolean;
  /** With an override: what the targets alone derive (in the same unit as threshold). */
  derived?: DerivedThreshold;
}

/** A CloudWatch alarm as derived from the targets; V is string in tests, pulumi.Input<string> in the component. */
export interface AlarmSpec<V = string> {
  key: string;
  alert: SignalAlert;
  region: string;
  dataClasses: string[];
  target: ProtectedTarget;
  /** Each class's own target; `target` is the tightest of them. */
  classTargets: Record<string, ProtectedTarget>;
  mechanism: string;
  severity: Severity;
  namespace: string;
  metricName: string;
  dimensions: Record<string, V>;
  statistic: "Maximum" | "Minimum" | "Sum" | "Average";
  comparisonOperator: "GreaterThanThreshold" | "LessThanThreshold";
  threshold: number;
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: "notBreaching" | "breaching" | "missing";
  description: string;
  why: string;
  runbook: string;
  overridden: boolean;
  /** The value of agent-dr:signals.overrides.<alert> this alarm stands for, in that key's unit (seconds or a count). */
  overrideValue: number;
  /** With an override: what the targets alone derive, in the override's unit. */
  derived?: DerivedThreshold;
}

/** Human form of a target, e.g. "RPO 1m (instance-loss, zone-loss)". */
export function describeTarget(t: ProtectedTarget): string {
  return `${t.kind} ${formatSeconds(t.seconds)} (${t.scenarios.join(", ")})`;
}

/** 90 -> "90s", 300 -> "5m", 7200 -> "2h", 86400 -> "1d"; exact units only, else seconds. */
export function formatSeconds(s: number): string {
  if (s >= 86400 && s % 86400 === 0) return `${s / 86400}d`;
  if (s >= 3600 && s % 3600 === 0) return `${s / 3600}h`;
  if (s >= 60 && s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}
