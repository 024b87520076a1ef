import * as fs from "fs";
import * as path from "path";
import { cronMaxGapSeconds } from "../../../dr/settings/cron";
import type { PostgresSettings } from "../../../dr/settings";
import type { DataClass } from "../../../dr/targets";
import type { EnvVar } from "./env";
import {
  AWS_CLI_IMAGE,
  BACKUP_USER,
  credentialSecretName,
  EXPORTER_USER,
  JOB_KINDS,
  JOB_LABEL,
  logicalBackupCronJobName,
  logicalBackupPrefix,
  ownerRole,
  patroniServiceName,
  PG_CLIENT_IMAGE,
  POSTGRES_CLUSTER_LABEL,
  restoreDrillCronJobName,
  SERVICE_ACCOUNTS,
  SPILO_GID,
  SPILO_IMAGE,
  SPILO_UID,
  stackRoleSecretName,
  SUPERUSER,
  VERIFIED_BY_RESTORE_ANNOTATION,
} from "../../../contract/postgres";
import { renderPatroniConfigPatch } from "./patroni";

const SCRIPTS_DIR = path.resolve(__dirname, "../scripts");

/** The functions the scripts share (scripts/lib.sh), sourced from beside the script when it runs from its file. */
const SCRIPT_LIBRARY = "lib.sh";
const SOURCES_LIBRARY = `. "$(dirname "\${BASH_SOURCE[0]}")/${SCRIPT_LIBRARY}"`;

/**
 * A script of components/postgres/scripts, as the Job runs it (`bash -c <script> <name> <phase>`):
 * with no file beside it, the library's text stands where the script sources it.
 */
export function readScript(name: string): string {
  const read = (file: string) => fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8");
  // A function, so that `$` in the library is not read as a replacement pattern.
  return read(name).replace(SOURCES_LIBRARY, () => read(SCRIPT_LIBRARY));
}


/** The postgres user of the Debian PostgreSQL image; the AWS CLI image runs as the same uid. */
const RUN_AS = 999;

// Factories, not shared objects: every rendered manifest gets its own copy to change.
const podSecurity = () => ({
  runAsNonRoot: true,
  runAsUser: RUN_AS,
  runAsGroup: RUN_AS,
  fsGroup: RUN_AS,
  seccompProfile: { type: "RuntimeDefault" },
});
/**
 * Every container of the tier's Jobs: no privilege escalation, no capabilities, a read-only root
 * filesystem. What they write goes to emptyDirs: the dump or restore directory, the scratch
 * server's data and socket directories, and /tmp (HOME of the AWS CLI, psql's temporary files).
 */
export const containerSecurity = () => ({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
const TMP = () => ({ name: "tmp", mountPath: "/tmp" });

function scriptContainer(name: string, image: string, script: string, phase: string, env: Array<Record<string, any>>, mounts: Array<{ name: string; mountPath: string }>) {
  return {
    name,
    image,
    command: ["bash", "-c", readScript(script), script, phase],
    env,
    volumeMounts: mounts.some((m) => m.mountPath === "/tmp") ? mounts : [...mounts, TMP()],
    securityContext: containerSecurity(),
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
  };
}

const plain = (env: EnvVar[]) => env.map((e) => ({ name: e.name, value: e.value }));

function superuserPassword(clusterName: string) {
  return { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: credentialSecretName(SUPERUSER, clusterName), key: "password" } } };
}

/** The password of a role the stack creates (BACKUP_USER, EXPORTER_USER), from its Secret. */
function stackRolePassword(variable: string, user: string, clusterName: string) {
  return { name: variable, valueFrom: { secretKeyRef: { name: stackRoleSecretName(user, clusterName), key: "password" } } };
}

/**
 * A throwaway PostgreSQL as a native sidecar (restartPolicy Always in initContainers): it runs
 * beside the later containers and stops with the pod. Dumps are restored into it, so verification
 * neither loads nor needs credentials for the production cluster.
 */
