import { startPostgresScenario, type DrillContext } from "../context";
import { clientRole, prepareDatabases } from "../postgres/databases";
import { lossReport, pgWriteLoad, presentIds } from "../postgres/load";
import { sleep, waitFor } from "../../testbed/runtime/procfs";
import { budgetRow } from "../../testbed/stack";
import type { Prediction, ScenarioResult, Timeline } from "../types";
import { judge, judgedResult } from "../verdict";

/**
 * What the model says about a leader whose Patroni dies while its PostgreSQL keeps serving open
 * connections, with no watchdog to fence it. A class that commits locally keeps getting acks on the
 * old primary after the replica is promoted, and pg_rewind discards them when it rejoins: the loss
 * grows with the time until the node is fenced, so it is unbounded. A class whose role commits
 * synchronously cannot be acknowledged there once the sync standby has been promoted away.
 */
export function splitBrainPrediction(syncCommit: boolean, synchronousMode: boolean): Prediction {
  if (syncCommit && synchronousMode) {
    return {
      lostAcknowledgedWrites: 0,
      rpoSeconds: 0,
      mechanism: "synchronous_mode with synchronous_commit on: the isolated old primary waits for its sync standby, which was promoted away, so its commits hang instead of being acknowledged",
      source: "split-brain model (drills/scenarios/postgres-split-brain.ts)",
    };
  }
  return {
    lostAcknowledgedWrites: Infinity,
    rpoSeconds: Infinity,
    mechanism: "no watchdog: the old primary keeps acknowledging writes on open connections after the replica is promoted; pg_rewind discards them at rejoin. Prevented by a watchdog (Patroni watchdog: mode required) or by synchronous_commit on under synchronous_mode for the class's role",
    source: "split-brain model (drills/scenarios/postgres-split-brain.ts)",
  };
}

/**
 * Split brain: only the leader's Patroni dies (kill -9); its PostgreSQL keeps running and the
 * clients keep their connections to it. A replica is promoted after the leader key expires; the
 * old primary is then restarted under Patroni, demoted and rewound. Lost = acknowledged writes on
 * the old primary that the new leader does not have.
 */
export async function postgresSplitBrain(ctx: DrillContext): Promise<ScenarioResult[]> {
  const start = await startPostgresScenario(ctx);
  const { t0, pg, cluster, leader } = start;
  // The asynchronous class first: its split brain is the one that loses writes.
  const targets = [...start.classes].reverse();
  await prepareDatabases(cluster, leader, pg, targets, ctx.sup);

  const epoch = Date.now();
  const run = `split-brain-${epoch}`;
  const port = cluster.member(leader).port;
  // Sticky: the client never rediscovers, as a pooler with an open server connection would not.
  const loads = targets.map((c) => ({
    c,
    load: pgWriteLoad({ database: c.database as string, user: clientRole(c.database as string), run, epoch, intervalMs: 10, locate: async () => ({ member: leader, port }) }),
  }));
  const timeline: Timeline = { epoch, writes: {}, events: [] };
  loads.forEach((l) => l.load.start());
  await sleep(2000);
  ctx.progress(`kill -9 Patroni of ${leader} only; its PostgreSQL keeps serving`);
  const killMs = Date.now() - epoch;
  await cluster.killPatroniOnly(leader);
  timeline.events.push({ atMs: killMs, label: `kill -9 Patroni of ${leader}` });

  ctx.progress("waiting for a replica to be promoted");
  const newLeader = await waitFor("a new leader", 120000, async () => {
    const l = await cluster.leader();
    if (!l || l === leader) return undefined;
    const r = await cluster.query(l, "select pg_is_in_recovery() as r");
    return r[0]?.r === false ? l : undefined;
  }, 200);
  const promotedMs = Date.now() - epoch;
  timeline.events.push({ atMs: promotedMs, label: `${newLeader} promoted (two primaries)` });
  const bothWritable = (await cluster.query(leader, "select pg_is_in_recovery() as r"))[0]?.r === false;
  await sleep(3000);
  await Promise.all(loads.map((l) => l.load.stop()));

  ctx.progress(`restarting Patroni on ${leader}: it must demote, rewind and follow ${newLeader}`);
  const rejoinStart = Date.now();
  await cluster.startMember(leader, true);
  await cluster.waitStreaming(newLeader, leader, 120000);
  const rejoinSeconds = (Date.now() - rejoinStart) / 1000;
  timeline.events.push({ atMs: Date.now() - epoch, label: `${leader} rewound, streams from ${newLeader}` });

  const results: ScenarioResult[] = [];
  for (const { c, load } of loads) {
    const commit = pg.synchronousCommit[c.database as string] ?? "local";
    const syncCommit = ["on", "remote_apply", "remote_write"].includes(commit);
    const present = await presentIds((sql, p) => cluster.query(newLeader, sql, p, c.database), run);
    const loss = lossReport(load.attempts, present, promotedMs);
    const ackedAfterPromotion = load.attempts.filter((a) => a.ok && a.endMs > promotedMs).length;
    const row = budgetRow(ctx.stack, c.name, "instance-loss");
    const predicted = splitBrainPrediction(syncCommit, pg.synchronousMode);
    const expectedUnsafe = !Number.isFinite(predicted.lostAcknowledgedWrites as number);
    const target = { rpoSeconds: row.target.rpoSeconds, source: `class ${c.name} instance-loss target RPO ${row.target.rpoSeconds} s` };
    const measured = {
      lostAcknowledgedWrites: loss.lost.length,
      rpoSeconds: loss.rpoSeconds,
      acknowledgedWrites: loss.acknowledged,
      ackedOnOldPrimaryAfterPromotion: ackedAfterPromotion,
      inDoubtCommitted: loss.inDoubtCommitted,
      bothPrimariesWritable: bothWritable,
      promotionSeconds: (promotedMs - killMs) / 1000,
      rejoinSeconds,
      synchronousCommit: commit,
    };
    const v = judge(target, predicted, measured, expectedUnsafe);
    timeline.writes[`${c.database} (${commit}) on ${leader}`] = load.attempts;
    results.push(
      judgedResult(
        {
          id: syncCommit && pg.synchronousMode ? "postgres-split-brain-sync" : "postgres-split-brain-async",
          store: "postgres",
          dataClass: c.name,
          description: `only Patroni of the leader dies, a client keeps writing to its PostgreSQL (${c.database}, synchronous_commit ${commit}); watchdog off`,
          target,
          predicted,
          measured,
          expectedUnsafe,
          timeline,
        },
        v,
        t0,
      ),
    );
  }
  await cluster.waitHealthy(90000);
  return results;
}
