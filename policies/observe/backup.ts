import type { BackupSettings } from "../../dr/settings";
import type { StackConfig } from "../../dr/targets";
import { ObservedResource, ofType } from "./resource";

/** Backup settings from the buckets' replication and the logical backup CronJob, as deployed. */
export function observeBackup(resources: ObservedResource[], config: StackConfig): BackupSettings {
  const replications = ofType(resources, "aws:s3/bucketReplicationConfig:BucketReplicationConfig");
  const rules = replications.flatMap((r) => (r.inputs.rules ?? []) as any[]).filter((rule) => rule.status === "Enabled");
  const crossRegionReplication = rules.length > 0;
  const replicationTimeControl = rules.length > 0 && rules.every((rule) => rule.destination?.replicationTime?.status === "Enabled");
  const cronJobs = ofType(resources, "kubernetes:batch/v1:CronJob");
  const logical = cronJobs.find((c) => c.inputs.metadata?.labels?.["agent-dr/job"] === "logical-backup");
  const drill = cronJobs.find((c) => c.inputs.metadata?.labels?.["agent-dr/job"] === "restore-drill");
  const verifiedInJob = logical?.inputs.metadata?.annotations?.["agent-dr/verified-by-restore"] === "true";
  return {
    crossRegionReplication,
    replicationTimeControl,
    ...(logical ? { logicalBackupSchedule: logical.inputs.spec?.schedule } : {}),
    restoreDrillSchedule: drill?.inputs.spec?.schedule ?? "",
    retentionDays: config.backup.retentionDays,
    verifiedByRestore: verifiedInJob || drill !== undefined,
  };
}
