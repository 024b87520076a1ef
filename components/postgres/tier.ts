import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DrSettings } from "../../dr/settings";
import { CONFIG_NAMESPACE, ConfigError, StackConfig } from "../../dr/targets";
import type { BackupBuckets } from "../backup";
import { baseLabels } from "../tags";
import { PostgresCluster, PostgresClusterArgs } from "./cluster";
import { replicationHostname, standbyClusterName } from "../../contract/postgres";
import { renderReplicationService } from "./render/network";

interface Region {
  region: string;
  provider: k8s.Provider;
  namespace: pulumi.Output<string>;
}

export interface PostgresTier {
  primary: PostgresCluster;
  /** The standby cluster in the DR region (prod). */
  standby?: PostgresCluster;
  /** A point-in-time clone (agent-dr:postgres.clone). */
  clone?: PostgresCluster;
}

/**
 * The PostgreSQL tier of the platform: the primary cluster, its DR-region standby when
 * settings.postgres.standby.enabled, and a clone when the stack asks for one. Bucket names and
 * IRSA role ARNs come from the backup component. Returns undefined when the tier is off.
 */
export function buildPostgresTier(
  name: string,
  input: { config: StackConfig; settings: DrSettings; primary: Region; dr?: Region; backup: BackupBuckets },
  parent: pulumi.Resource,
): PostgresTier | undefined {
  const { config, settings, backup } = input;
  const pg = settings.postgres;
  if (!pg) return undefined;
  if (!backup.postgresPodRoleArn || !backup.logicalBackupRoleArn || !backup.restoreDrillRoleArn) {
    throw new pulumi.RunError(
      new ConfigError([
        { key: `${CONFIG_NAMESPACE}:oidc`, value: undefined, expected: "expected the EKS OIDC provider ({ providerArn, issuerUrl }): WAL-G and the backup jobs authenticate by IRSA, never by static keys" },
      ]).message,
    );
  }
  const clusterName = config.postgres.clusterName;
  const classes = config.dataClasses.filter((c) => c.store === "postgres");
  const standbyWanted = pg.standby.enabled && input.dr !== undefined && backup.dr !== undefined && backup.drPostgresPodRoleArn !== undefined;
  const common = {
    version: config.postgres.version,
    volumeSize: config.postgres.volumeSize,
    settings: pg,
    backup: settings.backup,
    retentionDays: config.backup.retentionDays,
    classes,
    extraParameters: config.postgres.overrides.parameters ?? {},
    installOperator: config.postgres.installOperator,
    labels: baseLabels(config, "postgres"),
    ...(config.network ? { network: config.network } : {}),
  } satisfies Partial<PostgresClusterArgs>;

  const primary = new PostgresCluster(
    `${name}-postgres`,
    {
      ...common,
      region: input.primary.region,
      provider: input.primary.provider,
      namespace: input.primary.namespace,
      clusterName,
      role: "primary",
      backupBucket: backup.primary.bucketName,
      backupKmsKeyArn: backup.primary.kmsKeyArn,
      walgRoleArn: backup.postgresPodRoleArn,
      logicalBackupRoleArn: backup.logicalBackupRoleArn,
      restoreDrillRoleArn: backup.restoreDrillRoleArn,
      ...(standbyWanted && pg.standby.streaming ? { replicationPeerCidrs: config.postgres.standby.peerCidrs } : {}),
    },
    { parent },
  );

  let standby: PostgresCluster | undefined;
  if (standbyWanted && input.dr && backup.dr && backup.drPostgresPodRoleArn) {
    const host = replicationHostname(clusterName, input.primary.region, config.environment);
    if (pg.standby.streaming) exposeForReplication(name, clusterName, host, config.postgres.standby.peerCidrs, baseLabels(config, "postgres"), input.primary, parent);
    standby = new PostgresCluster(
      `${name}-postgres-dr`,
      {
        ...common,
        region: input.dr.region,
        provider: input.dr.provider,
        namespace: input.dr.namespace,
        // A name of its own: Patroni member names become application_name, and a DR member named like
        // a local replica could satisfy the primary's synchronous replication (patroni standby_cluster.rst).
        clusterName: standbyClusterName(clusterName),
        role: "standby",
        // The operator is per Kubernetes cluster; the DR cluster needs its own.
        backupBucket: backup.dr.bucketName,
        backupKmsKeyArn: backup.dr.kmsKeyArn,
        walgRoleArn: backup.drPostgresPodRoleArn,
        standbyOf: {
          clusterName,
          ...(pg.standby.streaming ? { host } : {}),
          // The primary's archive, replicated into the DR bucket: the fallback when the stream breaks.
          ...(settings.backup.crossRegionReplication ? { archiveBucket: backup.dr.bucketName } : {}),
        },
        credentials: primary.credentials,
        upstreamCidrs: config.postgres.standby.primaryCidrs,
      },
      { parent },
    );
  }

  let clone: PostgresCluster | undefined;
  if (config.postgres.clone) {
    clone = new PostgresCluster(
      `${name}-postgres-clone`,
      {
        ...common,
        // The clone is a copy to inspect or copy data back from, on the operator the primary uses.
        installOperator: false,
        region: input.primary.region,
        provider: input.primary.provider,
        namespace: input.primary.namespace,
        clusterName: `${config.postgres.clone.sourceCluster}-pitr`,
        role: "clone",
        backupBucket: backup.primary.bucketName,
        backupKmsKeyArn: backup.primary.kmsKeyArn,
        walgRoleArn: backup.postgresPodRoleArn,
        cloneOf: { clusterName: config.postgres.clone.sourceCluster, targetTime: config.postgres.clone.targetTime },
        credentials: primary.credentials,
      },
      { parent, dependsOn: [primary] },
    );
  }
  return { primary, ...(standby ? { standby } : {}), ...(clone ? { clone } : {}) };
}

/**
 * The primary leader's replication load balancer (components/postgres/render/network.ts
 * renderReplicationService): internal, source ranges = the DR cluster's pod CIDRs, published under
 * `host` by external-dns into a private zone both regions resolve.
 */
function exposeForReplication(name: string, clusterName: string, host: string, peerCidrs: string[], labels: Record<string, string>, primary: Region, parent: pulumi.Resource): void {
  let svc: ReturnType<typeof renderReplicationService>;
  try {
    svc = renderReplicationService({ clusterName, host, sourceRanges: peerCidrs, labels });
  } catch (e) {
    throw e instanceof ConfigError ? new pulumi.RunError(e.message) : e;
  }
  new k8s.core.v1.Service(
    `${name}-postgres-replication`,
    { metadata: primary.namespace.apply((namespace) => ({ ...svc.metadata, namespace })), spec: svc.spec },
    { parent, provider: primary.provider },
  );
}
