import type { BackupSettings } from "../../dr/settings";
import type { StackConfig } from "../../dr/targets";
import { ObservedResource, ofType } from "./resource";

const BUCKET = "aws:s3/bucket:Bucket";
const REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";
/** RTC promises 15 minutes, the only value S3 accepts (S3 User Guide, replication-time-control). */
const RTC_MINUTES = 15;

/** A bucket's region: v7's per-resource region, else the stack's primary region (the provider default). */
function regionOf(bucket: ObservedResource, config: StackConfig): string {
  return bucket.inputs.region ?? config.regions.primary;
}

/** A rule that copies the WAL archive (spilo/): no filter, an empty filter, or a prefix the archive lies under. */
function coversArchive(rule: any): boolean {
  const prefix: string | undefined = rule.filter?.prefix ?? rule.filter?.and?.prefix ?? rule.prefix;
  if (rule.filter?.tag || rule.filter?.and?.tags) return false;
  return prefix === undefined || prefix === "" || "spilo/".startsWith(prefix);
}

/**
 * Cross-region replication as deployed: an enabled rule of a BucketReplicationConfig that copies the
 * archive from a bucket of this stack to a bucket of this stack in another region. A destination the
 * stack does not manage counts as no replication: its region can not be confirmed. RTC counts only
 * when every such rule has it on, at 15 minutes, with the metrics S3 requires alongside.
 */
export function observeReplication(resources: ObservedResource[], config: StackConfig): { crossRegionReplication: boolean; replicationTimeControl: boolean } {
  const buckets = ofType(resources, BUCKET);
  const byName = (name: unknown) => buckets.find((b) => b.inputs.bucket === name);
  const byArn = (arn: unknown) => buckets.find((b) => typeof arn === "string" && `arn:aws:s3:::${b.inputs.bucket}` === arn);
  const crossRegionRules: any[] = [];
  for (const rc of ofType(resources, REPLICATION)) {
    const source = byName(rc.inputs.bucket);
    if (!source) continue;
    for (const rule of (rc.inputs.rules ?? []) as any[]) {
      if (rule?.status !== "Enabled" || !coversArchive(rule)) continue;
      const dest = byArn(rule.destination?.bucket);
      if (dest && regionOf(dest, config) !== regionOf(source, config)) crossRegionRules.push(rule);
    }
  }
  const rtc = (rule: any) =>
    rule.destination?.replicationTime?.status === "Enabled" &&
    Number(rule.destination.replicationTime.time?.minutes) <= RTC_MINUTES &&
    rule.destination?.metrics?.status === "Enabled";
  return {
    crossRegionReplication: crossRegionRules.length > 0,
    replicationTimeControl: crossRegionRules.length > 0 && crossRegionRules.every(rtc),
  };
}

/** Backup settings from the buckets' replication and the logical backup CronJob, as deployed. */
export function observeBackup(resources: ObservedResource[], config: StackConfig): BackupSettings {
  const { crossRegionReplication, replicationTimeControl } = observeReplication(resources, config);
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
