import { PATRONI, POSTGRES } from "../../dr/engine-facts";
import type { BackupSettings, PostgresSettings } from "../../dr/settings";
import { clampPatroni } from "../../dr/settings/patroni";
import { parseTargets, TARGETS_ANNOTATION } from "../../dr/targets";
import type { Planning } from "../../dr/targets/planning";
import { pgBool, pgSeconds } from "../lib/conf-files";
import { ObservedResource, ofType } from "./resource";
import { JOB_KINDS, JOB_LABEL } from "../../contract/postgres";
import { TYPES } from "../../contract/resource-types";

export const POSTGRESQL_CR_TYPE = "kubernetes:acid.zalan.do/v1:postgresql";
/** Label the PostgreSQL component puts on its postgresql resources (components/postgres/render/manifest.ts). */
const ROLE_LABEL = "agent-dr/postgres-role";
/** Spilo's BACKUP_SCHEDULE when none is set (spilo ENVIRONMENT.rst). */
const SPILO_BACKUP_SCHEDULE = "00 01 * * *";
/** Patroni's primary_start_timeout default (dynamic_configuration.rst). */
const PATRONI_PRIMARY_START_TIMEOUT = 300;
/** The operator's pooler instances when enableConnectionPooler is on without a number. */
const OPERATOR_POOLER_INSTANCES = 2;

type SyncCommit = PostgresSettings["synchronousCommit"][string];
const SYNC_LEVELS = new Set(["on", "remote_apply", "remote_write", "local", "off"]);

function roleOf(r: ObservedResource): string | undefined {
  const label = r.inputs.metadata?.labels?.[ROLE_LABEL];
  if (label) return label;
  if (r.inputs.spec?.standby) return "standby";
  if (r.inputs.spec?.clone) return "clone";
  return "primary";
}

function clusterNameOf(r: ObservedResource): string {
  return r.inputs.metadata?.name ?? r.name;
}

function envOf(container: { env?: Array<{ name: string; value?: string }> } | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of container?.env ?? []) if (typeof e.value === "string") out[e.name] = e.value;
  return out;
}

/** The configure Job of a cluster (components/postgres/render/jobs.ts): env says what it sets. */
function configureEnv(resources: ObservedResource[], clusterName: string): Record<string, string> | undefined {
  const job = ofType(resources, TYPES.job).find(
    (j) => j.inputs.metadata?.labels?.[JOB_LABEL] === JOB_KINDS.configure && (j.inputs.metadata?.name ?? j.name) === `${clusterName}-configure`,
  );
  if (!job) return undefined;
  return envOf(job.inputs.spec?.template?.spec?.containers?.[0]);
}

function finiteOr(n: number, fallback: number): number {
  return Number.isFinite(n) ? n : fallback;
}

/**
 * PostgreSQL settings as the operator's `postgresql` resource (and the configure Job beside it)
 * hold them: what Patroni and PostgreSQL will run, defaults of Spilo and Patroni filled in where a
 * value is absent, Patroni's silent floors applied. Absent when the stack has no such resource.
 */
