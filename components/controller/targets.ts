import type { RunbookTargets } from "../../contract/runbooks";
import type { StackConfig } from "../../dr/targets";
import { targetsFromConfig } from "../../dr/targets/runbook-targets";
import { stackFaultSchedule } from "../chaos/stack-faults";

/**
 * What a stack's runbooks operate on (targetsFromConfig) and the faults it schedules, the list the
 * recovery probe reads (stackFaultSchedule): the targets ConfigMap of the controller and the DR
 * tests, and the runbook CLI's --stack, read this one projection.
 */
export function stackRunbookTargets(config: StackConfig): RunbookTargets {
  const faults = stackFaultSchedule(config);
  return { ...targetsFromConfig(config), ...(faults.length > 0 ? { faults } : {}) };
}
