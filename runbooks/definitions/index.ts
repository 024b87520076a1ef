import type { Runbook } from "../engine";
import { RUNBOOK_NAMES, type RunbookName, type RunbookTargets } from "../../contract/runbooks";
import type { RunbookArgs } from "./args";
import { postgresSwitchover } from "./postgres-switchover";
import { promoteDrRegion } from "./promote-dr-region";
import { redisFailover } from "./redis-failover";
import { redisPrimaryKill } from "./redis-primary-kill";
import { restorePointInTime } from "./restore-point-in-time";
import { verifyBackups } from "./verify-backups";

export type { RunbookArgs } from "./args";
export { checkCloneName, checkTargetTime, resolveTargetTime } from "./args";
export { cloneClusterName, cloneStackCommands } from "./restore-point-in-time";

/** Every runbook, by name, as a function of the stack's targets and the run's arguments. */
export const RUNBOOKS = {
  "promote-dr-region": promoteDrRegion,
  "redis-failover": redisFailover,
  "redis-primary-kill": redisPrimaryKill,
  "postgres-switchover": postgresSwitchover,
  "restore-point-in-time": restorePointInTime,
  "verify-backups": verifyBackups,
} as const satisfies Record<RunbookName, (t: RunbookTargets, args?: RunbookArgs) => Runbook>;

export { RUNBOOK_NAMES, type RunbookName };

export function buildRunbook(name: string, t: RunbookTargets, args: RunbookArgs = {}): Runbook {
  const build = (RUNBOOKS as Record<string, (t: RunbookTargets, a?: RunbookArgs) => Runbook>)[name];
  if (!build) throw new Error(`runbook ${JSON.stringify(name)}: expected one of ${RUNBOOK_NAMES.join(", ")}`);
  return build(t, args);
}
