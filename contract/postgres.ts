/**
 * Names and images the PostgreSQL tier shares with the operator, the backup component, the
 * runbooks, the policy pack and the drills. The operator derives several names itself; these
 * mirror its rules (postgres-operator v2.0.1) so that what we pre-create is what it picks up.
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
  /** Spilo pods: WAL-G archive and base backups. */
  walg: "postgres-pod",
  /** The daily pg_dump CronJob. */
  logicalBackup: "pg-logical-backup",
  /** The scheduled restore drill. */
  restoreDrill: "pg-restore-drill",
} as const;

/** Where EKS mounts a pod's IRSA web identity token. */
export const IRSA_TOKEN_FILE = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";

/** The label that tells the tier's Jobs and CronJobs apart (value: one of JOB_KINDS); the policy pack selects by it. */
export const JOB_LABEL = "agent-dr/job";
export const JOB_KINDS = { logicalBackup: "logical-backup", restoreDrill: "restore-drill", configure: "configure-postgres" } as const;

/** The daily pg_dump CronJob of a cluster. */
export function logicalBackupCronJobName(clusterName: string): string {
  return `${clusterName}-${JOB_KINDS.logicalBackup}`;
}
/** The restore drill CronJob next to the primary cluster; verify-backups runs it on demand. */
export function restoreDrillCronJobName(clusterName: string): string {
  return `${clusterName}-${JOB_KINDS.restoreDrill}`;
}

/**
 * On a logical backup CronJob: its dumps are restored and checked by another job (the restore
 * drill), so the pack and the budget count them as verified.
 */
export const VERIFIED_BY_RESTORE_ANNOTATION = "agent-dr/verified-by-restore";

/**
 * The scheduled restore test's clone: one fixed name, so the DR tests' Role may delete that
 * postgresql and no other, and their admission policy may refuse to create any other.
 */
export function drTestCloneName(source: string): string {
  return `${source}-restore-test`;
}

/** The operator names a cluster's pooler Deployment and Service `<cluster>-pooler`. */
export const POOLER_SUFFIX = "-pooler";
export function poolerName(clusterName: string): string {
  return `${clusterName}${POOLER_SUFFIX}`;
}

/**
 * The DR region's standby cluster: a name of its own, since Patroni member names become
 * application_name and a DR member named like a local replica could satisfy synchronous replication.
 */
export function standbyClusterName(clusterName: string): string {
  return `${clusterName}-dr`;
}

/** Key prefixes in the backup buckets; the IAM grants and the lifecycle rules are scoped to these. */
export const PREFIXES = {
  /** Spilo writes WAL and base backups under spilo/<scope>/... (WAL_BUCKET_SCOPE_PREFIX "" with the operator). */
  wal: "spilo/",
  logical: "logical-backups/",
} as const;

/** S3 key prefixes of one cluster. */
export function walPrefix(clusterName: string): string {
  return `${PREFIXES.wal}${clusterName}/`;
}
export function logicalBackupPrefix(clusterName: string): string {
  return `${PREFIXES.logical}${clusterName}/`;
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
  return { ...SPILO_POD_LABELS, "cluster-name": clusterName };
}

/** Every Spilo pod the operator runs carries this (cluster_labels default), clones included. */
export const SPILO_POD_LABELS: Record<string, string> = { application: "spilo" };

/** The stack's objects and Job pods of one cluster carry this label (value: the cluster name). */
export const POSTGRES_CLUSTER_LABEL = "agent-dr/postgres-cluster";

export const POSTGRES_PORT = 5432;
/** Patroni's REST API on every Spilo pod. */
export const PATRONI_PORT = 8008;

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

/** The logical backup's login role: pg_read_all_data, created by the configure Job (scripts/configure-cluster.sh). */
export const BACKUP_USER = "agent_dr_backup";
/** The exporter sidecar's login role: pg_monitor, created by the configure Job. */
export const EXPORTER_USER = "agent_dr_exporter";

/** Secret (key `password`) of a role the stack creates itself, not the operator (BACKUP_USER, EXPORTER_USER). */
export function stackRoleSecretName(user: string, clusterName: string): string {
  return `${clusterName}-role-${user.replace(/_/g, "-")}`;
}

/** Spilo's postgres user and group (uid 101, gid 103 in the image): the pods run as them, never as root. */
export const SPILO_UID = 101;
export const SPILO_GID = 103;

/**
 * The name a DR standby streams from: the primary's replication load balancer, published by
 * external-dns into the private zone agent-dr.internal, which both regions' VPCs resolve.
 */
export function replicationHostname(clusterName: string, region: string, environment: string): string {
  return `${clusterName}.${region}.${environment}.pg.agent-dr.internal`;
}
