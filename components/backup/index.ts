export { BackupBuckets } from "./backup-buckets";
export type { BackupBucketsArgs, RegionalBackup } from "./backup-buckets";
export { SERVICE_ACCOUNTS, PREFIXES, walPrefix, logicalPrefix, bucketName } from "./names";
