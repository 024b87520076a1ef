import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DrSettings } from "../../dr/settings";
import type { StackConfig } from "../../dr/targets";
import { baseTags } from "../tags";
import {
  BucketAccess,
  logicalBackupPolicy,
  OidcProvider,
  type PolicyDocument,
  replicationRolePolicy,
  type ReplicationPolicyInput,
  replicationTrustPolicy,
  restoreDrillPolicy,
  standbyArchivePolicy,
  walArchivePolicy,
} from "./iam-documents";
import { logicalBackupPrefix, SERVICE_ACCOUNTS, standbyClusterName, walPrefix } from "../../contract/postgres";
import { createIrsaRole } from "./irsa";
import { accountAndPartition, accountFromConfig, bucketArn, bucketName, kmsAliasName, roleName } from "./names";
import { createRegionalBucket, RegionalBucket, type RegionalBucketInput } from "./regional-bucket";
import { drCopyGuard } from "../../dr/settings/protection";
import { replicationRule } from "./replication";

export interface BackupBucketsArgs {
  /** Validated stack config (regions, oidc, clusters, postgres.clusterName, backup). */
  config: StackConfig;
  /** Derived settings: backup.crossRegionReplication, backup.replicationTimeControl. */
  settings: DrSettings;
}

/** What other tiers need of one region's backup bucket. */
export interface RegionalBackup {
  region: string;
  bucketName: pulumi.Output<string>;
  bucketArn: pulumi.Output<string>;
  kmsKeyArn: pulumi.Output<string>;
}

/**
 * Backup buckets for PostgreSQL (WAL-G archive, base backups, logical dumps): one in the primary
 * region and, with a DR region, one there fed by S3 replication; plus the IRSA roles of the pods
 * and jobs that use them, each limited to its own prefix.
 */
export class BackupBuckets extends pulumi.ComponentResource {
  readonly primary: RegionalBackup;
  readonly dr?: RegionalBackup;
  /** Key prefixes inside the buckets, ending in "/": WAL-G's spilo/<cluster>/ and the dumps' logical-backups/<cluster>/. */
  readonly walPrefix: string;
  readonly logicalPrefix: string;
  /** ServiceAccount names the roles trust; the PostgreSQL tier creates these ServiceAccounts. */
  readonly serviceAccounts = SERVICE_ACCOUNTS;
  /** IRSA role ARNs, present when agent-dr:oidc is configured. */
  readonly postgresPodRoleArn?: pulumi.Output<string>;
  readonly logicalBackupRoleArn?: pulumi.Output<string>;
  readonly restoreDrillRoleArn?: pulumi.Output<string>;
  /** The DR cluster's Spilo pods (standby, then primary after promotion): the DR bucket's spilo/<cluster>/. */
  readonly drPostgresPodRoleArn?: pulumi.Output<string>;
  readonly replicationRoleArn?: pulumi.Output<string>;