function scratchServer() {
  return {
    name: "scratch-postgres",
    image: PG_CLIENT_IMAGE,
    restartPolicy: "Always",
    args: ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_wal_size=4GB"],
    env: [
      { name: "PGDATA", value: "/scratch/pgdata" },
      // Loopback inside the pod only (listen_addresses above); the server is discarded with the pod.
      { name: "POSTGRES_HOST_AUTH_METHOD", value: "trust" },
    ],
    volumeMounts: [
      { name: "scratch", mountPath: "/scratch" },
      { name: "run", mountPath: "/var/run/postgresql" },
      TMP(),
    ],
    startupProbe: { exec: { command: ["pg_isready", "-h", "127.0.0.1", "-U", SUPERUSER] }, periodSeconds: 2, failureThreshold: 90 },
    securityContext: containerSecurity(),
    resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "2Gi" } },
  };
}

const scratchVolumes = () => [
  { name: "scratch", emptyDir: {} },
  { name: "run", emptyDir: {} },
];

function verifyEnv(databases: string[], dir: string, verifyTables: string[]): EnvVar[] {
  return [
    { name: "DATABASES", value: databases.join(" ") },
    { name: "RESTORE_DIR", value: dir },
    { name: "PGHOST", value: "127.0.0.1" },
    { name: "PGPORT", value: "5432" },
    // The scratch server in the pod (trust on loopback), which the restore fills and drops: its own
    // superuser; the Job holds no credential of the production cluster.
    { name: "PGUSER", value: SUPERUSER },
    { name: "VERIFY_TABLES", value: verifyTables.join(" ") },
  ];
}

type Container = ReturnType<typeof scriptContainer>;

interface ScratchCronJob {
  name: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  schedule: string;
  backoffLimit: number;
  activeDeadlineSeconds: number;
  serviceAccountName: string;
  /** The emptyDir in which the containers hand the dumps on (each container mounts it itself). */
  workDir: string;
  /** Run after the scratch server has started, in order. */
  initContainers: Container[];
  containers: Container[];
}

/**
 * The frame both CronJobs of the tier share: UTC schedule, no overlapping runs, a pod that never
 * restarts its containers, the scratch server first among the init containers, and emptyDirs for
 * the work directory, /tmp and the scratch server.
 */
function scratchCronJob(job: ScratchCronJob) {
  const { labels } = job;
  return {
    metadata: { name: job.name, labels, ...(job.annotations ? { annotations: job.annotations } : {}) },
    spec: {
      schedule: job.schedule,
      timeZone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels },
        spec: {
          backoffLimit: job.backoffLimit,
          activeDeadlineSeconds: job.activeDeadlineSeconds,
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: job.serviceAccountName,
              restartPolicy: "Never",
              securityContext: podSecurity(),
              initContainers: [scratchServer(), ...job.initContainers],
              containers: job.containers,
              volumes: [{ name: job.workDir, emptyDir: {} }, { name: "tmp", emptyDir: {} }, ...scratchVolumes()],
            },
          },
        },
      },
    },
  };
}

export interface BackupJobInput {
  clusterName: string;
  /** Host of the primary: the operator's master Service. */
  primaryHost: string;
  databases: string[];
  bucket: string;
  /** ARN of the bucket's KMS key, named on every upload. */
  kmsKeyArn: string;
  region: string;
  schedule: string;
  /** "database:schema.table:min_rows" key tables to check after the restore. */
  verifyTables: string[];
  labels: Record<string, string>;
}

/**
 * The daily logical backup: pg_dump -Fc of every class database (PostgreSQL image) to a shared
 * emptyDir, a real restore of each dump into a scratch server in the pod with sanity checks, and
 * only then the upload (AWS CLI image, IRSA credentials). A dump that does not restore is never
 * uploaded, and the failed Job is what the backup alert sees.
 */
