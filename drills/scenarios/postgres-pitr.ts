import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { POSTGRES } from "../../dr/engine-facts";
import { startPostgresScenario, type DrillContext } from "../context";
import { PG_BIN } from "../../testbed/postgres/patroni-cluster";
import { archivePrediction } from "../postgres/predict";
import { archivedPast } from "../postgres/wal";
import { PORTS } from "../../testbed/ports";
import { refusalNotes } from "../../testbed/postgres/s3";
import { sleep, waitFor } from "../../testbed/runtime/procfs";
import { postgresClasses } from "../../testbed/stack";
import type { ScenarioResult, Timeline } from "../types";
import { judge, judgedResult } from "../verdict";

const MARK_ROWS = 1000;

/** A directory name under root that does not exist yet: pitr, pitr-2, pitr-3... */
function uniqueDir(root: string, name: string): string {
  for (let i = 1; ; i++) {
    const rel = i === 1 ? name : `${name}-${i}`;
    if (!fs.existsSync(path.join(root, rel))) return rel;
  }
}

function dirBytes(p: string): number {
  let total = 0;
  for (const e of fs.readdirSync(p, { withFileTypes: true })) {
    const f = path.join(p, e.name);
    if (e.isDirectory()) total += dirBytes(f);
    else if (e.isFile()) total += fs.statSync(f).size;
  }
  return total;
}

/**
 * Point-in-time restore: a base backup (pg_basebackup, uploaded as walg with WAL-G's encryption
 * headers through the S3 policy front), rows before and after a target time, WAL archived; then a
 * fresh instance restores the base backup, fetches WAL from the archive with restore_command (as
 * walg, through the front) and stops at the target. Rows before the target must be there, rows
 * after it must not; throughput = restored bytes / (download + extract + recovery) seconds.
 */