  constructor(name: string, args: BackupBucketsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agent-dr:backup:BackupBuckets", name, {}, opts);
    const { config, settings } = args;
    checkArgs(config, settings);

    const pgClasses = config.dataClasses.filter((c) => c.store === "postgres").map((c) => c.name);
    const tagsFor = (drRole: "primary" | "dr") => ({
      ...baseTags(config),
      purpose: "postgres-backups",
      "dr-role": drRole,
      // Tag values may not hold commas; classes are separated by spaces.
      ...(pgClasses.length > 0 ? { "data-classes": pgClasses.join(" ") } : {}),
    });
    const account = accountAndPartition(config);
    const regional = (drRole: "primary" | "dr", region: string, backupAccount?: RegionalBucketInput["backupAccount"]): RegionalBucket =>
      createRegionalBucket(
        {
          name: `${name}-${drRole}`,
          region,
          bucketName: bucketName(config, region, backupAccount ? config.backup.drAccount?.accountId : undefined),
          kmsAlias: kmsAliasName(config, region),
          retentionDays: config.backup.retentionDays,
          objectLock: config.backup.objectLock,
          guard: backupAccount ? drCopyGuard(config.backup) : { administrators: config.backup.administrators, breakGlass: config.backup.breakGlassPrincipals },
          ...(account ? { account: backupAccount && config.backup.drAccount ? { id: config.backup.drAccount.accountId, partition: account.partition } : account } : {}),
          ...(backupAccount ? { backupAccount } : {}),
          tags: tagsFor(drRole),
        },
        this,
      );

    const primary = regional("primary", config.regions.primary);
    const dr = config.regions.dr ? regional("dr", config.regions.dr, this.backupAccount(name, config, settings, primary)) : undefined;
    this.primary = exposed(primary);
    if (dr) this.dr = exposed(dr);

    if (dr && settings.backup.crossRegionReplication) {
      this.replicationRoleArn = this.replicate(name, config, settings, primary, dr, tagsFor("primary"));
    }

    this.walPrefix = walPrefix(config.postgres.clusterName);
    this.logicalPrefix = logicalBackupPrefix(config.postgres.clusterName);
    if (config.oidc) {
      const access = (b: RegionalBucket, prefix: string): pulumi.Output<BucketAccess> =>
        b.key.arn.apply((keyArn) => ({ bucketArn: b.arn, keyArn, region: b.region, prefix }));
      const primaryOidc: OidcProvider = { providerArn: config.oidc.providerArn, issuerUrl: config.oidc.issuerUrl };
      const namespace = config.clusters.primary.namespace;
      const role = (key: string, sa: string, description: string, oidc: OidcProvider, ns: string, b: RegionalBucket, prefix: string, policy: (a: BucketAccess) => any, drRole: "primary" | "dr") =>
        createIrsaRole(
          {
            name: `${name}-${key}`,
            roleName: roleName(config, drRole === "dr" ? `${sa}-dr` : sa),
            description,
            oidc,
            namespace: ns,
            serviceAccount: sa,
            access: access(b, prefix),
            policy,
            tags: tagsFor(drRole),
          },
          this,
        ).arn;
      this.postgresPodRoleArn = role("postgres-pod", SERVICE_ACCOUNTS.walg, "WAL-G in the Spilo pods: archive and base backups", primaryOidc, namespace, primary, this.walPrefix, walArchivePolicy, "primary");
      this.logicalBackupRoleArn = role("logical-backup", SERVICE_ACCOUNTS.logicalBackup, "Daily pg_dump upload (write only)", primaryOidc, namespace, primary, this.logicalPrefix, logicalBackupPolicy, "primary");
      this.restoreDrillRoleArn = role("restore-drill", SERVICE_ACCOUNTS.restoreDrill, "Restore drill: reads dumps, lists the archive's base backups", primaryOidc, namespace, primary, this.logicalPrefix, (a) => restoreDrillPolicy(a, this.walPrefix), "primary");
      if (dr && config.oidc.drProviderArn && config.oidc.drIssuerUrl && config.clusters.dr) {
        const drOidc: OidcProvider = { providerArn: config.oidc.drProviderArn, issuerUrl: config.oidc.drIssuerUrl };
        const ownPrefix = `${this.walPrefix}${standbyClusterName(config.postgres.clusterName)}/`;
        this.drPostgresPodRoleArn = role("dr-postgres-pod", SERVICE_ACCOUNTS.walg, "WAL-G in the DR cluster's Spilo pods: standby replay (read only), its own archive after promotion", drOidc, config.clusters.dr.namespace, dr, this.walPrefix, (a) => standbyArchivePolicy(a, ownPrefix), "dr");
      }
    }

    this.registerOutputs({
      primaryBucket: this.primary.bucketName,
      primaryKmsKeyArn: this.primary.kmsKeyArn,
      drBucket: this.dr?.bucketName,
      drKmsKeyArn: this.dr?.kmsKeyArn,
      postgresPodRoleArn: this.postgresPodRoleArn,
      logicalBackupRoleArn: this.logicalBackupRoleArn,
      restoreDrillRoleArn: this.restoreDrillRoleArn,
      drPostgresPodRoleArn: this.drPostgresPodRoleArn,
      replicationRoleArn: this.replicationRoleArn,
    });
  }

  /**
   * With agent-dr:backup.drAccount, the DR bucket and its key live in that account, deployed through
   * a provider that assumes its deployer role; the workload roles that use the bucket (replication,
   * the DR cluster's pods) are granted there exactly what their own policies ask.
   */
  private backupAccount(name: string, config: StackConfig, settings: DrSettings, primary: RegionalBucket): RegionalBucketInput["backupAccount"] {
    const target = config.backup.drAccount;
    const workload = accountAndPartition(config);
    const drRegion = config.regions.dr;
    if (!target || !workload || !drRegion) return undefined;
    const provider = new aws.Provider(
      `${name}-dr-account`,
      {
        region: drRegion,
        assumeRoles: [{ roleArn: target.roleArn, sessionName: `agent-dr-${config.environment}-backups`, ...(target.externalId ? { externalId: target.externalId } : {}) }],
      },
      { parent: this },
    );
    const arnOf = (purpose: string) => `arn:${workload.partition}:iam::${workload.id}:role/${roleName(config, purpose)}`;
    const drBucketArn = bucketArn(bucketName(config, drRegion, target.accountId), drRegion);
    const wal = walPrefix(config.postgres.clusterName);
    const users: Array<{ roleArn: string; policy: (keyArn: string) => pulumi.Input<PolicyDocument> }> = [];
    if (settings.backup.crossRegionReplication) {
      users.push({
        roleArn: arnOf("s3-replication"),
        policy: (keyArn) => primary.key.arn.apply((sourceKeyArn) => replicationRolePolicy(replicationInput(config, primary, sourceKeyArn, drBucketArn, drRegion, keyArn))),
      });
    }
    if (config.oidc?.drProviderArn && config.oidc.drIssuerUrl && config.clusters.dr) {
      const own = `${wal}${standbyClusterName(config.postgres.clusterName)}/`;
      users.push({ roleArn: arnOf(`${SERVICE_ACCOUNTS.walg}-dr`), policy: (keyArn) => standbyArchivePolicy({ bucketArn: drBucketArn, keyArn, region: drRegion, prefix: wal }, own) });
    }
    return {
      provider,
      workloadAccount: workload.id,
      roleArns: users.map((u) => u.roleArn),
      roles: (keyArn) => pulumi.all(users.map((u) => pulumi.output(u.policy(keyArn)).apply((policy) => ({ roleArn: u.roleArn, policy })))),
    };
  }

