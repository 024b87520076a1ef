/**
 * The one S3 replication rule of the primary bucket (components/backup/replication.ts). The
 * signals watch its metrics by this id, the policy pack and the budget find the rule by it.
 */
export const REPLICATION_RULE_ID = "primary-to-dr";
