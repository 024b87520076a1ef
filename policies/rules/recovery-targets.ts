import { stackPolicy } from "../lib/define";
import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { computeBudget, BudgetRow } from "../../dr/budget";
import { SCENARIOS } from "../../dr/targets";
import { observeSettings, ObservedResource } from "../observe";
import { configWithDefaults } from "../lib/config";
import { fromPolicyResources } from "../lib/policy-resources";
import { dur } from "../lib/report";
import { planningFromResources } from "../lib/planning";
import { declaredClasses } from "../lib/targets";

interface Config {
  scenarios: string[];
}

const configSchema: PolicyConfigSchema = {
  properties: {
    scenarios: {
      type: "array",
      items: { type: "string", enum: [...SCENARIOS] },
      uniqueItems: true,
      default: [...SCENARIOS],
      description: "Disaster scenarios whose predicted RPO/RTO is held against the targets.",
    },
  },
};

export function missMessage(row: BudgetRow): string {
  return `${row.dataClass} / ${row.scenario}: target RPO ${dur(row.target.rpoSeconds)}, RTO ${dur(row.target.rtoSeconds)}; predicted RPO ${dur(row.predicted.rpoSeconds)}, RTO ${dur(row.predicted.rtoSeconds)}. ${row.limitedBy}`;
}

/**
 * The budget on the settings the resources hold: every class x scenario whose predicted RPO or RTO
 * misses its target, with the limiting mechanism and its fix. Returns the rows for callers that
 * show the whole table.
 */
export function checkRecoveryTargets(resources: ObservedResource[], config: Config, report: (m: string, urn?: string) => void): BudgetRow[] {
  const declared = declaredClasses(resources);
  const classes = declared.map((d) => d.dataClass);
  const settings = observeSettings(resources, planningFromResources(resources));
  const rows = computeBudget(classes, settings).rows;
  for (const row of rows) {
    if (row.ok || !config.scenarios.includes(row.scenario)) continue;
    report(missMessage(row), declared.find((d) => d.dataClass.name === row.dataClass)?.declaredBy.urn);
  }
  return rows;
}

export const recoveryTargets = stackPolicy<Config>({
  name: "recovery-targets",
  description: "Every data class meets its RPO and RTO in every disaster scenario, by the budget model on the settings the resources hold.",
  severity: "critical",
  configSchema,
  skip: (rs) => (declaredClasses(rs).length === 0 ? "no resource declares recovery targets (agent-dr/recovery-targets)" : undefined),
  check: (rs, report, config) => checkRecoveryTargets(rs, config, report),
});