export function renderLogicalBackupCronJob(input: BackupJobInput) {
  const labels = { ...input.labels, [JOB_LABEL]: JOB_KINDS.logicalBackup, [POSTGRES_CLUSTER_LABEL]: input.clusterName };
  const mounts = [{ name: "dump", mountPath: "/dump" }];
  const common: EnvVar[] = [
    { name: "DATABASES", value: input.databases.join(" ") },
    { name: "DUMP_DIR", value: "/dump" },
  ];
  const dump = scriptContainer("dump", PG_CLIENT_IMAGE, "logical-backup.sh", "dump", [
    ...plain(common),
    ...plain([
      { name: "PGHOST", value: input.primaryHost },
      { name: "PGPORT", value: "5432" },
      // Reads every row (pg_read_all_data), writes nothing, owns nothing: not the superuser.
      { name: "PGUSER", value: BACKUP_USER },
      // Spilo rejects connections without TLS.
      { name: "PGSSLMODE", value: "require" },
    ]),
    stackRolePassword("PGPASSWORD", BACKUP_USER, input.clusterName),
  ], mounts);
  const verify = scriptContainer("verify", PG_CLIENT_IMAGE, "restore-verify.sh", "verify", plain(verifyEnv(input.databases, "/dump", input.verifyTables)), mounts);
  const upload = scriptContainer("upload", AWS_CLI_IMAGE, "logical-backup.sh", "upload", plain([
    ...common,
    { name: "BACKUP_BUCKET", value: input.bucket },
    { name: "BACKUP_PREFIX", value: logicalBackupPrefix(input.clusterName) },
    { name: "AWS_REGION", value: input.region },
    // The bucket policy refuses any encryption but SSE-KMS with the bucket's own key.
    { name: "S3_SSE", value: "aws:kms" },
    { name: "S3_SSE_KMS_KEY_ID", value: input.kmsKeyArn },
    { name: "HOME", value: "/tmp" },
  ]), [...mounts, TMP()]);
  return scratchCronJob({
    name: logicalBackupCronJobName(input.clusterName),
    labels,
    annotations: { [VERIFIED_BY_RESTORE_ANNOTATION]: "true" },
    schedule: input.schedule,
    backoffLimit: 1,
    activeDeadlineSeconds: 4 * 3600,
    serviceAccountName: SERVICE_ACCOUNTS.logicalBackup,
    workDir: "dump",
    initContainers: [dump, verify],
    containers: [upload],
  });
}

/** The drill fails when the newest dump is older than two backup periods (one missed run is tolerated). */
export function restoreDrillMaxAgeHours(logicalBackupSchedule: string): number {
  return Math.ceil((2 * cronMaxGapSeconds(logicalBackupSchedule)) / 3600);
}

export interface RestoreDrillInput {
  clusterName: string;
  databases: string[];
  bucket: string;
  region: string;
  schedule: string;
  /** Longest the newest dump may be old: the logical backup's period plus slack. */
  maxAgeHours: number;
  /** "database:schema.table:min_rows" key tables to check after the restore. */
  verifyTables: string[];
  /**
   * WAL-G's archive in the same bucket (spilo/<cluster>/wal/<major>): the drill also lists its base
   * backups and fails when none completed within maxAgeHours, so a destroyed archive is found too.
   */
  archive?: { prefix: string; maxAgeHours: number };
  labels: Record<string, string>;
}

/** The newest completed base backup may miss one scheduled run, plus an hour for the backup itself. */
export function archiveMaxAgeHours(baseBackupSchedule: string): number {
  return Math.ceil((2 * cronMaxGapSeconds(baseBackupSchedule)) / 3600) + 1;
}

/**
 * The weekly restore drill: what the daily job cannot prove, that the dumps in the bucket are
 * there, fresh, intact (checksum) and readable with the drill's own read-only role. Downloads the
 * newest dump of each database (AWS CLI image) and restores it into the scratch sidecar.
 */
export function renderRestoreDrillCronJob(input: RestoreDrillInput) {
  const labels = { ...input.labels, [JOB_LABEL]: JOB_KINDS.restoreDrill, [POSTGRES_CLUSTER_LABEL]: input.clusterName };
  const restore = { name: "restore", mountPath: "/restore" };
  const common: EnvVar[] = [
    { name: "DATABASES", value: input.databases.join(" ") },
    { name: "RESTORE_DIR", value: "/restore" },
  ];
  const download = scriptContainer("download", AWS_CLI_IMAGE, "restore-verify.sh", "download", plain([
    ...common,
    { name: "BACKUP_BUCKET", value: input.bucket },
    { name: "BACKUP_PREFIX", value: logicalBackupPrefix(input.clusterName) },
    { name: "AWS_REGION", value: input.region },
    { name: "MAX_AGE_HOURS", value: String(input.maxAgeHours) },
    ...(input.archive ? [{ name: "ARCHIVE_PREFIX", value: input.archive.prefix }, { name: "ARCHIVE_MAX_AGE_HOURS", value: String(input.archive.maxAgeHours) }] : []),
    { name: "HOME", value: "/tmp" },
  ]), [restore, TMP()]);
  const verify = scriptContainer("verify", PG_CLIENT_IMAGE, "restore-verify.sh", "verify", plain(verifyEnv(input.databases, "/restore", input.verifyTables)), [restore]);
  return scratchCronJob({
    name: restoreDrillCronJobName(input.clusterName),
    labels,
    schedule: input.schedule,
    backoffLimit: 0,
    activeDeadlineSeconds: 6 * 3600,
    serviceAccountName: SERVICE_ACCOUNTS.restoreDrill,
    workDir: "restore",
    initContainers: [download],
    containers: [verify],
  });
}