export function observePostgres(resources: ObservedResource[], planning: Planning, backup: BackupSettings): PostgresSettings | undefined {
  const clusters = ofType(resources, POSTGRESQL_CR_TYPE);
  if (clusters.length === 0) return undefined;
  const primary = clusters.find((c) => roleOf(c) === "primary");
  if (!primary) return undefined;
  const spec = primary.inputs.spec ?? {};
  const patroni = spec.patroni ?? {};
  const params: Record<string, unknown> = spec.postgresql?.parameters ?? {};
  const env = envOf({ env: spec.env });
  const name = clusterNameOf(primary);
  const configure = configureEnv(resources, name) ?? {};

  const instances = Number(spec.numberOfInstances ?? 1);
  const spreadAcrossZones = (spec.topologySpreadConstraints ?? []).some(
    (t: any) => t.topologyKey === "topology.kubernetes.io/zone" && t.whenUnsatisfiable === "DoNotSchedule" && Number(t.maxSkew ?? 1) <= 1,
  );
  const timings = clampPatroni({
    ttlSeconds: Number(patroni.ttl ?? PATRONI.defaultTtlSeconds),
    loopWaitSeconds: Number(patroni.loop_wait ?? PATRONI.defaultLoopWaitSeconds),
    retryTimeoutSeconds: Number(patroni.retry_timeout ?? PATRONI.defaultRetryTimeoutSeconds),
  });

  // Per-role settings applied by the configure Job; other databases run the cluster default.
  const clusterDefault = (typeof params.synchronous_commit === "string" ? params.synchronous_commit : "on") as SyncCommit;
  const perDatabase: Record<string, SyncCommit> = {};
  for (const entry of (configure.ROLE_SYNCHRONOUS_COMMIT ?? "").split(/\s+/).filter(Boolean)) {
    const [, database, level] = entry.split(":");
    if (database && SYNC_LEVELS.has(level)) perDatabase[database] = level as SyncCommit;
  }
  const annotation = primary.inputs.metadata?.annotations?.[TARGETS_ANNOTATION];
  const databases = annotation ? parseTargets(annotation).flatMap((c) => (c.database ? [c.database] : [])) : Object.keys(spec.databases ?? {});
  const synchronousCommit: Record<string, SyncCommit> = {};
  for (const db of new Set([...databases, ...Object.keys(perDatabase)])) synchronousCommit[db] = perDatabase[db] ?? clusterDefault;

  let primaryStartTimeoutSeconds = PATRONI_PRIMARY_START_TIMEOUT;
  if (configure.PATRONI_CONFIG_PATCH) {
    const patch = JSON.parse(configure.PATRONI_CONFIG_PATCH) as Record<string, unknown>;
    if (typeof patch.primary_start_timeout === "number") primaryStartTimeoutSeconds = patch.primary_start_timeout;
  }

  const archiveMode = params.archive_mode === undefined ? true : pgBool(params.archive_mode) ?? String(params.archive_mode) === "always";
  const archiveTimeoutSeconds =
    params.archive_timeout === undefined ? POSTGRES.spiloArchiveTimeoutSeconds : finiteOr(pgSeconds(params.archive_timeout), POSTGRES.spiloArchiveTimeoutSeconds);

  const poolerInstances = spec.enableConnectionPooler === true ? Number(spec.connectionPooler?.numberOfInstances ?? OPERATOR_POOLER_INSTANCES) : 0;

  const standbyCr = clusters.find((c) => roleOf(c) === "standby");
  const standbySpec = standbyCr?.inputs.spec?.standby ?? {};
  // A stream counts only if it can arrive: a NetworkPolicy of the primary's pods (its replication
  // policy, components/postgres/render/network.ts) must admit a peer address block on 5432, or the
  // standby replays the archive alone.
  const streamAdmitted = ofType(resources, TYPES.networkPolicy).some(
    (np) =>
      np.inputs.spec?.podSelector?.matchLabels?.["cluster-name"] === name &&
      (np.inputs.spec?.ingress ?? []).some(
        (rule: any) => (rule.from ?? []).some((f: any) => typeof f.ipBlock?.cidr === "string") && (rule.ports ?? []).some((p: any) => Number(p.port) === 5432),
      ),
  );

  return {
    instances,
    spreadAcrossZones,
    patroni: timings,
    maximumLagOnFailoverBytes: Number(patroni.maximum_lag_on_failover ?? PATRONI.spiloMaximumLagOnFailoverBytes),
    synchronousMode: patroni.synchronous_mode === true,
    synchronousModeStrict: patroni.synchronous_mode_strict === true,
    synchronousNodeCount: Number(patroni.synchronous_node_count ?? 1),
    synchronousCommit,
    failsafeMode: patroni.failsafe_mode === true,
    primaryStartTimeoutSeconds,
    archiveMode,
    archiveTimeoutSeconds,
    baseBackupSchedule: env.BACKUP_SCHEDULE ?? SPILO_BACKUP_SCHEDULE,
    poolerInstances,
    writeRateBytesPerSecond: planning.postgres.writeRateBytesPerSecond,
    dataSizeBytes: planning.postgres.dataSizeBytes,
    standby: {
      enabled: standbyCr !== undefined,
      streaming: typeof standbySpec.standby_host === "string" && standbySpec.standby_host.length > 0 && streamAdmitted,
      archiveFallback: typeof standbySpec.s3_wal_path === "string" && standbySpec.s3_wal_path.length > 0 && backup.crossRegionReplication,
      maxLagSeconds: planning.postgres.standby.maxLagSeconds,
    },
  };
}
