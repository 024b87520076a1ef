import { exemptionsOf, GUARD_SIDS, KMS_DELETION_WINDOW_DAYS } from "../dr/settings/protection";
import { accountOfArn } from "../dr/targets/aws";
import { WorkloadCases, type WorkloadRequests } from "./cases";
import { keyPolicyOf, type BucketModel, type RoleModel, type StackModel } from "./stack-model";

/**
 * Who could destroy recovery points, judged like every other request: an account administrator
 * (AdministratorAccess in the workload account, but neither a named administrator nor break-glass),
 * every workload role of the plan, the named administrators and the break-glass principals. The
 * denials are the bucket and key policies' own statements; a principal that may change IAM can
 * still make itself one of the exempt principals, which the credential-compromise budget accounts
 * for (these rows prove the statements work, not that IAM can not be rewired).
 */

const TLS = { "aws:SecureTransport": "true" };
const SAMPLE = "spilo/sample/wal/15/wal_005/000000010000000A000000FF.zst";
const ADMINISTRATOR_ACCESS = { name: "AdministratorAccess", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] } };

/** A principal holding AdministratorAccess, as an attacker with it (or a mistaken admin) would. */
function powerful(arn: string, name: string): RoleModel {
  return { arn, name, policies: [{ name: ADMINISTRATOR_ACCESS.name, policy: ADMINISTRATOR_ACCESS.policy }], trust: { Statement: [] } };
}

function destroyVersions(w: WorkloadCases, b: BucketModel, expect: "Allowed" | "Denied"): void {
  for (const action of ["s3:DeleteObjectVersion", "s3:BypassGovernanceRetention", "s3:PutObjectRetention"]) {
    w.raw(expect, `${action.split(":")[1]} on ${b.bucket}`, { action, resource: `${b.arn}/${SAMPLE}`, context: TLS }, b.policy, expect === "Denied" ? `recovery points in ${b.bucket}` : undefined);
  }
}

function reconfigure(w: WorkloadCases, b: BucketModel, expect: "Allowed" | "Denied"): void {
  for (const action of ["s3:PutLifecycleConfiguration", "s3:PutBucketPolicy", "s3:PutReplicationConfiguration", "s3:PutBucketVersioning", "s3:PutBucketObjectLockConfiguration", "s3:DeleteBucket"]) {
    w.raw(expect, `${action.split(":")[1]} on ${b.bucket}`, { action, resource: b.arn, context: TLS }, b.policy, expect === "Denied" ? `the protections of ${b.bucket}` : undefined);
  }
}

function destroyKey(w: WorkloadCases, model: StackModel, keyArn: string, expect: "Allowed" | "Denied"): void {
  const keyPolicy = keyPolicyOf(model, keyArn);
  const window = { "kms:ScheduleKeyDeletionPendingWindowInDays": String(KMS_DELETION_WINDOW_DAYS.max) };
  for (const [action, context] of [["kms:DisableKey", {}], ["kms:ScheduleKeyDeletion", window], ["kms:PutKeyPolicy", {}]] as const) {
    w.raw(expect, `${action.split(":")[1]} on ${keyArn}`, { action, resource: keyArn, context }, keyPolicy, expect === "Denied" ? `every recovery point encrypted with ${keyArn}` : undefined);
  }
}

export function recoveryPointAttackers(model: StackModel): WorkloadRequests[] {
  const out: WorkloadRequests[] = [];
  const buckets = [...model.buckets.values()];
  const exemptFrom = (b: BucketModel, sid: string) => exemptionsOf(b.policy?.policy, sid);
  const guarded = (b: BucketModel) => exemptFrom(b, GUARD_SIDS.denyReconfiguration) !== undefined;
  const keyGuarded = (keyArn: string) => exemptionsOf(keyPolicyOf(model, keyArn).policy, GUARD_SIDS.denyKeyDestruction) !== undefined;

  const admin = new WorkloadCases(model, "account administrator (AdministratorAccess, not exempt)", powerful(`arn:aws:iam::${model.account}:role/attacker-with-administrator-access`, "attacker-with-administrator-access"));
  for (const b of buckets) {
    // A bucket and key in a backup account are beyond the workload account's IAM altogether.
    const foreign = b.account !== model.account;
    destroyVersions(admin, b, "Denied");
    if (guarded(b) || foreign) reconfigure(admin, b, "Denied");
    if (b.keyArn && (keyGuarded(b.keyArn) || foreign)) destroyKey(admin, model, b.keyArn, "Denied");
  }
  out.push(admin.out);

  // Stolen workload credentials: no workload may destroy versions or keys, whatever its grants.
  for (const role of model.roles.values()) {
    const w = new WorkloadCases(model, `stolen credentials of ${role.name}`, role);
    for (const b of buckets) {
      destroyVersions(w, b, "Denied");
      if (b.keyArn) destroyKey(w, model, b.keyArn, "Denied");
    }
    out.push(w.out);
  }

  // The exempt principals, as the policies name them: break-glass may destroy, administrators may
  // reconfigure and administer keys but not destroy versions.
  const breakGlass = new Set(buckets.flatMap((b) => exemptFrom(b, GUARD_SIDS.denyDestruction) ?? []));
  const administrators = new Set(buckets.flatMap((b) => exemptFrom(b, GUARD_SIDS.denyReconfiguration) ?? []));
  for (const arn of breakGlass) {
    const w = new WorkloadCases(model, `break-glass ${arn}`, powerful(arn, arn.split("/").pop() ?? arn));
    for (const b of buckets) destroyVersions(w, b, "Allowed");
    out.push(w.out);
  }
  for (const arn of [...administrators].filter((a) => !breakGlass.has(a))) {
    const w = new WorkloadCases(model, `administrator ${arn}`, powerful(arn, arn.split("/").pop() ?? arn));
    for (const b of buckets) {
      destroyVersions(w, b, "Denied");
      // Administrators of one bucket (the backup account's deployer, the workload's) have no say over the other's.
      if (guarded(b)) reconfigure(w, b, exemptFrom(b, GUARD_SIDS.denyReconfiguration)!.includes(arn) ? "Allowed" : "Denied");
      if (b.keyArn && keyGuarded(b.keyArn) && accountOfArn(arn) === accountOfArn(b.keyArn)) {
        w.raw("Denied", `ScheduleKeyDeletion on ${b.keyArn} with a ${KMS_DELETION_WINDOW_DAYS.min}-day window`, { action: "kms:ScheduleKeyDeletion", resource: b.keyArn, context: { "kms:ScheduleKeyDeletionPendingWindowInDays": String(KMS_DELETION_WINDOW_DAYS.min) } }, keyPolicyOf(model, b.keyArn), "the key's 30-day grace period");
      }
    }
    out.push(w.out);
  }
  return out;
}
