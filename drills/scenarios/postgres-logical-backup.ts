import * as path from "node:path";
import type { DataClass } from "../../dr/targets";
import type { DrillContext } from "../context";
import { prepareDatabases } from "../postgres/databases";
import { DRILL_TABLE } from "../postgres/load";
import { AWS_CLI, BUCKET, S3RVER_CREDENTIALS } from "../postgres/s3";
import { postgresClasses } from "../stack";
import type { ScenarioResult, Timeline } from "../types";
import { judge } from "../verdict";

const SCRIPTS = path.resolve(__dirname, "../../components/postgres/scripts");

/**
 * The PostgreSQL tier's backup CronJob scripts, end to end against the local cluster and s3rver:
 * logical-backup.sh dumps every class database and uploads it; restore-verify.sh downloads the
 * newest dumps, restores them into scratch databases and checks tables and row counts.
 */
export async function postgresLogicalBackup(ctx: DrillContext): Promise<ScenarioResult[]> {
  const t0 = Date.now();
  const pg = ctx.stack.settings.postgres;
  if (!pg) throw new Error(`stack ${ctx.stack.name} has no PostgreSQL tier`);
  const cluster = await ctx.postgres();
  const leader = await cluster.waitHealthy(60000);
  const classes = postgresClasses(ctx.stack);
  const targets = [classes.sync, classes.async].filter((c): c is DataClass => Boolean(c));
  const dbs = targets.map((c) => c.database as string);
  await prepareDatabases(cluster, leader, pg, targets, ctx.sup);
  const rows: Record<string, number> = {};
  for (const db of dbs) {
    await cluster.query(leader, `insert into ${DRILL_TABLE} (run, id, member) select 'logical-backup', g, 'seed' from generate_series(1, 500) g on conflict do nothing`, [], db);
    rows[db] = Number((await cluster.query(leader, `select count(*) as n from ${DRILL_TABLE}`, [], db))[0].n);
  }
  const epoch = Date.now();
  const timeline: Timeline = { epoch, writes: {}, events: [] };
  const prefix = `${path.basename(ctx.sup.dir)}/logical-backups/drill`;
  const env = {
    ...S3RVER_CREDENTIALS,
    AWS_REGION: S3RVER_CREDENTIALS.AWS_DEFAULT_REGION,
    AWS_ENDPOINT_URL: cluster.s3.url,
    AWS_CLI,
    BACKUP_BUCKET: BUCKET,
    BACKUP_PREFIX: prefix,
    DATABASES: dbs.join(" "),
    PGHOST: "127.0.0.1",
    PGPORT: String(cluster.member(leader).port),
    PGUSER: "postgres",
    PGPASSWORD: "drill-super",
  };
  ctx.progress(`logical-backup.sh all (${dbs.join(", ")})`);
  const dumpDir = ctx.sup.mkdir("logical/dump");
  await ctx.sup.run("/bin/bash", [path.join(SCRIPTS, "logical-backup.sh"), "all"], { env: { ...env, DUMP_DIR: dumpDir }, timeoutMs: 300000 });
  const backupSeconds = (Date.now() - epoch) / 1000;
  timeline.events.push({ atMs: Date.now() - epoch, label: "dumps uploaded" });
  const keys = await cluster.s3.list(prefix);

  ctx.progress("restore-verify.sh all");
  const verifyStart = Date.now();
  const restoreDir = ctx.sup.mkdir("logical/restore");
  let restoreVerified = true;
  let verifyError = "";
  try {
    await ctx.sup.run("/bin/bash", [path.join(SCRIPTS, "restore-verify.sh"), "all"], {
      env: { ...env, RESTORE_DIR: restoreDir, VERIFY_TABLES: dbs.map((d) => `${d}:public.${DRILL_TABLE}:${rows[d]}`).join(" ") },
      timeoutMs: 300000,
    });
  } catch (e) {
    restoreVerified = false;
    verifyError = (e as Error).message;
  }
  const verifySeconds = (Date.now() - verifyStart) / 1000;
  timeline.events.push({ atMs: Date.now() - epoch, label: restoreVerified ? "restore verified" : "restore verification FAILED" });
  const schedule = ctx.stack.settings.backup.logicalBackupSchedule;
  const target = { other: "every class database dumped to S3 and restored with its row counts", source: "issue #7 / #3 (logical backup verified by a real restore)" };
  const predicted = { mechanism: schedule ? `logical backup CronJob ${schedule}, verified by restore: ${ctx.stack.settings.backup.verifiedByRestore}` : "no logical backup CronJob in this stack", source: "settings.backup" };
  const measured = { restoreVerified, dumpObjects: keys.filter((k) => k.endsWith(".dump")).length, backupSeconds, verifySeconds, databases: dbs.join(" ") };
  const v = judge(target, predicted, measured);
  if (!restoreVerified || measured.dumpObjects < dbs.length) {
    v.ok = false;
    v.targetMet = false;
    v.notes.push(restoreVerified ? `only ${measured.dumpObjects} dumps in S3 for ${dbs.length} databases` : `restore-verify.sh failed: ${verifyError.slice(0, 500)}`);
  }
  return [
    {
      id: "postgres-logical-backup",
      store: "postgres",
      description: `components/postgres/scripts/logical-backup.sh and restore-verify.sh against the local leader and s3rver (${dbs.join(", ")})`,
      target,
      predicted,
      measured,
      ...v,
      expectedUnsafe: false,
      timeline,
      wallSeconds: (Date.now() - t0) / 1000,
    },
  ];
}
