import { REPLICATION_RULE_ID } from "../../contract/backup";

/** S3 Replication Time Control: 15 minutes is the only value S3 accepts, for the SLA and for the metrics threshold. */
export const RTC_MINUTES = 15;

export interface ReplicationRuleInput {
  destinationBucketArn: string;
  destinationKeyArn: string;
  replicationTimeControl: boolean;
  /** The destination bucket's account when it is not the source's: the replicas become that account's (owner override). */
  destinationAccount?: string;
}

/**
 * The one rule that copies the whole primary bucket to the DR bucket. Delete markers are replicated
 * so the DR copy follows WAL-G's retention (versions themselves are never deleted by replication);
 * SSE-KMS objects are replicated and re-encrypted with the DR region's key; metrics are on so
 * replication lag and pending operations are visible; RTC gives the 15-minute promise the budget
 * counts on when a class needs it.
 */
export function replicationRule(p: ReplicationRuleInput) {
  return {
    id: REPLICATION_RULE_ID,
    status: "Enabled",
    priority: 1,
    filter: {},
    deleteMarkerReplication: { status: "Enabled" },
    sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
    destination: {
      bucket: p.destinationBucketArn,
      // In a backup account the replicas must belong to it, or the workload account would keep
      // control of them through object ownership.
      ...(p.destinationAccount ? { account: p.destinationAccount, accessControlTranslation: { owner: "Destination" } } : {}),
      storageClass: "STANDARD",
      encryptionConfiguration: { replicaKmsKeyId: p.destinationKeyArn },
      metrics: p.replicationTimeControl ? { status: "Enabled", eventThreshold: { minutes: RTC_MINUTES } } : { status: "Enabled" },
      ...(p.replicationTimeControl ? { replicationTime: { status: "Enabled", time: { minutes: RTC_MINUTES } } } : {}),
    },
  };
}