  /** The replication role and the single BucketReplicationConfig of the primary bucket. */
  private replicate(name: string, config: StackConfig, settings: DrSettings, src: RegionalBucket, dst: RegionalBucket, tags: Record<string, string>): pulumi.Output<string> {
    const account = accountFromConfig(config);
    const role = new aws.iam.Role(
      `${name}-replication-role`,
      {
        name: roleName(config, "s3-replication"),
        description: `S3 replication ${src.region} -> ${dst.region} of the PostgreSQL backups`,
        assumeRolePolicy: JSON.stringify(replicationTrustPolicy(src.arn, account)),
        tags,
      },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-replication-policy`,
      {
        role: role.name,
        name: `${roleName(config, "s3-replication")}-s3`,
        policy: pulumi.all([src.key.arn, dst.key.arn]).apply(([sk, dk]) =>
          JSON.stringify(replicationRolePolicy(replicationInput(config, src, sk, dst.arn, dst.region, dk))),
        ),
      },
      { parent: this },
    );
    new aws.s3.BucketReplicationConfig(
      `${name}-replication`,
      {
        region: src.region,
        bucket: src.name,
        role: role.arn,
        // The destination is the predictable ARN, so the rule (and what the budget reads of it) is known in preview.
        rules: [
          dst.key.arn.apply((dk) =>
            replicationRule({
              destinationBucketArn: dst.arn,
              destinationKeyArn: dk,
              replicationTimeControl: settings.backup.replicationTimeControl,
              ...(config.backup.drAccount ? { destinationAccount: config.backup.drAccount.accountId } : {}),
            }),
          ),
        ],
      },
      // S3 refuses replication until versioning is on at both ends; the role must hold its policy first.
      { parent: this, dependsOn: [src.bucket, src.versioning, dst.versioning, policy] },
    );
    return role.arn;
  }
}

/** What the replication role needs, the same for its own policy and for the backup account's grants. */
function replicationInput(config: StackConfig, src: RegionalBucket, sourceKeyArn: string, destinationBucketArn: string, destinationRegion: string, destinationKeyArn: string): ReplicationPolicyInput {
  return {
    sourceBucketArn: src.arn,
    sourceKeyArn,
    sourceRegion: src.region,
    destinationBucketArn,
    destinationKeyArn,
    destinationRegion,
    objectLock: config.backup.objectLock.enabled,
    ownerOverride: config.backup.drAccount !== undefined,
  };
}

function exposed(b: RegionalBucket): RegionalBackup {
  return { region: b.region, bucketName: b.bucket.bucket, bucketArn: b.bucket.arn, kmsKeyArn: b.key.arn };
}

/** Settings that contradict the config are refused with the key, the value and what is expected. */
function checkArgs(config: StackConfig, settings: DrSettings): void {
  if (settings.backup.crossRegionReplication && !config.regions.dr) {
    throw new Error("agent-dr:backup.overrides.crossRegionReplication: got true, expected false or unset without agent-dr:regions.dr (there is no DR bucket to replicate to)");
  }
  if (settings.backup.replicationTimeControl && !settings.backup.crossRegionReplication) {
    throw new Error("agent-dr:backup.overrides.replicationTimeControl: got true, expected false or unset while cross-region replication is off (RTC is a property of replication)");
  }
  if (config.oidc && config.regions.dr && config.clusters.dr && config.postgres.enabled && config.postgres.standby.enabled && !(config.oidc.drProviderArn && config.oidc.drIssuerUrl)) {
    throw new Error(
      `agent-dr:oidc.drProviderArn: got ${config.oidc.drProviderArn ?? "nothing"} (drIssuerUrl ${config.oidc.drIssuerUrl ?? "nothing"}), expected the DR cluster's OIDC provider ARN and issuer, because the standby cluster in ${config.regions.dr} reads the DR bucket through IRSA`,
    );
  }
}
