import type { DataClass } from "../../dr/targets";
import { startPostgresScenario, type DrillContext } from "../context";
import type { PatroniCluster } from "../../testbed/postgres/patroni-cluster";
import { clientRole, prepareDatabases } from "../postgres/databases";
import { firstAckAfter, lossReport, pgWriteLoad, presentIds } from "../postgres/load";
import type { PgWriter } from "../../probe/postgres-writer";
import { compareWithProbe, probeBeside } from "../probe-beside";
import { nodeLossPrediction } from "../postgres/predict";
import { sleep, waitFor } from "../../testbed/runtime/procfs";
import { budgetRow, postgresClasses } from "../../testbed/stack";
import { DRILL_TARGETS, DRILL_TARGETS_SOURCE } from "../targets";
import type { ScenarioResult, Timeline } from "../types";
import { judge, judgedResult } from "../verdict";

/** A load writing to the current leader, found through Patroni's REST API like a client behind the Service. */
export const LEADER_LOAD_INTERVAL_MS = 10;

export function leaderLoad(cluster: PatroniCluster, c: DataClass, run: string, epoch: number): PgWriter {
  const db = c.database as string;
  return pgWriteLoad({
    database: db,
    user: clientRole(db),
    run,
    epoch,
    intervalMs: LEADER_LOAD_INTERVAL_MS,
    locate: async () => {
      const l = await cluster.leader();
      return l ? { member: l, port: cluster.member(l).port } : undefined;
    },
  });
}

export const PRIMARY_LOSS_IDS = ["postgres-primary-loss-sync", "postgres-primary-loss-async"] as const;

/**
 * Node loss: kill -9 the leader's Patroni, postmaster and backends at once, under a write load on a
 * class that commits synchronously and one that commits locally (the same cluster serves both, as
 * deployed). RTO = kill to the first write acknowledged by another member; RPO = acknowledged writes
 * missing on the new leader; then the old member must rejoin as a streaming replica.
 */
export async function postgresPrimaryLoss(ctx: DrillContext): Promise<ScenarioResult[]> {
  const { t0, pg, cluster, leader, classes: targets } = await startPostgresScenario(ctx);
  await prepareDatabases(cluster, leader, pg, targets, ctx.sup);

  const epoch = Date.now();
  const run = `primary-loss-${epoch}`;
  const loads = targets.map((c) => {
    const load = leaderLoad(cluster, c, run, epoch);
    // The probe reads back through the current leader, as a client behind the Service would.
    const probe = probeBeside(c.name, "postgres", load, async () => {
      const l = await cluster.leader();
      if (!l) throw new Error("no leader to read the probe's writes back from");
      return presentIds((sql, p) => cluster.query(l, sql, p, c.database), run);
    });
    return { c, load, probe };
  });
  const timeline: Timeline = { epoch, writes: {}, events: [] };
  ctx.progress(`write load on ${targets.map((c) => c.database).join(", ")}; leader ${leader}`);
  loads.forEach((l) => l.load.start());
  await sleep(3000);

  ctx.progress(`kill -9 ${leader} (Patroni + PostgreSQL)`);
  const killMs = Date.now() - epoch;
  await cluster.killMember(leader);
  timeline.events.push({ atMs: killMs, label: `kill -9 ${leader}` });

  ctx.progress("waiting for the first acknowledged write on a new leader");
  await waitFor("a write acknowledged by a new leader on every load", 120000, () => loads.every((l) => firstAckAfter(l.load.attempts, killMs, leader)), 100);
  await sleep(2000);
  // The probe measures from the writes alone (no kill time), while the loads still run.
  for (const l of loads) await l.probe.check(Date.now(), true);
  await Promise.all(loads.map((l) => l.load.stop()));
  const newLeader = await waitFor("the new leader", 30000, () => cluster.leader());

  const results: ScenarioResult[] = [];
  const rejoinStart = Date.now();
  ctx.progress(`restarting ${leader}: it must rejoin as a replica of ${newLeader}`);
  await cluster.startMember(leader);
  await cluster.waitStreaming(newLeader, leader, 90000);
  const rejoinSeconds = (Date.now() - rejoinStart) / 1000;
  timeline.events.push({ atMs: Date.now() - epoch, label: `${leader} streams again` });

  for (const { c, load, probe } of loads) {
    const first = firstAckAfter(load.attempts, killMs, leader);
    const present = await presentIds((sql, p) => cluster.query(newLeader, sql, p, c.database), run);
    const loss = lossReport(load.attempts, present, killMs);
    const sync = c === postgresClasses(ctx.stack).sync;
    const row = budgetRow(ctx.stack, c.name, "instance-loss");
    const node = nodeLossPrediction(pg);
    const predicted = {
      ...node,
      rpoSeconds: row.predicted.rpoSeconds,
      ...(sync ? { lostAcknowledgedWrites: 0 } : {}),
      mechanism: `${node.mechanism}; ${row.rpo.mechanism} (budget row ${c.name}/instance-loss: RTO ${row.predicted.rtoSeconds} s is its worst failure mode, ${row.rto.mechanism})`,
    };
    const target = {
      rtoSeconds: Math.min(row.target.rtoSeconds, DRILL_TARGETS.postgresNodeLossRtoSeconds),
      rpoSeconds: row.target.rpoSeconds,
      other: "old member rejoins as a streaming replica",
      source: `${DRILL_TARGETS_SOURCE}; class ${c.name} instance-loss target RTO ${row.target.rtoSeconds} s RPO ${row.target.rpoSeconds} s`,
    };
    const measured = {
      rtoSeconds: first ? (first.endMs - killMs) / 1000 : undefined,
      lostAcknowledgedWrites: loss.lost.length,
      rpoSeconds: loss.rpoSeconds,
      acknowledgedWrites: loss.acknowledged,
      inDoubtCommitted: loss.inDoubtCommitted,
      rejoinSeconds,
      newLeader,
      synchronousCommit: pg.synchronousCommit[c.database as string] ?? "local",
    };
    const beside = compareWithProbe(probe.measurements, epoch, killMs, measured, LEADER_LOAD_INTERVAL_MS);
    Object.assign(measured, beside.measured);
    const v = judge(target, predicted, measured);
    if (!beside.ok) {
      v.ok = false;
      v.notes.push(...beside.notes);
    }
    const label = `${c.database} (${measured.synchronousCommit})`;
    timeline.writes[label] = load.attempts;
    if (first) timeline.events.push({ atMs: first.endMs, label: `first ack on ${newLeader} (${c.database})` });
    results.push(
      judgedResult(
        {
          id: sync ? "postgres-primary-loss-sync" : "postgres-primary-loss-async",
          store: "postgres",
          dataClass: c.name,
          description: `kill -9 of the leader's Patroni and PostgreSQL under load on ${c.database} (synchronous_commit ${measured.synchronousCommit}, synchronous_mode ${pg.synchronousMode})`,
          target,
          predicted,
          measured,
          timeline,
        },
        v,
        t0,
      ),
    );
  }
  await cluster.waitHealthy(60000);
  return results;
}
