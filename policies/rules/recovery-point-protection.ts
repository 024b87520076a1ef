import { GUARD_SIDS } from "../../dr/settings/protection";
import { bucketKeyOf } from "../observe/backup";
import { StackResource } from "../lib/policy-resources";
import { TYPES } from "../lib/resources";
import { known } from "../lib/unknown";
import { bucketLabel, sideCars } from "./bucket-protection";
import { stackPolicyOver } from "../lib/define";

/**
 * Per backup bucket, the protections that keep a recovery point alive when credentials are stolen
 * (what the credential-compromise rows of recovery-targets add up): an object lock, a bucket
 * policy that refuses version destruction and lock bypass to every principal it does not name, a
 * lock no longer than the lifecycle keeps versions, and a key with its own policy that refuses
 * disabling and deleting it to every principal it does not name.
 */

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function statementsOf(policy: unknown): any[] | undefined {
  const doc = known(() => (typeof policy === "string" ? JSON.parse(policy) : JSON.parse(JSON.stringify(policy ?? null))));
  if (doc === undefined) return undefined;
  return list(doc?.Statement) as any[];
}

/** A Deny for every principal (possibly excepting named ARNs) that covers `action`. */
function deniesToAll(statements: any[], action: string): boolean {
  const service = action.split(":")[0];
  return statements.some(
    (s) =>
      s?.Effect === "Deny" &&
      (s.Principal === "*" || list(s.Principal?.AWS).includes("*")) &&
      list(s.Action).some((a) => a === action || a === `${service}:*` || a === "*") &&
      Object.keys(s.Condition ?? {}).every((op) => op === "ArnNotLike" || op === "ArnNotEquals"),
  );
}

export function checkRecoveryPointProtection(resources: StackResource[], report: (m: string, urn?: string) => void): void {
  for (const b of resources.filter((r) => r.type === TYPES.bucket)) {
    const name = bucketLabel(b);
    const lock = sideCars(resources, TYPES.bucketObjectLock, b).find((l) => l.inputs.objectLockEnabled === "Enabled");
    const retention = lock?.inputs.rule?.defaultRetention;
    if (!lock || !retention) {
      report(`backup bucket ${name}: no Object Lock default retention: a version is gone the moment a principal with s3:DeleteObjectVersion (or a bucket policy it may rewrite) deletes it. Fix: set agent-dr:backup.objectLock to { enabled: true, mode: COMPLIANCE }.`, b.urn);
    }
    const policy = sideCars(resources, TYPES.bucketPolicy, b)[0];
    const statements = policy ? statementsOf(policy.inputs.policy) : [];
    if (statements !== undefined) {
      if (!deniesToAll(statements, "s3:DeleteObjectVersion")) {
        report(`backup bucket ${name}: the bucket policy does not deny s3:DeleteObjectVersion to every principal it does not name (${GUARD_SIDS.denyDestruction}): an identity with s3:* destroys recovery points. Fix: deploy the bucket with the stack's policy (components/backup) and name agent-dr:backup.breakGlassPrincipals.`, policy?.urn ?? b.urn);
      }
      if (retention?.mode === "GOVERNANCE" && !deniesToAll(statements, "s3:BypassGovernanceRetention")) {
        report(`backup bucket ${name}: GOVERNANCE lock without a bucket-policy deny of s3:BypassGovernanceRetention: anyone granted s3:* bypasses the lock. Fix: set agent-dr:backup.objectLock.mode to COMPLIANCE, or keep the stack's ${GUARD_SIDS.denyDestruction} statement.`, lock?.urn ?? b.urn);
      }
    }
    const days = Number(retention?.days);
    const noncurrent = (list(sideCars(resources, TYPES.bucketLifecycle, b)[0]?.inputs.rules) as any[])
      .filter((r) => r?.status === "Enabled" && r.noncurrentVersionExpiration?.noncurrentDays !== undefined)
      .map((r) => Number(r.noncurrentVersionExpiration.noncurrentDays));
    if (Number.isFinite(days) && noncurrent.length > 0 && days > Math.min(...noncurrent)) {
      report(`backup bucket ${name}: the lock holds versions ${days} days but the lifecycle expires them after ${Math.min(...noncurrent)}: the stated retention is not what S3 keeps. Fix: set agent-dr:backup.retentionDays to at least ${days}.`, lock?.urn ?? b.urn);
    }
    const key = bucketKeyOf(resources, b, b.inputs.region);
    if (!key) continue;
    const keyStatements = key.inputs.policy === undefined ? undefined : statementsOf(key.inputs.policy);
    if (key.inputs.policy === undefined) {
      report(`backup bucket ${name}: its key ${key.name} has KMS's default policy: any principal with kms:* in the account may disable it or schedule its deletion, and every backup becomes unreadable. Fix: give the stack the account (agent-dr:oidc) so the key gets its own policy, and name agent-dr:backup.administrators.`, key.urn);
    } else if (keyStatements !== undefined && !["kms:DisableKey", "kms:ScheduleKeyDeletion"].every((a) => deniesToAll(keyStatements, a))) {
      report(`backup bucket ${name}: the policy of its key ${key.name} does not deny kms:DisableKey and kms:ScheduleKeyDeletion to every principal it does not name: IAM grants alone can make every backup unreadable. Fix: name agent-dr:backup.administrators (the key policy then refuses both to everyone else).`, key.urn);
    }
  }
}

export const recoveryPointProtection = stackPolicyOver([TYPES.bucket], "no backup bucket in the stack", checkRecoveryPointProtection, {
  name: "recovery-point-protection",
  severity: "critical",
  description: "Backup buckets keep recovery points out of reach of stolen credentials: object lock, bucket-policy denies of version destruction and lock bypass, a lock within the lifecycle, and keys with their own policies.",
});
