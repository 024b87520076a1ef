import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { backupBucketPolicy, backupKeyPolicy, mirroredBucketGrants, type ForeignRole, type RecoveryPointGuard } from "./iam-documents";
import { backupLifecycleRules } from "./lifecycle";
import { bucketArn } from "./names";

export interface RegionalBucketInput {
  /** Logical name prefix of the resources, e.g. agent-dr-backup-primary. */
  name: string;
  region: string;
  bucketName: string;
  kmsAlias: string;
  retentionDays: number;
  objectLock: { enabled: boolean; days: number; mode: "COMPLIANCE" | "GOVERNANCE" };
  /** Who may reconfigure the bucket, administer its key and destroy recovery points. */
  guard: RecoveryPointGuard;
  /** The account (and its partition) that owns the key; without it the key keeps KMS's default policy. */
  account?: { id: string; partition: string };
  /**
   * A bucket in a separate backup account: the provider that deploys there (it assumes the account's
   * deployer role), and the workload account's roles that use the bucket, with their policies given
   * the key's ARN. The bucket and key policies grant each role what its own policy asks of them.
   */
  backupAccount?: {
    provider: pulumi.ProviderResource;
    workloadAccount: string;
    roleArns: string[];
    roles: (keyArn: string) => pulumi.Input<ForeignRole[]>;
  };
  tags: Record<string, string>;
}

/** One region's backup bucket, its key and every side-car, as the replication and the IRSA roles need them. */
export interface RegionalBucket {
  region: string;
  bucket: aws.s3.Bucket;
  /** Name and ARN as plain strings (known in preview). */
  name: string;
  arn: string;
  key: aws.kms.Key;
  versioning: aws.s3.BucketVersioning;
}

/**
 * A backup bucket with its own KMS key in one region. Every resource names the region itself
 * (v7 per-resource region), so both regions share the stack's single AWS provider.
 */
export function createRegionalBucket(i: RegionalBucketInput, parent: pulumi.Resource): RegionalBucket {
  const foreign = i.backupAccount;
  const opts = { parent, ...(foreign ? { provider: foreign.provider } : {}) };
  const region = i.region;

  const key = new aws.kms.Key(
    `${i.name}-key`,
    {
      region,
      description: `Encrypts PostgreSQL backups in ${i.bucketName}`,
      enableKeyRotation: true,
      // The longest wait AWS allows: a key scheduled for deletion by mistake can still be saved.
      deletionWindowInDays: 30,
      ...(i.account
        ? {
            policy: JSON.stringify(
              backupKeyPolicy(i.account.id, region, i.account.partition, i.guard.administrators, i.guard.breakGlass, foreign ? { account: foreign.workloadAccount, roleArns: foreign.roleArns } : undefined),
            ),
          }
        : {}),
      // The policy lets only break-glass replace it, so KMS's check that the creator could would refuse it.
      ...(i.account && i.guard.breakGlass.length > 0 ? { bypassPolicyLockoutSafetyCheck: true } : {}),
      tags: i.tags,
    },
    opts,
  );
  new aws.kms.Alias(`${i.name}-key-alias`, { region, name: i.kmsAlias, targetKeyId: key.keyId }, opts);

  const bucket = new aws.s3.Bucket(
    `${i.name}-bucket`,
    {
      region,
      bucket: i.bucketName,
      // Object Lock can only be switched on when the bucket is created.
      ...(i.objectLock.enabled ? { objectLockEnabled: true } : {}),
      forceDestroy: false,
      tags: i.tags,
    },
    opts,
  );
  // Side-cars name the bucket by its predictable name (known in preview) and wait for it explicitly.
  const bucketOpts = { ...opts, dependsOn: [bucket] };
  const name = i.bucketName;
  const arn = bucketArn(name, region);

  const versioning = new aws.s3.BucketVersioning(
    `${i.name}-versioning`,
    { region, bucket: name, versioningConfiguration: { status: "Enabled" } },
    bucketOpts,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${i.name}-encryption`,
    {
      region,
      bucket: name,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
    },
    bucketOpts,
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${i.name}-public-access`,
    { region, bucket: name, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    bucketOpts,
  );
  new aws.s3.BucketOwnershipControls(
    `${i.name}-ownership`,
    { region, bucket: name, rule: { objectOwnership: "BucketOwnerEnforced" } },
    bucketOpts,
  );
  new aws.s3.BucketPolicy(
    `${i.name}-policy`,
    {
      region,
      bucket: name,
      policy: key.arn.apply((k) =>
        pulumi
          .output(foreign ? foreign.roles(k) : [])
          .apply((roles) => JSON.stringify(backupBucketPolicy(arn, k, i.guard, foreign && i.account ? mirroredBucketGrants(arn, foreign.workloadAccount, i.account.partition, roles) : []))),
      ),
    },
    // S3 rejects a bucket policy while the public access block is being applied to a new bucket.
    { ...opts, dependsOn: [bucket, publicAccess] },
  );
  new aws.s3.BucketLifecycleConfiguration(
    `${i.name}-lifecycle`,
    { region, bucket: name, rules: backupLifecycleRules(i.retentionDays) },
    // Lifecycle rules on versions only make sense once versioning is on.
    { ...opts, dependsOn: [bucket, versioning] },
  );
  if (i.objectLock.enabled) {
    new aws.s3.BucketObjectLockConfiguration(
      `${i.name}-object-lock`,
      {
        region,
        bucket: name,
        objectLockEnabled: "Enabled",
        // Compliance mode: nobody, the account root included, can delete a locked version or shorten
        // its lock. Governance mode: s3:BypassGovernanceRetention can, which the bucket policy
        // refuses to everyone but break-glass.
        rule: { defaultRetention: { mode: i.objectLock.mode, days: i.objectLock.days } },
      },
      { ...opts, dependsOn: [bucket, versioning] },
    );
  }
  return { region, bucket, name, arn, key, versioning };
}
