import { GUARD_SIDS, KMS_DELETION_WINDOW_DAYS, type RecoveryPointGuard } from "../../dr/settings/protection";
import { issuerHostPath } from "../../dr/targets/aws";

/**
 * IAM and bucket policy documents as plain JSON, built by pure functions so tests can parse and
 * check them, and so no getPolicyDocument invoke is needed (the offline runtime refuses invokes).
 */

export interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource?: string[];
  Principal?: "*" | Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

function doc(...statements: Statement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

/** The S3 service endpoint that may use a key on a principal's behalf: keeps KMS grants usable only through S3 in that region. */
function viaS3(region: string): Record<string, string> {
  return { "kms:ViaService": `s3.${region}.amazonaws.com` };
}

/** Encryption context S3 sends to KMS: the object ARN, or the bucket ARN when S3 Bucket Keys are on. */
function s3Context(bucketArn: string, keyPattern = "*"): Record<string, string[]> {
  return { "kms:EncryptionContext:aws:s3:arn": [bucketArn, `${bucketArn}/${keyPattern}`] };
}

export type { RecoveryPointGuard } from "../../dr/settings/protection";

/** Requests that destroy or shorten the life of recovery points (object versions and their locks). */
export const DESTRUCTIVE_OBJECT_ACTIONS = ["s3:DeleteObjectVersion", "s3:BypassGovernanceRetention", "s3:PutObjectRetention", "s3:PutObjectLegalHold"];
/** Bucket settings whose change removes a protection: lifecycle, policy, replication, versioning, lock, encryption, public access. */
export const PROTECTIVE_BUCKET_SETTINGS = [
  "s3:PutLifecycleConfiguration",
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
  "s3:PutReplicationConfiguration",
  "s3:PutBucketVersioning",
  "s3:PutBucketObjectLockConfiguration",
  "s3:PutEncryptionConfiguration",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketOwnershipControls",
  "s3:DeleteBucket",
];

const except = (principals: string[]) => (principals.length > 0 ? { Condition: { ArnNotLike: { "aws:PrincipalArn": principals } } } : {});

/**
 * The backup bucket's policy: every request must arrive over TLS, and an upload that names an
 * encryption must name SSE-KMS with this bucket's own key. Every client we ship names both (WAL-G:
 * WALG_S3_SSE + WALG_S3_SSE_KMS_ID; the dump upload: --sse aws:kms --sse-kms-key-id), so an
 * AES256 or foreign-key request is refused loudly instead of bypassing the key. A request without
 * the header is not refused: UploadPart and CompleteMultipartUpload are authorized as s3:PutObject
 * and can not carry it, so such a deny would refuse every part of a base backup; the bucket default
 * (SSE-KMS, this key) encrypts what names nothing.
 *
 * Recovery points: deleting a version, bypassing or changing a lock is refused to everyone but the
 * break-glass principals (nobody when none are named), and the settings that protect the versions
 * may be changed only by the administrators and break-glass. An identity with s3:* in the account
 * is therefore not enough; the lifecycle (an S3 service action) still expires what falls out of
 * retention.
 */
export function backupBucketPolicy(bucketArn: string, keyArn: string, guard: RecoveryPointGuard = { administrators: [], breakGlass: [] }, workloadGrants: Statement[] = []): PolicyDocument {
  const named = (header: string) => ({ Null: { [header]: "false" } });
  return doc(
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:*"],
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "DenyNonKmsUploads",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:PutObject"],
      Resource: [`${bucketArn}/*`],
      Condition: { StringNotEquals: { [SSE_HEADER_KEY]: "aws:kms" }, ...named(SSE_HEADER_KEY) },
    },
    {
      Sid: "DenyForeignKmsKey",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:PutObject"],
      Resource: [`${bucketArn}/*`],
      Condition: { StringNotEquals: { [SSE_KEY_ID_KEY]: keyArn }, ...named(SSE_KEY_ID_KEY) },
    },
    { Sid: GUARD_SIDS.denyDestruction, Effect: "Deny", Principal: "*", Action: DESTRUCTIVE_OBJECT_ACTIONS, Resource: [`${bucketArn}/*`], ...except(guard.breakGlass) },
    // A break-glass principal usually lives in a separate security account, where its own IAM
    // policy is not enough: the bucket's account must grant the request too.
    ...(guard.breakGlass.length > 0
      ? [
          { Sid: "BreakGlassListsVersions", Effect: "Allow" as const, Principal: { AWS: guard.breakGlass }, Action: ["s3:ListBucketVersions"], Resource: [bucketArn] },
          { Sid: "BreakGlassDestroys", Effect: "Allow" as const, Principal: { AWS: guard.breakGlass }, Action: DESTRUCTIVE_OBJECT_ACTIONS, Resource: [`${bucketArn}/*`] },
        ]
      : []),
    ...(guard.administrators.length > 0
      ? [{ Sid: GUARD_SIDS.denyReconfiguration, Effect: "Deny" as const, Principal: "*" as const, Action: PROTECTIVE_BUCKET_SETTINGS, Resource: [bucketArn], ...except([...guard.administrators, ...guard.breakGlass]) }]
      : []),
    ...workloadGrants,
  );
}

