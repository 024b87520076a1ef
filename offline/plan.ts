import { computeBudget, BudgetRow } from "../dr/budget";
import { parseStackConfig, planningOf, rawConfigFrom, StackConfig } from "../dr/targets";
import { observeSettings } from "../policies/observe";
import { signalsFromResources } from "../components/signals/render/from-resources";
import type { ClassSignals } from "../components/signals/render/by-data-class";
import { measuredTestsByDataClass, type ClassMeasuredTests } from "../components/chaos/measured-tests";
import type { CapturedResource } from "./capture";
import { runOffline, stackAccount } from "./run-program";
import { accessMatrix, describeFinding, describeResult, matrixSummary } from "../access/matrix";
import { readStackFile, stackFilePath, StackConfigFile } from "./stack-files";
import { evaluatePolicies, Violation } from "./violations";

export interface BudgetEntry {
  dataClass: string;
  scenario: string;
  /** null means unbounded. */
  target: { rpoSeconds: number | null; rtoSeconds: number | null };
  predicted: { rpoSeconds: number | null; rtoSeconds: number | null };
  ok: boolean;
  limitedBy: string;
  rpoMechanism: string;
  rtoMechanism: string;
  note?: string;
}

export interface PlanResult {
  stack: string;
  resources: Array<{ type: string; name: string; inputs: Record<string, unknown>; parent?: string; provider?: string }>;
  budget: BudgetEntry[];
  violations: Violation[];
  costs: string[];
  /** Per data class, the alerts and alarms the resources declare (components/signals); [] = unwatched. */
  signals: ClassSignals[];
  /** Per data class, the scheduled in-cluster tests (fault Schedules, DR test CronJobs) the resources declare; [] = none scheduled. */
  measuredTests: ClassMeasuredTests[];
  /** The IAM request matrix: every credential holder's requests judged by an IAM evaluator (access/). */
  access: { summary: string; judged: number; unexpected: string[]; contract: string[] };
}

/** Policy name of the matrix's findings among the violations. */
export const ACCESS_MATRIX_POLICY = "iam-request-matrix";

/** Raw `agent-dr:*` config from a stack file, as the program would read it. */
export function rawConfigOf(file: StackConfigFile): Record<string, unknown> {
  return rawConfigFrom(file.config);
}

/**
 * The offline plan: validate config (throws ConfigError), run the program under mocks, read the
 * settings back from the captured resources, compute the budget and evaluate the policies.
 */
export async function plan(stack: string, configFile = stackFilePath(stack), load: () => unknown = () => require("../index")): Promise<PlanResult> {
  const file = readStackFile(configFile);
  const config = parseStackConfig(rawConfigOf(file), stack);
  const run = await runOffline(stack, file, load);
  if (run.error) throw run.error;
  return planFromResources(stack, config, run.resources, stackAccount(file));
}

export async function planFromResources(stack: string, config: StackConfig, resources: CapturedResource[], account: string): Promise<PlanResult> {
  const observed = observeSettings(resources, planningOf(config));
  const budget = computeBudget(config.dataClasses, observed);
  const violations = await evaluatePolicies({ stack, config, resources });
  // What each client sends, judged against every policy in its path: a workload refused what it
  // needs, or allowed what it must never do, fails the plan like a mandatory policy.
  const matrix = await accessMatrix(stack, account, resources);
  const unexpected = matrix.unexpected.map(describeResult);
  const contract = matrix.contract.map(describeFinding);
  for (const message of [...unexpected, ...contract]) violations.push({ policy: ACCESS_MATRIX_POLICY, level: "mandatory", resource: "", message });
  return {
    stack,
    resources: resources.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs, ...(r.parent ? { parent: r.parent } : {}), ...(r.provider ? { provider: r.provider } : {}) })),
    budget: budget.rows.map(toEntry),
    violations,
    costs: budget.costs,
    signals: signalsFromResources(resources, config.dataClasses.map((c) => c.name)),
    measuredTests: measuredTestsByDataClass(resources, config.dataClasses),
    access: { summary: matrixSummary(matrix), judged: matrix.results.length, unexpected, contract },
  };
}

const finite = (n: number) => (Number.isFinite(n) ? n : null);

function toEntry(r: BudgetRow): BudgetEntry {
  return {
    dataClass: r.dataClass,
    scenario: r.scenario,
    target: { rpoSeconds: finite(r.target.rpoSeconds), rtoSeconds: finite(r.target.rtoSeconds) },
    predicted: { rpoSeconds: finite(r.predicted.rpoSeconds), rtoSeconds: finite(r.predicted.rtoSeconds) },
    ok: r.ok,
    limitedBy: r.limitedBy,
    rpoMechanism: r.rpo.mechanism,
    rtoMechanism: r.rto.mechanism,
    ...(r.note ? { note: r.note } : {}),
  };
}
