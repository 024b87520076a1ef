import type { PostgresSettings } from "../../../dr/settings";
import { cronMaxGapSeconds } from "../../../dr/settings/cron";
import { IRSA_TOKEN_FILE } from "../../../contract/postgres";

export interface EnvVar {
  name: string;
  value: string;
}


export interface WalgEnvInput {
  clusterName: string;
  /** Region of the cluster's own backup bucket. */
  region: string;
  bucket: string;
  /** ARN of the bucket's KMS key: every upload names it, as the bucket policy requires. */
  kmsKeyArn: string;
  settings: PostgresSettings;
  retentionDays: number;
  /** IRSA role for WAL-G; the webhook injects AWS_ROLE_ARN, the STANDBY_/CLONE_ copies are ours. */
  walgRoleArn: string;
  /**
   * Full archive location (s3://bucket/path/wal/<major>) when it is not spilo/<cluster>/wal/<major>:
   * a DR standby or a clone archives inside its source's prefix, the only one its IAM role may write.
   */
  archiveUrl?: string;
  /** Standby cluster: region and role to read the source archive with. */
  standby?: { region: string; roleArn: string };
  /** Point-in-time clone: region and role to read the source archive with. */
  clone?: { region: string; roleArn: string };
}

/**
 * Base backups to keep so that any point of the retention window can be restored: one per
 * schedule period across the window, plus the one before the window starts.
 */
export function baseBackupsToRetain(schedule: string, retentionDays: number): number {
  const gap = cronMaxGapSeconds(schedule);
  return Math.max(2, Math.ceil((retentionDays * 86400) / gap) + 1);
}

/** S3 runs lifecycle expirations asynchronously, usually within a day or two of an object becoming eligible. */
export const LIFECYCLE_LAG_DAYS = 3;

/**
 * Spilo's BACKUP_NUM_TO_RETAIN, which its backup script reads both as days and as a count: it runs
 * `wal-g delete` only when a base backup is older than that many days and that many newer ones
 * exist. Retention is the bucket lifecycle's job and the pods may not delete (a stolen credential
 * must not remove recovery points), so the setting lies beyond what the lifecycle keeps: the script
 * never finds a backup old enough and never sends a delete the bucket would refuse.
 */
export function spiloRetainSetting(schedule: string, retentionDays: number): number {
  return Math.max(baseBackupsToRetain(schedule, retentionDays), retentionDays + LIFECYCLE_LAG_DAYS);
}

/**
 * Spilo environment for WAL-G archiving and base backups (spilo ENVIRONMENT.rst). Set per cluster
 * in spec.env, which the operator ranks above its global config, so the primary and the DR
 * standby can write to different buckets.
 */
export function renderWalgEnv(input: WalgEnvInput): EnvVar[] {
  const session = `${input.clusterName}-walg`;
  const env: EnvVar[] = [
    // Spilo <= 4.0 archives with WAL-E unless told otherwise; 4.1 ignores these and uses WAL-G anyway.
    { name: "USE_WALG_BACKUP", value: "true" },
    { name: "USE_WALG_RESTORE", value: "true" },
    // Without it Spilo guesses the region from the bucket name or instance metadata (unreachable with IMDSv2 hop limit 1).
    { name: "AWS_REGION", value: input.region },
    { name: "WAL_S3_BUCKET", value: input.bucket },
    // Empty prefix/suffix: the archive lands at spilo/<cluster>/wal/<major>, the prefix the IAM policy allows.
    { name: "WAL_BUCKET_SCOPE_PREFIX", value: "" },
    { name: "WAL_BUCKET_SCOPE_SUFFIX", value: "" },
    ...(input.archiveUrl
      ? [
          { name: "WALE_S3_PREFIX", value: input.archiveUrl },
          { name: "WALG_S3_PREFIX", value: input.archiveUrl },
        ]
      : []),
    { name: "WALG_COMPRESSION_METHOD", value: "zstd" },
    // SSE-KMS with the bucket's own key on every upload (PutObject, CreateMultipartUpload): the bucket
    // policy refuses any other encryption, and Spilo would otherwise ask for AES256 on AWS.
    // WAL-G refuses aws:kms without a key id.
    { name: "WALG_S3_SSE", value: "aws:kms" },
    { name: "WALG_S3_SSE_KMS_ID", value: input.kmsKeyArn },
    { name: "BACKUP_SCHEDULE", value: input.settings.baseBackupSchedule },
    { name: "BACKUP_NUM_TO_RETAIN", value: String(spiloRetainSetting(input.settings.baseBackupSchedule, input.retentionDays)) },
    // WAL-G 3 with web identity credentials fails without a session name (zalando/spilo#1009).
    { name: "AWS_ROLE_SESSION_NAME", value: session },
    { name: "AWS_STS_REGIONAL_ENDPOINTS", value: "regional" },
  ];
  if (input.standby) {
    // Every setting of the standby's restore source needs the STANDBY_ prefix (spilo.md 3.1).
    env.push(
      { name: "STANDBY_AWS_REGION", value: input.standby.region },
      { name: "STANDBY_AWS_ROLE_ARN", value: input.standby.roleArn },
      { name: "STANDBY_AWS_WEB_IDENTITY_TOKEN_FILE", value: IRSA_TOKEN_FILE },
      { name: "STANDBY_AWS_ROLE_SESSION_NAME", value: `${session}-standby` },
    );
  }
  if (input.clone) {
    // The operator passes no IRSA settings to a clone (postgres-operator#2394).
    env.push(
      { name: "CLONE_USE_WALG_RESTORE", value: "true" },
      { name: "CLONE_AWS_REGION", value: input.clone.region },
      { name: "CLONE_AWS_ROLE_ARN", value: input.clone.roleArn },
      { name: "CLONE_AWS_WEB_IDENTITY_TOKEN_FILE", value: IRSA_TOKEN_FILE },
      { name: "CLONE_AWS_ROLE_SESSION_NAME", value: `${session}-clone` },
    );
  }
  return env;
}
