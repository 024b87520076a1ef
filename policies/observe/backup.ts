import type { BackupSettings } from "../../dr/settings";
import { exemptionsOf, GUARD_SIDS, type CopyProtection, type RecoveryPointProtection } from "../../dr/settings/protection";
import { accountOfArn } from "../../dr/targets/aws";
import type { Planning } from "../../dr/targets/planning";
import { known } from "../lib/unknown";
import { ObservedResource, ofType } from "./resource";
import { JOB_KINDS, JOB_LABEL, VERIFIED_BY_RESTORE_ANNOTATION } from "../../contract/postgres";
import { TYPES } from "../../contract/resource-types";

/** RTC promises 15 minutes, the only value S3 accepts (S3 User Guide, replication-time-control). */
const RTC_MINUTES = 15;

/** A bucket's region: v7's per-resource region, else the stack's primary region (the provider default). */
function regionOf(bucket: ObservedResource, planning: Planning): string {
  return bucket.inputs.region ?? planning.regions.primary;
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
export function observeReplication(resources: ObservedResource[], planning: Planning): { crossRegionReplication: boolean; replicationTimeControl: boolean } {
  const buckets = ofType(resources, TYPES.bucket);
  const byName = (name: unknown) => buckets.find((b) => b.inputs.bucket === name);
  const byArn = (arn: unknown) => buckets.find((b) => typeof arn === "string" && `arn:aws:s3:::${b.inputs.bucket}` === arn);
  const crossRegionRules: any[] = [];
  for (const rc of ofType(resources, TYPES.bucketReplication)) {
    const source = byName(rc.inputs.bucket);
    if (!source) continue;
    for (const rule of (rc.inputs.rules ?? []) as any[]) {
      if (rule?.status !== "Enabled" || !coversArchive(rule)) continue;
      const dest = byArn(rule.destination?.bucket);
      if (dest && regionOf(dest, planning) !== regionOf(source, planning)) crossRegionRules.push(rule);
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
export function observeBackup(resources: ObservedResource[], planning: Planning): BackupSettings {
  const { crossRegionReplication, replicationTimeControl } = observeReplication(resources, planning);
  const cronJobs = ofType(resources, "kubernetes:batch/v1:CronJob");
  const logical = cronJobs.find((c) => c.inputs.metadata?.labels?.[JOB_LABEL] === JOB_KINDS.logicalBackup);
  const drill = cronJobs.find((c) => c.inputs.metadata?.labels?.[JOB_LABEL] === JOB_KINDS.restoreDrill);
  const verifiedInJob = logical?.inputs.metadata?.annotations?.[VERIFIED_BY_RESTORE_ANNOTATION] === "true";
  const protection = observeProtection(resources, planning);
  return {
    crossRegionReplication,
    replicationTimeControl,
    ...(logical ? { logicalBackupSchedule: logical.inputs.spec?.schedule } : {}),
    restoreDrillSchedule: drill?.inputs.spec?.schedule ?? "",
    retentionDays: planning.backup.retentionDays,
    verifiedByRestore: verifiedInJob || drill !== undefined,
    ...(protection ? { protection } : {}),
  };
}

const parseJson = (v: unknown): any => {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
};

/**
 * The key that encrypts a bucket: the one its default encryption names (known under the mock
 * runtime, where key ARNs end in <name>-key-id), else the stack's only key in the bucket's region.
 */
export function bucketKeyOf(resources: ObservedResource[], bucket: ObservedResource, region: string, defaultRegion?: string): ObservedResource | undefined {
  const sse = ofType(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").find((r) => r.inputs.bucket === bucket.inputs.bucket);
  const keyArn = known(() => sse?.inputs.rules?.[0]?.applyServerSideEncryptionByDefault?.kmsMasterKeyId);
  const inRegion = ofType(resources, "aws:kms/key:Key").filter((k) => (k.inputs.region ?? defaultRegion) === region);
  return inRegion.find((k) => typeof keyArn === "string" && keyArn.endsWith(`/${k.name}-key-id`)) ?? (inRegion.length === 1 ? inRegion[0] : undefined);
}

/**
 * What protects each backup bucket's recovery points, as deployed: the object lock, the lifecycle's
 * noncurrent expiry of the archive, the bucket policy's denies and the key's policy. A bucket's key
 * is the key whose ARN its default encryption names, else the stack's one key in its region.
 */
export function observeProtection(resources: ObservedResource[], planning: Planning): RecoveryPointProtection | undefined {
  const buckets = ofType(resources, TYPES.bucket);
  const sidecar = (type: string, name: unknown) => ofType(resources, type).find((r) => r.inputs.bucket === name);
  const trusts = ofType(resources, "aws:iam/role:Role").map((r) => parseJson(r.inputs.assumeRolePolicy));
  const federated = trusts.flatMap((t) => (t?.Statement ?? []).map((s: any) => s?.Principal?.Federated)).find((a: unknown) => typeof a === "string" && a.includes(":oidc-provider/"));
  const account = federated ? accountOfArn(federated) : undefined;
  // A replication rule that hands its replicas to another account names that account: the copy's owner.
  const destinationAccounts = new Map<string, string>();
  for (const rc of ofType(resources, TYPES.bucketReplication)) {
    for (const rule of (rc.inputs.rules ?? []) as any[]) {
      const d = rule?.destination;
      if (typeof d?.bucket === "string" && typeof d.account === "string" && d.accessControlTranslation?.owner === "Destination") destinationAccounts.set(d.bucket.split(":::").pop()!, d.account);
    }
  }
  const copyOf = (b: ObservedResource): CopyProtection => {
    const region = regionOf(b, planning);
    const owner = destinationAccounts.get(b.inputs.bucket);
    const lock = sidecar("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", b.inputs.bucket);
    const retention = lock?.inputs.rule?.defaultRetention;
    const lifecycle = sidecar("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", b.inputs.bucket);
    const noncurrent = ((lifecycle?.inputs.rules ?? []) as any[])
      .filter((r) => r?.status === "Enabled" && "spilo/".startsWith(r.filter?.prefix ?? r.prefix ?? "") && r.noncurrentVersionExpiration?.noncurrentDays !== undefined)
      .map((r) => Number(r.noncurrentVersionExpiration.noncurrentDays));
    const policy = parseJson(sidecar("aws:s3/bucketPolicy:BucketPolicy", b.inputs.bucket)?.inputs.policy);
    const key = bucketKeyOf(resources, b, region, planning.regions.primary);
    const keyPolicy = parseJson(key?.inputs.policy);
    const days = Number(retention?.days ?? (retention?.years !== undefined ? retention.years * 365 : NaN));
    return {
      region,
      ...(owner && owner !== account ? { ownerAccount: owner } : {}),
      ...(lock?.inputs.objectLockEnabled === "Enabled" && (retention?.mode === "COMPLIANCE" || retention?.mode === "GOVERNANCE") && Number.isFinite(days) ? { lock: { mode: retention.mode, days } } : {}),
      noncurrentDays: noncurrent.length ? Math.min(...noncurrent) : Infinity,
      ...(exemptionsOf(policy, GUARD_SIDS.denyDestruction) ? { destructionExempt: exemptionsOf(policy, GUARD_SIDS.denyDestruction) } : {}),
      ...(exemptionsOf(policy, GUARD_SIDS.denyReconfiguration) ? { reconfigurationExempt: exemptionsOf(policy, GUARD_SIDS.denyReconfiguration) } : {}),
      keyPolicy: keyPolicy !== undefined,
      ...(exemptionsOf(keyPolicy, GUARD_SIDS.denyKeyDestruction) ? { keyDestructionExempt: exemptionsOf(keyPolicy, GUARD_SIDS.denyKeyDestruction) } : {}),
      ...(exemptionsOf(keyPolicy, GUARD_SIDS.denyKeyPolicyChange) ? { keyPolicyChangeExempt: exemptionsOf(keyPolicy, GUARD_SIDS.denyKeyPolicyChange) } : {}),
      keyLongestWindow: exemptionsOf(keyPolicy, GUARD_SIDS.keyDeletionWindow) !== undefined,
    };
  };
  const byRole = (role: string) => buckets.find((b) => b.inputs.tags?.["dr-role"] === role);
  const primary = byRole("primary") ?? buckets.find((b) => regionOf(b, planning) === planning.regions.primary);
  if (!primary) return undefined;
  const dr = byRole("dr") ?? buckets.find((b) => planning.regions.dr !== undefined && regionOf(b, planning) === planning.regions.dr);
  return { ...(account ? { account } : {}), primary: copyOf(primary), ...(dr ? { dr: copyOf(dr) } : {}) };
}
