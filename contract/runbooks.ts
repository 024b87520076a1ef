import type { FaultScheduleEntry } from "./probe";
import type { RegionRole } from "./region-cluster";

/**
 * Every runbook's name. The runbooks (runbooks/definitions) are built for exactly these; the
 * controller component schedules DR tests by name without importing the runbooks.
 */
export const RUNBOOK_NAMES = ["promote-dr-region", "redis-failover", "redis-primary-kill", "postgres-switchover", "restore-point-in-time", "verify-backups"] as const;
export type RunbookName = (typeof RUNBOOK_NAMES)[number];

/**
 * What the runbooks operate on, read from the stack config (names only; no secrets). The stack
 * writes it into the controller's targets ConfigMap; the runbook CLI reads it from a stack file.
 */
export interface RunbookTargets {
  stack: string;
  environment: "staging" | "prod";
  regions: { primary: string; dr?: string };
  namespaces: { primary: string; dr?: string };
  /** kubeconfig contexts per region (agent-dr:clusters.*.context), for runs from outside the cluster. */
  contexts: { primary?: string; dr?: string };
  postgres?: {
    /** The primary region's cluster (postgresql resource name). */
    cluster: string;
    /** The DR region's standby cluster, when one exists. */
    standbyCluster?: string;
    /** The operator names the pooler Deployment `<cluster>-pooler`. */
    poolerSuffix: string;
  };
  /**
   * `servers`: Redis pods including the primary (agent-dr:redis.replicas); `prefix`: the tier's
   * object name prefix, i.e. the Redis StatefulSet (pods `<prefix>-<ordinal>`) and the instance
   * label of its pods and the Sentinels' (contract/redis podLabels).
   */
  redis?: { master: string; sentinelService: string; port: number; servers: number; prefix: string };
  /** Route53 failover record the region promotion moves (the agent API). */
  failoverEndpoint?: { name: string; zoneId: string };
  /** The backup tier's restore-test CronJob, run on demand by verify-backups. */
  restoreCheckCronJob?: string;
  /**
   * The scheduled faults the recovery probe attributes outages to (components/chaos
   * stackFaultSchedule), when the stack schedules any. A runbook that injects one of them on its
   * schedule (redis-primary-kill --in-fault-window) acts only inside that fault's window.
   */
  faults?: FaultScheduleEntry[];
}

export type { RegionRole };
