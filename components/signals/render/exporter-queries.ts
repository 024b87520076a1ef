import * as YAML from "yaml";

/**
 * Custom queries for prometheus-postgres-exporter (the `queries.yaml` of --extend.query-path),
 * run as a sidecar of every Spilo pod. Metric names are `<query>_<column>`; the rules in
 * postgres-rules.ts use exactly these names (METRICS below).
 *
 * Each query reports only where it means something: archive, backup and walsender facts on the
 * primary (`NOT pg_is_in_recovery()`), receiver facts on standbys. The exporter's role needs
 * pg_monitor (pg_ls_archive_statusdir, pg_ls_waldir, pg_stat_replication).
 */

interface ColumnSpec {
  usage: "GAUGE" | "COUNTER" | "LABEL";
  description: string;
}

interface QuerySpec {
  query: string;
  metrics: Array<Record<string, ColumnSpec>>;
}

const WAL_ARCHIVE_SQL = `
WITH ready AS (
  SELECT count(*) AS segments, min(modification) AS oldest
  FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'
), timeout AS (
  SELECT setting::int AS seconds FROM pg_settings WHERE name = 'archive_timeout'
)
SELECT
  ready.segments AS ready_segments,
  EXTRACT(EPOCH FROM COALESCE(
    GREATEST(a.last_archived_time,
             CASE WHEN timeout.seconds > 0 THEN ready.oldest - make_interval(secs => timeout.seconds) END),
    pg_postmaster_start_time())) AS exposed_since_seconds,
  COALESCE(EXTRACT(EPOCH FROM a.last_archived_time), 0) AS last_archived_time_seconds,
  COALESCE(EXTRACT(EPOCH FROM a.last_failed_time), 0) AS last_failed_time_seconds,
  a.archived_count AS archived_count,
  a.failed_count AS failed_count
FROM pg_stat_archiver a, ready, timeout
WHERE NOT pg_is_in_recovery()`;

const REPLICATION_MEMBER_SQL = `
SELECT
  application_name,
  sync_state,
  COALESCE(EXTRACT(EPOCH FROM flush_lag), 0) AS flush_lag_seconds,
  COALESCE(pg_current_wal_lsn() - flush_lsn, pg_current_wal_lsn() - '0/0'::pg_lsn) AS flush_lag_bytes
FROM pg_stat_replication
WHERE NOT pg_is_in_recovery() AND state = 'streaming'`;

const REPLICATION_SUMMARY_SQL = `
SELECT
  (SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming') AS streaming_members,
  (SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum')) AS sync_standbys
WHERE NOT pg_is_in_recovery()`;

const RECOVERY_SQL = `
SELECT
  COALESCE((SELECT CASE WHEN status = 'streaming' THEN 1 ELSE 0 END FROM pg_stat_wal_receiver), 0) AS receiver_streaming,
  CASE
    WHEN pg_last_wal_receive_lsn() IS NOT NULL AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
  END AS replay_lag_seconds
WHERE pg_is_in_recovery()`;

const BASE_BACKUP_SQL = `
SELECT EXTRACT(EPOCH FROM COALESCE(
  (SELECT max(modification) FROM pg_ls_waldir() WHERE name LIKE '%.backup'),
  pg_postmaster_start_time())) AS last_completed_time_seconds
WHERE NOT pg_is_in_recovery()`;

/** The query set; keys are metric-name prefixes. */
export const POSTGRES_EXPORTER_QUERIES: Record<string, QuerySpec> = {
  pg_wal_archive: {
    query: WAL_ARCHIVE_SQL,
    metrics: [
      { ready_segments: { usage: "GAUGE", description: "Finished WAL segments (and history/backup files) waiting for archive_command" } },
      {
        exposed_since_seconds: {
          usage: "GAUGE",
          description:
            "Unix time before which all WAL is known archived: the later of the last archive and (oldest waiting segment - archive_timeout); its age bounds the RPO exposure of the archive",
        },
      },
      { last_archived_time_seconds: { usage: "GAUGE", description: "Unix time of the last successful archive (0: never)" } },
      { last_failed_time_seconds: { usage: "GAUGE", description: "Unix time of the last failed archive attempt (0: never)" } },
      { archived_count: { usage: "COUNTER", description: "WAL files archived" } },
      { failed_count: { usage: "COUNTER", description: "Failed archive attempts" } },
    ],
  },
  pg_replication_member: {
    query: REPLICATION_MEMBER_SQL,
    metrics: [
      { application_name: { usage: "LABEL", description: "Standby name (the Patroni member)" } },
      { sync_state: { usage: "LABEL", description: "async, potential, sync or quorum" } },
      { flush_lag_seconds: { usage: "GAUGE", description: "Time between a local flush and the standby's report of flushing it" } },
      { flush_lag_bytes: { usage: "GAUGE", description: "WAL bytes written on the primary and not yet flushed on the standby" } },
    ],
  },
  pg_replication_summary: {
    query: REPLICATION_SUMMARY_SQL,
    metrics: [
      { streaming_members: { usage: "GAUGE", description: "Standbys streaming from this primary" } },
      { sync_standbys: { usage: "GAUGE", description: "Streaming standbys in sync or quorum state" } },
    ],
  },
  pg_recovery: {
    query: RECOVERY_SQL,
    metrics: [
      { receiver_streaming: { usage: "GAUGE", description: "1 when the WAL receiver is streaming" } },
      { replay_lag_seconds: { usage: "GAUGE", description: "Age of the last replayed transaction while received WAL waits for replay (0 when caught up)" } },
    ],
  },
  pg_base_backup: {
    query: BASE_BACKUP_SQL,
    metrics: [
      {
        last_completed_time_seconds: {
          usage: "GAUGE",
          description: "Unix time of the newest backup history file in pg_wal (written when a base backup ends); server start time when none exists",
        },
      },
    ],
  },
};

/** Metric names the rules use, built from the query and column names above so they cannot drift. */
export const METRICS = {
  archiveReady: "pg_wal_archive_ready_segments",
  archiveExposedSince: "pg_wal_archive_exposed_since_seconds",
  archiveLastArchived: "pg_wal_archive_last_archived_time_seconds",
  archiveLastFailed: "pg_wal_archive_last_failed_time_seconds",
  memberFlushLagSeconds: "pg_replication_member_flush_lag_seconds",
  memberFlushLagBytes: "pg_replication_member_flush_lag_bytes",
  streamingMembers: "pg_replication_summary_streaming_members",
  syncStandbys: "pg_replication_summary_sync_standbys",
  receiverStreaming: "pg_recovery_receiver_streaming",
  replayLagSeconds: "pg_recovery_replay_lag_seconds",
  baseBackupCompleted: "pg_base_backup_last_completed_time_seconds",
} as const;

/** The queries file as postgres_exporter reads it. */
export function renderPostgresExporterQueries(): string {
  const doc: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(POSTGRES_EXPORTER_QUERIES)) {
    doc[name] = { query: spec.query.trim().replace(/\s*\n\s*/g, " "), metrics: spec.metrics };
  }
  return YAML.stringify(doc, { lineWidth: 0 });
}
