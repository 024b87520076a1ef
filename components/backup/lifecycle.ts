import { PREFIXES } from "../../contract/postgres";

/** S3 refuses a transition to STANDARD_IA before an object is 30 days old (S3 User Guide, lifecycle transition constraints). */
export const STANDARD_IA_MIN_DAYS = 30;
/** Incomplete multipart uploads (an interrupted base backup or dump) are cleaned after this many days. */
export const ABORT_MULTIPART_DAYS = 7;

export interface LifecycleRule {
  id: string;
  status: "Enabled";
  filter: { prefix?: string };
  transitions?: Array<{ days: number; storageClass: "STANDARD_IA" }>;
  expiration?: { days?: number; expiredObjectDeleteMarker?: boolean };
  noncurrentVersionExpiration?: { noncurrentDays: number };
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

/**
 * Lifecycle of a backup bucket. WAL and base backups (spilo/) and dumps (logical-backups/) expire
 * after the retention window; they move to STANDARD_IA first only when the window is longer than
 * the 30 days S3 requires before that transition (a shorter window would be refused by S3, and IA
 * bills at least 30 days per object anyway). Noncurrent versions (what a delete or overwrite leaves)
 * are kept as long as the window, so an accidental or hostile delete can be undone within it.
 */
export function backupLifecycleRules(retentionDays: number): LifecycleRule[] {
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new Error(`backup.retentionDays: got ${retentionDays}, expected a whole number of days >= 1`);
  }
  const transitions = retentionDays > STANDARD_IA_MIN_DAYS ? [{ days: STANDARD_IA_MIN_DAYS, storageClass: "STANDARD_IA" as const }] : undefined;
  const forPrefix = (id: string, prefix: string): LifecycleRule => ({
    id,
    status: "Enabled",
    filter: { prefix },
    ...(transitions ? { transitions } : {}),
    expiration: { days: retentionDays },
    noncurrentVersionExpiration: { noncurrentDays: retentionDays },
  });
  return [
    forPrefix("wal-and-base-backups", PREFIXES.wal),
    forPrefix("logical-backups", PREFIXES.logical),
    {
      id: "housekeeping",
      status: "Enabled",
      filter: {},
      expiration: { expiredObjectDeleteMarker: true },
      abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_DAYS },
    },
  ];
}