/** A role of the workload account and its identity policy, as a bucket or key in another account must grant it. */
export interface ForeignRole {
  roleArn: string;
  policy: PolicyDocument;
}

/**
 * The bucket-policy side of cross-account access (a bucket in the backup account): the statements
 * of each workload role's own policy that name this bucket, granted to that role alone. The
 * principal is the workload account with an aws:PrincipalArn condition, because S3 refuses a policy
 * naming a role that does not exist yet; the grants mirror the identity policies, so neither side
 * can drift from the other.
 */
export function mirroredBucketGrants(bucketArn: string, workloadAccount: string, partition: string, roles: ForeignRole[]): Statement[] {
  const inBucket = (r: string) => r === bucketArn || r.startsWith(`${bucketArn}/`);
  const out: Statement[] = [];
  for (const role of roles) {
    const name = role.roleArn.split("/").pop() ?? "role";
    const tag = name.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? "").toUpperCase()).replace(/^./, (c) => c.toUpperCase());
    for (const st of role.policy.Statement) {
      if (st.Effect !== "Allow" || !st.Resource?.length || !st.Resource.every(inBucket)) continue;
      out.push({
        Sid: `${tag}${st.Sid}`,
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${workloadAccount}:root` },
        Action: st.Action,
        Resource: st.Resource,
        Condition: { ...(st.Condition ?? {}), ArnEquals: { "aws:PrincipalArn": role.roleArn } },
      });
    }
  }
  return out;
}


/**
 * A backup key's policy. KMS reads only the key policy for the key's own administration, so naming
 * the administrators here (not the account root) keeps `kms:*` in an IAM policy from disabling or
 * deleting the key. Use is delegated to the account's IAM policies only through S3 in this region
 * (the roles' own policies narrow it to their bucket and prefix). Disabling, scheduling deletion and
 * replacing the policy are refused to everyone else, and deletion always waits the longest window.
 * Without administrators the account root administers the key (KMS's default), which the budget
 * reports as a key any IAM administrator can destroy.
 */
export function backupKeyPolicy(account: string, region: string, partition: string, administrators: string[], breakGlass: string[] = [], foreignUsers?: { account: string; roleArns: string[] }): PolicyDocument {
  const root = `arn:${partition}:iam::${account}:root`;
  const admins = administrators.length > 0 ? administrators : [root];
  return doc(
    {
      Sid: "KeyAdministration",
      Effect: "Allow",
      Principal: { AWS: admins },
      Action: [
        "kms:Create*",
        "kms:Describe*",
        "kms:Enable*",
        "kms:List*",
        "kms:Put*",
        "kms:Update*",
        "kms:Revoke*",
        "kms:Disable*",
        "kms:Get*",
        "kms:Delete*",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:ScheduleKeyDeletion",
        "kms:CancelKeyDeletion",
        "kms:RotateKeyOnDemand",
      ],
      Resource: ["*"],
    },
    {
      Sid: "UseThroughS3",
      Effect: "Allow",
      Principal: { AWS: root },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: ["*"],
      Condition: { StringEquals: viaS3(region) },
    },
    // A key in the backup account: the workload roles that replicate into its bucket or read it use it
    // through S3 too (their own policies narrow it further); a role is named by condition because
    // KMS refuses a policy naming a principal that does not exist yet.
    ...(foreignUsers && foreignUsers.roleArns.length > 0
      ? [
          {
            Sid: "WorkloadRolesUseThroughS3",
            Effect: "Allow" as const,
            Principal: { AWS: `arn:${partition}:iam::${foreignUsers.account}:root` },
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
            Resource: ["*"],
            Condition: { StringEquals: viaS3(region), ArnEquals: { "aws:PrincipalArn": foreignUsers.roleArns } },
          },
        ]
      : []),
    ...(administrators.length > 0
      ? [
          {
            Sid: GUARD_SIDS.denyKeyDestruction,
            Effect: "Deny" as const,
            Principal: "*" as const,
            Action: ["kms:DisableKey", "kms:ScheduleKeyDeletion", "kms:DisableKeyRotation", "kms:DeleteImportedKeyMaterial", ...(breakGlass.length > 0 ? [] : ["kms:PutKeyPolicy"])],
            Resource: ["*"],
            Condition: { ArnNotLike: { "aws:PrincipalArn": administrators } },
          },
        ]
      : []),
    // With break-glass named, only it may replace this policy: otherwise whoever administers the key
    // could first lift the 30-day window below, then delete every backup's key in 7 days.
    ...(breakGlass.length > 0
      ? [{ Sid: "BreakGlassRecoversTheKey", Effect: "Allow" as const, Principal: { AWS: breakGlass }, Action: ["kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DescribeKey", "kms:EnableKey", "kms:CancelKeyDeletion"], Resource: ["*"] }]
      : []),
    ...(breakGlass.length > 0
      ? [{ Sid: GUARD_SIDS.denyKeyPolicyChange, Effect: "Deny" as const, Principal: "*" as const, Action: ["kms:PutKeyPolicy"], Resource: ["*"], Condition: { ArnNotLike: { "aws:PrincipalArn": breakGlass } } }]
      : []),
    {
      Sid: GUARD_SIDS.keyDeletionWindow,
      Effect: "Deny",
      Principal: "*",
      Action: ["kms:ScheduleKeyDeletion"],
      Resource: ["*"],
      Condition: { NumericLessThan: { "kms:ScheduleKeyDeletionPendingWindowInDays": String(KMS_DELETION_WINDOW_DAYS.max) } },
    },
  );
}

/** Condition keys of the upload's encryption headers (S3 condition keys; the key id must be the key ARN). */
export const SSE_HEADER_KEY = "s3:x-amz-server-side-encryption";
export const SSE_KEY_ID_KEY = "s3:x-amz-server-side-encryption-aws-kms-key-id";

/** S3 may assume the replication role, only for this account's source bucket. */
export function replicationTrustPolicy(sourceBucketArn: string, accountId?: string): PolicyDocument {
  return doc({
    Sid: "S3ReplicationAssumesRole",
    Effect: "Allow",
    Principal: { Service: "s3.amazonaws.com" },
    Action: ["sts:AssumeRole"],
    Condition: {
      ArnLike: { "aws:SourceArn": sourceBucketArn },
      ...(accountId ? { StringEquals: { "aws:SourceAccount": accountId } } : {}),
    },
  });
}

export interface ReplicationPolicyInput {
  sourceBucketArn: string;
  sourceKeyArn: string;
  sourceRegion: string;
  destinationBucketArn: string;
  destinationKeyArn: string;
  destinationRegion: string;
  /** Object Lock on: replicas carry retention and legal hold, which S3 reads from the source. */
  objectLock: boolean;
  /** The destination is in another account and takes ownership of the replicas (owner override). */
  ownerOverride?: boolean;
}

/** What S3 replication needs, on exactly these two buckets and two keys (S3 User Guide, replication permissions). */
export function replicationRolePolicy(p: ReplicationPolicyInput): PolicyDocument {
  return doc(
    {
      Sid: "ReadReplicationConfiguration",
      Effect: "Allow",
      Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
      Resource: [p.sourceBucketArn],
    },
    {
      Sid: "ReadSourceVersions",
      Effect: "Allow",
      Action: [
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectVersionTagging",
        ...(p.objectLock ? ["s3:GetObjectRetention", "s3:GetObjectLegalHold"] : []),
      ],
      Resource: [`${p.sourceBucketArn}/*`],
    },
    {
      Sid: "WriteReplicas",
      Effect: "Allow",
      Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags", ...(p.ownerOverride ? ["s3:ObjectOwnerOverrideToBucketOwner"] : [])],
      Resource: [`${p.destinationBucketArn}/*`],
    },
    {
      Sid: "DecryptSource",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [p.sourceKeyArn],
      Condition: { StringEquals: viaS3(p.sourceRegion), StringLike: s3Context(p.sourceBucketArn) },
    },
    {
      Sid: "EncryptReplicas",
      Effect: "Allow",
      Action: ["kms:Encrypt"],
      Resource: [p.destinationKeyArn],
      Condition: { StringEquals: viaS3(p.destinationRegion), StringLike: s3Context(p.destinationBucketArn) },
    },
  );
}

export interface OidcProvider {
  providerArn: string;
  /** Issuer host and path, e.g. oidc.eks.us-east-1.amazonaws.com/id/ABC (a leading https:// is dropped). */
  issuerUrl: string;
}

/** IRSA: only the named ServiceAccount of the named namespace, with the STS audience, may assume the role. */
export function irsaTrustPolicy(oidc: OidcProvider, namespace: string, serviceAccount: string): PolicyDocument {
  const issuer = issuerHostPath(oidc.issuerUrl);
  return doc({
    Sid: "ServiceAccountAssumesRole",
    Effect: "Allow",
    Principal: { Federated: oidc.providerArn },
    Action: ["sts:AssumeRoleWithWebIdentity"],
    Condition: {
      StringEquals: {
        [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
        [`${issuer}:aud`]: "sts.amazonaws.com",
      },
    },
  });
}

export interface BucketAccess {
  bucketArn: string;
  keyArn: string;
  region: string;
  /** Key prefix the role is limited to, ending in "/". */
  prefix: string;
}

function listPrefix(a: BucketAccess, sid: string): Statement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: ["s3:ListBucket"],
    Resource: [a.bucketArn],
    Condition: { StringLike: { "s3:prefix": [a.prefix, `${a.prefix}*`] } },
  };
}

/** An archiver's use of the bucket's key, only through S3 and only for objects under its prefix. */
function useBucketKey(a: BucketAccess): Statement {
  return {
    Sid: "UseBucketKey",
    Effect: "Allow",
    Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
    Resource: [a.keyArn],
    Condition: { StringEquals: viaS3(a.region), StringLike: s3Context(a.bucketArn, `${a.prefix}*`) },
  };
}

/**
 * WAL-G in the Spilo pods: archive and base backups under spilo/<cluster>/ and restore from them.
 * No delete: retention is the bucket lifecycle's job (Spilo's `wal-g delete` is set never to find
 * anything old enough, see BACKUP_NUM_TO_RETAIN), so stolen pod credentials can overwrite or add,
 * which versioning keeps, but never remove a recovery point.
 */
export function walArchivePolicy(a: BucketAccess): PolicyDocument {
  return doc(
    listPrefix(a, "ListOwnArchive"),
    {
      Sid: "ReadWriteOwnArchive",
      Effect: "Allow",
      // AbortMultipartUpload: a failed base backup frees its parts at once (it can not touch completed objects).
      Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: [`${a.bucketArn}/${a.prefix}*`],
    },
    useBucketKey(a),
  );
}

/**
 * WAL-G in the DR cluster's pods: replay the primary's archive as S3 replicated it (read only: the
 * DR region's copy must survive these credentials) and write its own archive, nested inside the
 * source's prefix at `ownPrefix`, after promotion.
 */
export function standbyArchivePolicy(a: BucketAccess, ownPrefix: string): PolicyDocument {
  if (!ownPrefix.startsWith(a.prefix)) throw new Error(`standby archive prefix ${ownPrefix} must lie inside the source's ${a.prefix}`);
  return doc(
    listPrefix(a, "ListArchives"),
    {
      Sid: "ReadReplicatedSourceArchive",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [`${a.bucketArn}/${a.prefix}*`],
    },
    {
      Sid: "WriteOwnArchive",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: [`${a.bucketArn}/${ownPrefix}*`],
    },
    useBucketKey(a),
  );
}

/**
 * The logical backup job only adds dumps: it can neither read nor delete earlier ones, so a
 * compromised job cannot destroy the history. kms:Decrypt is needed to complete multipart uploads.
 */
export function logicalBackupPolicy(a: BucketAccess): PolicyDocument {
  return doc(
    {
      Sid: "WriteDumps",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: [`${a.bucketArn}/${a.prefix}*`],
    },
    {
      Sid: "EncryptDumps",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: [a.keyArn],
      Condition: { StringEquals: viaS3(a.region), StringLike: s3Context(a.bucketArn, `${a.prefix}*`) },
    },
  );
}

/**
 * The recovery probe writes its JSON reports under its own prefix (PROBE_REPORT_PREFIX<env>/) and
 * does nothing else: no read, no list, no delete. A single PutObject with SSE-KMS needs only
 * GenerateDataKey on the key, through S3 in the bucket's region, for objects under that prefix.
 */
export function probeReportPolicy(a: BucketAccess): PolicyDocument {
  return doc(
    { Sid: "WriteProbeReports", Effect: "Allow", Action: ["s3:PutObject"], Resource: [`${a.bucketArn}/${a.prefix}*`] },
    {
      Sid: "EncryptProbeReports",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey"],
      Resource: [a.keyArn],
      Condition: { StringEquals: viaS3(a.region), StringLike: s3Context(a.bucketArn, `${a.prefix}*`) },
    },
  );
}

/** The restore drill reads dumps and lists the archive's key names, nothing else. */
export function restoreDrillPolicy(a: BucketAccess, archivePrefix?: string): PolicyDocument {
  return doc(
    listPrefix(a, "ListDumps"),
    // Key names (and their times) of the archive, never its contents: the drill checks that a base
    // backup completed recently, so a destroyed archive is found on the drill's schedule.
    ...(archivePrefix ? [listPrefix({ ...a, prefix: archivePrefix }, "ListArchiveBaseBackups")] : []),
    {
      Sid: "ReadDumps",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [`${a.bucketArn}/${a.prefix}*`],
    },
    {
      Sid: "DecryptDumps",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [a.keyArn],
      Condition: { StringEquals: viaS3(a.region), StringLike: s3Context(a.bucketArn, `${a.prefix}*`) },
    },
  );
}
