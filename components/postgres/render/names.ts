/**
 * Names and images the PostgreSQL tier shares with the operator, the backup component and the
 * drills. The operator derives several names itself; these mirror its rules (postgres-operator
 * v2.0.1) so that what we pre-create is what it picks up.
 */

/** Chart and images, pinned. */
export const OPERATOR_CHART = {
  chart: "postgres-operator",
  version: "2.0.1",
  repo: "https://opensource.zalando.com/postgres-operator/charts/postgres-operator",
} as const;

/** Spilo image of operator v2.0.1 (its default docker_image); also runs the configure Job (psql, curl). */
export const SPILO_IMAGE = "ghcr.io/zalando/spilo-18:4.1-p2";
/** pg_dump must be at least the server's major (15-17 here): the 17 client dumps all of them. */
export const PG_CLIENT_IMAGE = "postgres:17.6-bookworm";
/** The PostgreSQL image has no AWS CLI; uploads and downloads run in this one. */
export const AWS_CLI_IMAGE = "amazon/aws-cli:2.32.8";

/** Metrics sidecar of every Spilo pod; components/signals ships its custom queries. */
export const EXPORTER_IMAGE = "quay.io/prometheuscommunity/postgres-exporter:v0.17.1";
/** ConfigMap with queries.yaml that components/signals creates in each region (EXPORTER_QUERIES_NAME there). */
export const EXPORTER_QUERIES_CONFIGMAP = "agent-dr-postgres-exporter-queries";
export const EXPORTER_PORT = 9187;

/** Kubernetes ServiceAccounts agreed with the backup component (its IAM roles trust these). */
export const SERVICE_ACCOUNTS = {
  walg: "postgres-pod",
  logicalBackup: "pg-logical-backup",
  restoreDrill: "pg-restore-drill",
} as const;

/**
 * The DR region's standby cluster: a name of its own, since Patroni member names become
 * application_name and a DR member named like a local replica could satisfy synchronous replication.
 */
export function standbyClusterName(clusterName: string): string {
  return `${clusterName}-dr`;
}

/** S3 key prefixes agreed with the backup component (its IAM policies are scoped to these). */
export function walPrefix(clusterName: string): string {
  return `spilo/${clusterName}/`;
}
export function logicalBackupPrefix(clusterName: string): string {
  return `logical-backups/${clusterName}/`;
}
/** Where Spilo archives with WAL_BUCKET_SCOPE_PREFIX and _SUFFIX empty: spilo/<scope>/wal/<major>. */
export function walArchiveUrl(bucket: string, clusterName: string, version: string): string {
  return `s3://${bucket}/${walPrefix(clusterName)}wal/${version}`;
}

/** Archive of a cluster that writes inside another's prefix (DR standby, clone): spilo/<owner>/<cluster>/wal/<major>. */
export function nestedWalArchiveUrl(bucket: string, ownerCluster: string, clusterName: string, version: string): string {
  return `s3://${bucket}/${walPrefix(ownerCluster)}${clusterName}/wal/${version}`;
}

/** The operator's credential Secret name (secret_name_template default; '_' becomes '-'). */
export function credentialSecretName(user: string, clusterName: string): string {
  return `${user.replace(/_/g, "-")}.${clusterName}.credentials.postgresql.acid.zalan.do`;
}

/** Labels the operator puts on a cluster's pods (cluster_labels + cluster_name_label defaults). */
export function clusterPodLabels(clusterName: string): Record<string, string> {
  return { application: "spilo", "cluster-name": clusterName };
}

/** The operator's pooler Deployment labels (connection_pooler.go: application db-connection-pooler). */
export function poolerPodLabels(clusterName: string): Record<string, string> {
  return { application: "db-connection-pooler", "cluster-name": clusterName };
}

/** The owner role of a data class's database. */
export function ownerRole(database: string): string {
  return `${database}_owner`;
}

/** Headless Service publishing every member's Patroni REST API (the operator exposes only 5432). */
export function patroniServiceName(clusterName: string): string {
  return `${clusterName}-patroni`;
}

export const SUPERUSER = "postgres";
export const REPLICATION_USER = "standby";

/**
 * The name a DR standby streams from: the primary's replication load balancer, published by
 * external-dns into the private zone agent-dr.internal, which both regions' VPCs resolve.
 */
export function replicationHostname(clusterName: string, region: string, environment: string): string {
  return `${clusterName}.${region}.${environment}.pg.agent-dr.internal`;
}