/** "role:database:level" for every class database: RPO-0 classes "on", the rest as the settings say. */
export function renderRoleSynchronousCommit(settings: PostgresSettings, classes: DataClass[]): string[] {
  return classes
    .filter((c) => c.database && settings.synchronousCommit[c.database])
    .map((c) => `${ownerRole(c.database!)}:${c.database}:${settings.synchronousCommit[c.database!]}`);
}

export interface ConfigureJobInput {
  clusterName: string;
  primaryHost: string;
  settings: PostgresSettings;
  /** Empty on a standby cluster (read-only; the primary's role settings reach it through WAL). */
  roleSynchronousCommit: string[];
  /**
   * The databases the backup role may connect to; set on a writable cluster, where the Job creates
   * the backup and exporter roles (a standby receives them through WAL).
   */
  backupDatabases?: string[];
  labels: Record<string, string>;
}

/**
 * The post-deploy Job for what the CRD can not say: primary_start_timeout into Patroni's dynamic
 * config, and synchronous_commit per role and database. Its env is what the policy pack reads back.
 */
export function renderConfigureJob(input: ConfigureJobInput) {
  const labels = { ...input.labels, [JOB_LABEL]: JOB_KINDS.configure, [POSTGRES_CLUSTER_LABEL]: input.clusterName };
  const env = [
    ...plain([
      { name: "PATRONI_URL", value: `http://${patroniServiceName(input.clusterName)}:8008` },
      { name: "PATRONI_CONFIG_PATCH", value: JSON.stringify(renderPatroniConfigPatch(input.settings)) },
      { name: "ROLE_SYNCHRONOUS_COMMIT", value: input.roleSynchronousCommit.join(" ") },
      { name: "PGHOST", value: input.primaryHost },
      { name: "PGPORT", value: "5432" },
      { name: "PGUSER", value: SUPERUSER },
      { name: "PGSSLMODE", value: "require" },
    ]),
    // The one Job that needs the superuser: it creates the least-privileged roles the others use.
    superuserPassword(input.clusterName),
    ...(input.backupDatabases
      ? [
          ...plain([
            { name: "BACKUP_ROLE", value: BACKUP_USER },
            { name: "BACKUP_DATABASES", value: input.backupDatabases.join(" ") },
            { name: "EXPORTER_ROLE", value: EXPORTER_USER },
          ]),
          stackRolePassword("BACKUP_PASSWORD", BACKUP_USER, input.clusterName),
          stackRolePassword("EXPORTER_PASSWORD", EXPORTER_USER, input.clusterName),
        ]
      : []),
  ];
  return {
    metadata: { name: `${input.clusterName}-configure`, labels },
    spec: {
      backoffLimit: 6,
      activeDeadlineSeconds: 3600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "OnFailure",
          // Spilo's image, as its postgres user.
          securityContext: { runAsNonRoot: true, runAsUser: SPILO_UID, runAsGroup: SPILO_GID, fsGroup: SPILO_GID, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "configure",
              image: SPILO_IMAGE,
              command: ["bash", "-c", readScript("configure-cluster.sh"), "configure-cluster.sh"],
              env,
              securityContext: containerSecurity(),
              volumeMounts: [TMP()],
              resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
            },
          ],
          volumes: [{ name: "tmp", emptyDir: {} }],
        },
      },
    },
  };
}
