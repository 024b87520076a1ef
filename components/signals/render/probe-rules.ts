import type { DrSettings } from "../../../dr/settings";
import type { Scenario, StackConfig } from "../../../dr/targets";
import { CHAOS_FAULTS, PROBE_METRICS } from "../../../contract/probe";
import { alertGuideLink, tightestTarget } from "./grouping";
import { overridableRule } from "./rule-builder";
import { AlertRule, formatSeconds, ProtectedTarget } from "./model";

/** Scenarios the recovery probe measures for a store: those its scheduled faults rehearse. */
function measuredScenarios(store: string): Scenario[] {
  return [...new Set(Object.values(CHAOS_FAULTS).filter((f) => f.store === store).map((f) => f.scenario as Scenario))];
}

/**
 * measured > companion gauge, matched on (class, scenario), for RTO and RPO; each side reduced to
 * one series per (class, scenario) so a second probe replica or scrape job can not make the match
 * many-to-many (group_left keeps the store label), and the objective labelled so an RTO and an RPO miss of one class are two alerts.
 */
function measuredAbove(companion: { rto: string; rpo: string }): string {
  const side = (measured: string, other: string, objective: string) =>
    `label_replace(max by (class, scenario, store) (${measured}) > on (class, scenario) group_left max by (class, scenario) (${other}), "objective", "${objective}", "", "")`;
  return `${side(PROBE_METRICS.measuredRtoSeconds, companion.rto, "RTO")} or ${side(PROBE_METRICS.measuredRpoSeconds, companion.rpo, "RPO")}`;
}

/**
 * Alerts on the recovery probe's measurements (contract/probe.ts): the last measured outage of a
 * class took longer (RTO) or lost more (RPO) than the class's target, or than the budget predicted.
 * The gauges hold the last measurement, so an alert stays until a later measurement is within
 * bounds: a miss is closed by a measured recovery, not by time. Primary region's Prometheus, where
 * the probe runs. The threshold is the hold before paging (status-alert style): 0, at once.
 */
export function probeRules(config: StackConfig, _settings: DrSettings): AlertRule[] {
  const targets = config.dataClasses.flatMap((c) => {
    const t = tightestTarget(c, "RTO", measuredScenarios(c.store));
    return t ? [{ name: c.name, t }] : [];
  });
  if (targets.length === 0) return [];
  const tightest: ProtectedTarget = targets.reduce((a, b) => (b.t.seconds < a.t.seconds ? b : a)).t;
  const classTargets = Object.fromEntries(targets.map((x) => [x.name, x.t]));
  const dataClasses = targets.map((x) => x.name);
  const runbook = alertGuideLink(config, "recovery-measured");
  const group = { dataClasses, target: tightest, targets: classTargets };
  const rule = (alert: "RecoveryMeasuredAboveTarget" | "RecoveryMeasuredAbovePrediction"): AlertRule => {
    const target = alert === "RecoveryMeasuredAboveTarget";
    return overridableRule(
      config,
      group,
      alert,
      {
        value: 0,
        why: target
          ? `A measurement is a fact, not a trend: one measured recovery above the target (tightest ${formatSeconds(tightest.seconds)}) is a broken promise, so it pages at once.`
          : "The budget's prediction is a worst case; a measurement above it means a mechanism the model does not see (or a setting it misreads), so it warns at once.",
      },
      (hold) => ({
        source: "prometheus-primary",
        mechanism: "recovery-probe",
        severity: target ? "critical" : "warning",
        threshold: hold,
        unit: "seconds",
        forSeconds: hold,
        expr: measuredAbove(
          target
            ? { rto: PROBE_METRICS.targetRtoSeconds, rpo: PROBE_METRICS.targetRpoSeconds }
            : { rto: PROBE_METRICS.predictedRtoSeconds, rpo: PROBE_METRICS.predictedRpoSeconds },
        ),
        summary: target
          ? "A measured recovery of {{ $labels.class }} ({{ $labels.scenario }}) missed its {{ $labels.objective }} target"
          : "A measured recovery of {{ $labels.class }} ({{ $labels.scenario }}) was worse than the budget predicted ({{ $labels.objective }})",
        description: target
          ? "The recovery probe measured {{ $labels.objective }} {{ $value }} s for {{ $labels.class }} ({{ $labels.store }}, {{ $labels.scenario }}), above the declared target: the promise was broken in a real or rehearsed outage."
          : "The recovery probe measured {{ $labels.objective }} {{ $value }} s for {{ $labels.class }} ({{ $labels.store }}, {{ $labels.scenario }}), above the budget's worst-case prediction: the model or the cluster is wrong.",
        runbook,
      }),
      { note: "(hold before paging)" },
    );
  };
  return [rule("RecoveryMeasuredAboveTarget"), rule("RecoveryMeasuredAbovePrediction")];
}
