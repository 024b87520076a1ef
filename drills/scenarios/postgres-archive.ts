import { startPostgresScenario, type DrillContext } from "../context";
import { clientRole, prepareDatabases } from "../postgres/databases";
import { pgWriteLoad } from "../postgres/load";
import { archivePrediction } from "../postgres/predict";
import { refusalNotes } from "../../testbed/postgres/s3";
import { archivedPast, segmentRange } from "../postgres/wal";
import { sleep, waitFor } from "../../testbed/runtime/procfs";
import { postgresClasses } from "../../testbed/stack";
import { DRILL_TARGETS, DRILL_TARGETS_SOURCE } from "../targets";
import type { ScenarioResult, Timeline } from "../types";
import { judge, judgedResult } from "../verdict";

interface ArchiverState {
  last_archived_wal: string | null;
  last_archived_time: Date | null;
  failed_count: string;
}

/**
 * WAL archive under load. Lag: switch segments, acknowledge one write, and time until the segment
 * holding it is in S3 (archive_timeout closes it; curl uploads it through the policy front as WAL-G
 * would) - the worst case the budget's archive RPO bound covers. Outage: stop S3 (the policy front
 * and s3rver behind it), keep writing and switching segments, start it again; every segment must
 * reach S3 (none skipped), the archiver must catch up, and the front must have refused nothing.
 */