export async function postgresPitr(ctx: DrillContext): Promise<ScenarioResult[]> {
  const { t0, pg, cluster, leader } = await startPostgresScenario(ctx);
  const sup = ctx.sup;
  const epoch = Date.now();
  const timeline: Timeline = { epoch, writes: {}, events: [] };
  const at = (label: string) => timeline.events.push({ atMs: Date.now() - epoch, label });
  const q = (sql: string, params: unknown[] = []) => cluster.query(leader, sql, params);
  await q("create table if not exists pitr_marker (tag text not null, n int not null, ts timestamptz not null default clock_timestamp())");
  await q("truncate pitr_marker");
  // Some bulk so the restore moves more than an empty cluster.
  await q("create table if not exists pitr_bulk as select g as id, md5(g::text) as payload from generate_series(1, 200000) g");

  ctx.progress("base backup (pg_basebackup) and upload through the S3 policy front");
  const judgedBefore = cluster.s3.judged().length;
  // Named as WAL-G names its backups: base_<segment the backup starts in>.
  const startSegment = String((await q("select pg_walfile_name(pg_current_wal_lsn()) as f"))[0].f);
  // Every run has its own directories: a second restore in the same drill directory (the
  // benchmark's repetitions, a retried drill) must not find the first one's base backup or data.
  const work = uniqueDir(sup.dir, "pitr");
  const base = sup.mkdir(`${work}/base`);
  await sup.run("/usr/bin/pg_basebackup", ["-h", "127.0.0.1", "-p", String(cluster.member(leader).port), "-U", "postgres", "-D", base, "-Ft", "-z", "-X", "stream", "-c", "fast"], { timeoutMs: 300000 });
  const basePrefix = `${cluster.s3.baseBackupsPrefix}base_${startSegment}`;
  const files = fs.readdirSync(base).filter((f) => f.endsWith(".tar.gz") || f === "backup_manifest");
  for (const f of files) await sup.run("/bin/sh", ["-c", cluster.s3.curlCommand("put", path.join(base, f), `${basePrefix}/${f}`)]);
  at("base backup in S3");

  ctx.progress("writing rows before and after the target time");
  await q(`insert into pitr_marker (tag, n) select 'before', g from generate_series(1, ${MARK_ROWS}) g`);
  await sleep(300);
  const targetTime = String((await q("select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' as t"))[0].t);
  at("target time");
  await sleep(300);
  await q(`insert into pitr_marker (tag, n) select 'after', g from generate_series(1, ${MARK_ROWS}) g`);
  await q("update pitr_bulk set payload = 'changed after target' where id <= 1000");
  const last = String((await q("select pg_walfile_name(pg_switch_wal()) as f"))[0].f);
  await waitFor(`segment ${last} in the archive`, 120000, async () => archivedPast(String((await q("select last_archived_wal from pg_stat_archiver"))[0].last_archived_wal), last), 200);
  at("WAL after target archived");

  ctx.progress("restoring into a fresh instance");
  const restoreStart = Date.now();
  const dl = sup.mkdir(`${work}/download`);
  const data = sup.mkdir(`${work}/data`);
  for (const f of files) await sup.run("/bin/sh", ["-c", cluster.s3.curlCommand("get", path.join(dl, f), `${basePrefix}/${f}`)]);
  await sup.run("tar", ["-xzf", path.join(dl, "base.tar.gz"), "-C", data]);
  await sup.run("tar", ["-xzf", path.join(dl, "pg_wal.tar.gz"), "-C", path.join(data, "pg_wal")]);
  const run = sup.mkdir(`${work}/run`);
  fs.rmSync(path.join(data, "standby.signal"), { force: true });
  const restoreCommand = cluster.s3.curlCommand("get", "%p", `${cluster.walPrefix}%f`);
  // postgresql.auto.conf overrides the copied member's config; hba/ident point back into this dir.
  fs.appendFileSync(
    path.join(data, "postgresql.auto.conf"),
    [
      `port = ${PORTS.pitr}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${run}'`,
      `hba_file = '${path.join(data, "pg_hba.conf")}'`,
      `ident_file = '${path.join(data, "pg_ident.conf")}'`,
      "archive_mode = off",
      "synchronous_standby_names = ''",
      "logging_collector = off",
      `restore_command = '${restoreCommand.replace(/'/g, "''")}'`,
      `recovery_target_time = '${targetTime}'`,
      "recovery_target_action = 'promote'",
      "",
    ].join("\n"),
  );
  fs.writeFileSync(path.join(data, "recovery.signal"), "");
  sup.chown(data);
  at("restore started");
  await sup.start("postgres-pitr", path.join(PG_BIN, "postgres"), ["-D", data]);
  let restoreSeconds: number;
  let counts: Record<string, unknown>[];
  let changed: number;
  let bytes: number;
  try {
    const pitrQuery = async (sql: string) => {
      const c = new Client({ host: "127.0.0.1", port: PORTS.pitr, user: "postgres", database: "postgres", connectionTimeoutMillis: 1000 });
      await c.connect();
      try {
        return (await c.query(sql)).rows;
      } finally {
        await c.end().catch(() => undefined);
      }
    };
    await waitFor("the restored instance to reach the target and promote", 300000, async () => (await pitrQuery("select pg_is_in_recovery() as r"))[0].r === false, 200);
    restoreSeconds = (Date.now() - restoreStart) / 1000;
    at("restored instance promoted");
    counts = await pitrQuery("select count(*) filter (where tag = 'before') as before, count(*) filter (where tag = 'after') as after from pitr_marker");
    changed = Number((await pitrQuery("select count(*) as n from pitr_bulk where payload = 'changed after target'"))[0].n);
    bytes = dirBytes(data);
  } finally {
    // Stopped whether the restore worked or not: its port must be free for the next restore.
    await sup.stop("postgres-pitr", 20000);
  }
  const front = cluster.s3.frontSummary(judgedBefore);

  const before = Number(counts[0].before);
  const after = Number(counts[0].after);
  const restoreMBps = bytes / 1024 / 1024 / restoreSeconds;
  const c = postgresClasses(ctx.stack).sync ?? postgresClasses(ctx.stack).async;
  const predicted = { ...archivePrediction(pg), mechanism: `${archivePrediction(pg).mechanism}; restore throughput planned at ${POSTGRES.restoreBytesPerSecond / 1024 / 1024} MiB/s (a fixed few seconds of start-up dominate a restore this small, so the rate is reported, not judged)` };
  const target = { other: `all ${MARK_ROWS} rows written before the target present, none written after`, source: "issue #7 (point-in-time restore)" };
  const measured = {
    rowsBeforeTargetPresent: before === MARK_ROWS,
    rowsAfterTargetAbsent: after === 0 && changed === 0,
    rowsBefore: before,
    rowsAfter: after,
    changesAfterTargetPresent: changed,
    restoreSeconds,
    restoredMiB: bytes / 1024 / 1024,
    restoreMBps,
    s3RequestsJudged: front.judged,
    s3RequestsRefused: front.refused,
  };
  const v = judge(target, predicted, measured);
  if (!measured.rowsBeforeTargetPresent || !measured.rowsAfterTargetAbsent) {
    v.ok = false;
    v.targetMet = false;
    v.notes.push(`restored ${before}/${MARK_ROWS} rows before the target and ${after} rows (+${changed} changes) after it`);
  }
  if (front.refused > 0) {
    v.ok = false;
    v.notes.push(...refusalNotes(front));
  }
  return [
    judgedResult(
      {
        id: "postgres-pitr",
        store: "postgres",
        dataClass: c?.name,
        description: `base backup + archived WAL (${basePrefix}/, ${cluster.walPrefix}) through the S3 policy front as walg into a fresh instance, recovery_target_time ${targetTime}`,
        target,
        predicted,
        measured,
        timeline,
      },
      v,
      t0,
    ),
  ];
}
