import type { BudgetRow } from "../dr/budget";
import { formatDuration, StackConfig } from "../dr/targets";
import type { CapturedResource } from "./capture";

export interface Violation {
  policy: string;
  level: "advisory" | "mandatory";
  resource: string;
  message: string;
}

export interface PolicyInput {
  stack: string;
  config: StackConfig;
  resources: CapturedResource[];
  budget: BudgetRow[];
}

/**
 * Violations of the stack: every data class x scenario whose predicted RPO or RTO misses its
 * target is mandatory. (The CrossGuard pack in policies/ is evaluated here once it exists.)
 */
export async function evaluatePolicies(input: PolicyInput): Promise<Violation[]> {
  return input.budget
    .filter((r) => !r.ok)
    .map((r) => ({
      policy: "recovery-targets",
      level: "mandatory" as const,
      resource: `urn:pulumi:${input.stack}::agent-dr::pulumi:pulumi:Stack::agent-dr-${input.stack}`,
      message: `${r.dataClass} / ${r.scenario} (target RPO ${formatDuration(r.target.rpoSeconds)}, RTO ${formatDuration(r.target.rtoSeconds)}): ${r.limitedBy}`,
    }));
}
