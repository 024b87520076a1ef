import * as fs from "node:fs";
import * as path from "node:path";
import { computeBudget, deriveSettings, parseStackConfig } from "../dr";
import type { BudgetRow, DataClass, DrSettings, StackConfig } from "../dr";
import { rawConfigOf } from "../offline/plan";
import { readStackFile, stackFilePath } from "../offline/stack-files";

/** What a drill runs: the stack's validated config, the settings derived from it and their budget. */
export interface DrillStack {
  name: string;
  config: StackConfig;
  settings: DrSettings;
  budget: BudgetRow[];
}

/** Load a stack exactly as `npm run plan` does, so what is drilled is what is deployed. */
export function loadDrillStack(stack: string, configFile = stackFilePath(stack)): DrillStack {
  if (!fs.existsSync(configFile)) {
    const known = fs.readdirSync(path.dirname(configFile)).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter(Boolean);
    throw new StackNotFoundError(`--stack ${stack}: no stack file ${configFile}; expected one of ${known.join(", ")}`);
  }
  const config = parseStackConfig(rawConfigOf(readStackFile(configFile)), stack);
  const settings = deriveSettings(config);
  return { name: stack, config, settings, budget: computeBudget(config.dataClasses, settings).rows };
}

export class StackNotFoundError extends Error {
  override name = "StackNotFoundError";
}

/** The budget row of a class for a scenario (throws naming what is missing). */
export function budgetRow(stack: DrillStack, dataClass: string, scenario: BudgetRow["scenario"]): BudgetRow {
  const row = stack.budget.find((r) => r.dataClass === dataClass && r.scenario === scenario);
  if (!row) throw new Error(`stack ${stack.name}: no budget row for class ${dataClass} / ${scenario}`);
  return row;
}

/**
 * The PostgreSQL classes the drills write to: one whose owner role commits synchronously (RPO 0)
 * and one that commits locally. Either may be missing when a stack has no such class.
 */
export function postgresClasses(stack: DrillStack): { sync?: DataClass; async?: DataClass } {
  const pg = stack.settings.postgres;
  if (!pg) return {};
  const classes = stack.config.dataClasses.filter((c) => c.store === "postgres" && c.database);
  const isSync = (c: DataClass) => pg.synchronousMode && ["on", "remote_apply", "remote_write"].includes(pg.synchronousCommit[c.database as string] ?? "local");
  return { sync: classes.find(isSync), async: classes.find((c) => !isSync(c)) };
}

export function redisClass(stack: DrillStack): DataClass | undefined {
  return stack.config.dataClasses.find((c) => c.store === "redis");
}
