export { BackupBuckets } from "./backup-buckets";
export type { BackupBucketsArgs, RegionalBackup } from "./backup-buckets";
export { bucketName } from "./names";
