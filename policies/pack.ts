import type { Policies } from "@pulumi/policy";
import { backupCronJob } from "./rules/backup-cronjob";
import { backupVerification } from "./rules/backup-verification";
import { detectionStability } from "./rules/detection-stability";
import { networkExposure } from "./rules/network-exposure";
import { networkDefaultDeny } from "./rules/network-default-deny";
import { networkIngressScope } from "./rules/network-ingress-scope";
import { rbacLeastPrivilege } from "./rules/rbac-least-privilege";
import { workloadHardening } from "./rules/workload-hardening";
import { postgresEngineSafety } from "./rules/postgres-engine-safety";
import { bucketProtection } from "./rules/bucket-protection";
import { recoveryPointProtection } from "./rules/recovery-point-protection";
import { bucketReplication } from "./rules/bucket-replication";
import { failoverHealthCheck } from "./rules/failover-health-check";
import { patroniTiming } from "./rules/patroni-timing";
import { postgresSynchronousMode } from "./rules/postgres-synchronous-mode";
import { postgresWalArchiving } from "./rules/postgres-wal-archiving";
import { recoveryTargets } from "./rules/recovery-targets";
import { redisPersistence } from "./rules/redis-persistence";
import { sentinelQuorum } from "./rules/sentinel-quorum";
import { targetBounds } from "./rules/target-bounds";
import { signalThresholds } from "./rules/signal-thresholds";
import { llmGatewayChain } from "./rules/llm-gateway-chain";

export const PACK_NAME = "agent-dr-policies";

/** The pack's policies. Tests and the offline plan import this; only index.ts starts the server. */
export const policies: Policies = [
  recoveryTargets,
  targetBounds,
  postgresWalArchiving,
  postgresSynchronousMode,
  patroniTiming,
  redisPersistence,
  sentinelQuorum,
  backupCronJob,
  bucketProtection,
  recoveryPointProtection,
  bucketReplication,
  failoverHealthCheck,
  postgresEngineSafety,
  detectionStability,
  backupVerification,
  networkExposure,
  networkDefaultDeny,
  networkIngressScope,
  workloadHardening,
  rbacLeastPrivilege,
  signalThresholds,
  llmGatewayChain,
];
