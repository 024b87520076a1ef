import type { DataClass, Scenario, SignalAlert, StackConfig } from "../../../dr/targets";
import { ClassGroup, groupClasses, overrideOf, tightestTarget } from "./grouping";
import type { AlertRule } from "./model";

/**
 * Every class with a finite target of this kind over these scenarios, in one group (the rule
 * protects them all at the tightest target among them), or undefined when no class has one.
 */
export function groupAll(classes: DataClass[], kind: "RPO" | "RTO", scenarios: Scenario[]): ClassGroup<0> | undefined {
  return groupClasses(
    classes.flatMap((c) => {
      const t = tightestTarget(c, kind, scenarios);
      return t ? [{ dataClass: c.name, key: 0 as const, target: t }] : [];
    }),
  )[0];
}

/** The classes one rule protects: their names, the tightest target among them, and each one's own. */
export type RuleClasses = Pick<ClassGroup<unknown>, "dataClasses" | "target" | "targets">;

/** What the targets alone give an alert's threshold, and why. */
export interface DerivedValue {
  value: number;
  why: string;
}

/** What a rule says with the value in force (the override, else the derived value). */
export type RuleBody = Omit<AlertRule, "alert" | "dataClasses" | "target" | "classTargets" | "why" | "overridden" | "derived">;

/** How an override's value is written in the rule's `why`: "= 300s", "= 1048576 bytes", "= 2". */
const OVERRIDE_UNIT: Record<AlertRule["unit"], string> = { seconds: "s", bytes: " bytes", count: "" };

export interface OverrideText {
  /** The unit of the override when it is not the rule's (a window or hold in seconds on a count rule). */
  unit?: AlertRule["unit"];
  /** What the overridden number is, when not the threshold itself: "(the window)". */
  note?: string;
}

/**
 * One alert rule whose number may be overridden by agent-dr:signals.overrides.<alert>: the value in
 * force is the override, else the derived value; `body` writes the rule (threshold, for:, expr,
 * texts) from it. The reason is the override's key and value when overridden, else the derivation's.
 */
export function overridableRule(
  config: StackConfig,
  group: RuleClasses,
  alert: SignalAlert,
  derived: DerivedValue,
  body: (value: number) => RuleBody,
  overrideText: OverrideText = {},
): AlertRule {
  const override = overrideOf(config, alert);
  const value = override ?? derived.value;
  const { source, mechanism, severity, threshold, unit, forSeconds, expr, summary, description, runbook } = body(value);
  const note = overrideText.note ? ` ${overrideText.note}` : "";
  return {
    alert,
    source,
    dataClasses: group.dataClasses,
    target: group.target,
    classTargets: group.targets,
    mechanism,
    severity,
    threshold,
    unit,
    forSeconds,
    expr,
    summary,
    description,
    why: override !== undefined ? `agent-dr:signals.overrides.${alert} = ${value}${OVERRIDE_UNIT[overrideText.unit ?? unit]}${note}` : derived.why,
    runbook,
    overridden: override !== undefined,
  };
}