export async function postgresArchive(ctx: DrillContext): Promise<ScenarioResult[]> {
  const { t0, pg, cluster, leader } = await startPostgresScenario(ctx);
  const c = postgresClasses(ctx.stack).async ?? postgresClasses(ctx.stack).sync;
  if (!c) throw new Error(`stack ${ctx.stack.name} has no PostgreSQL data class`);
  await prepareDatabases(cluster, leader, pg, [c], ctx.sup);
  const q = (sql: string) => cluster.query(leader, sql);
  const archiver = async () => (await q("select last_archived_wal, last_archived_time, failed_count from pg_stat_archiver"))[0] as unknown as ArchiverState;
  const ready = async () => Number((await q("select count(*) as n from pg_ls_archive_statusdir() where name like '%.ready'"))[0].n);

  ctx.progress("waiting for the archiver to be idle");
  await waitFor("no WAL segment waiting to be archived", 120000, async () => (await ready()) === 0, 500);

  const judgedBefore = cluster.s3.judged().length;
  const epoch = Date.now();
  const timeline: Timeline = { epoch, writes: {}, events: [] };
  const run = `archive-${epoch}`;
  const load = pgWriteLoad({ database: c.database as string, user: clientRole(c.database as string), run, epoch, intervalMs: 200, locate: async () => ({ member: leader, port: cluster.member(leader).port }) });
  timeline.writes[`${c.database} (writes every 200 ms)`] = load.attempts;

  // Lag: a fresh segment, then the first acknowledged write into it.
  await q("select pg_switch_wal()");
  load.start();
  const firstAck = await waitFor("the first acknowledged write", 10000, () => load.attempts.find((a) => a.ok), 20);
  const segment = String((await q("select pg_walfile_name(pg_current_wal_lsn()) as f"))[0].f);
  timeline.events.push({ atMs: firstAck.endMs, label: `write into ${segment.slice(-8)}` });
  ctx.progress(`waiting for archive_timeout (${pg.archiveTimeoutSeconds} s) to ship ${segment}`);
  const archived = await waitFor(`segment ${segment} in the archive`, (pg.archiveTimeoutSeconds + 120) * 1000, async () => {
    const a = await archiver();
    return archivedPast(a.last_archived_wal, segment) ? a : undefined;
  }, 200);
  const archivedMs = (archived.last_archived_time as Date).getTime() - epoch;
  const lagSeconds = (archivedMs - firstAck.endMs) / 1000;
  timeline.events.push({ atMs: archivedMs, label: `${segment.slice(-8)} archived` });

  // Outage.
  ctx.progress("S3 outage: stopping the policy front and s3rver, writing and switching segments");
  const failedBefore = Number((await archiver()).failed_count);
  const downMs = Date.now() - epoch;
  await cluster.s3.stop();
  timeline.events.push({ atMs: downMs, label: "S3 stopped" });
  let last = segment;
  for (let i = 0; i < 4; i++) {
    await sleep(3000);
    last = String((await q("select pg_walfile_name(pg_switch_wal()) as f"))[0].f);
  }
  const pendingAtRestart = await ready();
  const failedDuringOutage = Number((await archiver()).failed_count) - failedBefore;
  ctx.progress(`restarting s3rver and the policy front (${pendingAtRestart} segments waiting)`);
  const upMs = Date.now() - epoch;
  await cluster.s3.start();
  timeline.events.push({ atMs: upMs, label: "S3 back" });
  // A new segment wakes an archiver that backed off after its failures.
  await sleep(500);
  last = String((await q("select pg_walfile_name(pg_switch_wal()) as f"))[0].f);
  await waitFor(`segment ${last} in the archive`, 300000, async () => archivedPast((await archiver()).last_archived_wal, last), 200);
  const caughtUpMs = Date.now() - epoch;
  timeline.events.push({ atMs: caughtUpMs, label: "archive caught up" });
  await load.stop();

  const expected = segmentRange(segment, last);
  const present = new Set((await cluster.s3.list(cluster.walPrefix)).map((k) => k.split("/").pop() as string));
  const missing = expected.filter((s) => !present.has(s));
  const catchUpSeconds = (caughtUpMs - upMs) / 1000;
  const front = cluster.s3.frontSummary(judgedBefore);
  const target = {
    rpoSeconds: pg.archiveTimeoutSeconds + DRILL_TARGETS.archiveLagSlackSeconds,
    other: "zero WAL segments lost across the S3 outage",
    source: `${DRILL_TARGETS_SOURCE}: archive lag <= archive_timeout ${pg.archiveTimeoutSeconds} s + ${DRILL_TARGETS.archiveLagSlackSeconds} s`,
  };
  const predicted = { ...archivePrediction(pg), lostAcknowledgedWrites: 0 };
  const measured = {
    archiveLagSeconds: lagSeconds,
    rpoSeconds: lagSeconds,
    walSegmentsExpected: expected.length,
    walSegmentsLost: missing.length,
    archiveFailuresDuringOutage: failedDuringOutage,
    segmentsWaitingAtRestart: pendingAtRestart,
    archiveCatchUpSeconds: catchUpSeconds,
    segmentsPerSecond: (pendingAtRestart + 1) / catchUpSeconds,
    outageSeconds: (upMs - downMs) / 1000,
    s3RequestsJudged: front.judged,
    s3RequestsRefused: front.refused,
  };
  const v = judge(target, predicted, measured);
  if (missing.length > 0) {
    v.ok = false;
    v.targetMet = false;
    v.notes.push(`WAL segments missing from the archive: ${missing.join(", ")}`);
  }
  if (front.refused > 0) {
    v.ok = false;
    v.notes.push(...refusalNotes(front));
  }
  if (failedDuringOutage === 0) {
    v.ok = false;
    v.notes.push("the archiver reported no failure while S3 was down: the outage was not exercised");
  }
  return [
    judgedResult(
      {
        id: "postgres-archive-s3-outage",
        store: "postgres",
        dataClass: c.name,
        description: `WAL archive lag under load (archive_timeout ${pg.archiveTimeoutSeconds} s, SigV4 PUT as walg with WAL-G's x-amz-server-side-encryption ${cluster.s3.walgHeaders.sse ?? "(none)"} through the S3 policy front to s3rver), then S3 down ${Math.round(measured.outageSeconds)} s while writing: every segment ${expected[0]}..${last} must arrive under ${cluster.walPrefix}`,
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
