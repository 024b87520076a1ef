import type { DataClass } from "../../dr/targets";
import { PATRONI } from "../../dr/engine-facts";
import { clampPatroni } from "../../dr/settings/patroni";
import type { DrillContext } from "../context";
import { prepareDatabases } from "../postgres/databases";
import { lossReport, presentIds } from "../postgres/load";
import { sleep, waitFor } from "../../testbed/runtime/procfs";
import { budgetRow, postgresClasses } from "../../testbed/stack";
import type { Prediction, ScenarioResult, Timeline } from "../types";
import { judge, judgedResult } from "../verdict";
import { leaderLoad } from "./postgres-primary-loss";
import { longestAckGap } from "./postgres-switchover";

export const DCS_OUTAGE_SECONDS = 30;

/**
 * What the model expects when the DCS is down: with failsafe_mode the leader keeps running while it
 * reaches every member over REST (no write gap); without it the leader demotes itself once
 * retry_timeout passes and writes wait for etcd to return plus one HA loop.
 */
export function dcsOutagePrediction(failsafe: boolean, retryTimeout: number, loopWait: number, outageSeconds: number): Prediction {
  if (failsafe) {
    return { rtoSeconds: 0, lostAcknowledgedWrites: 0, mechanism: "failsafe_mode: every member answers over REST, so the leader keeps its role while the DCS is down", source: "Patroni failsafe_mode (docs/dcs_failsafe_mode.rst)" };
  }
  return {
    rtoSeconds: outageSeconds - retryTimeout + loopWait + PATRONI.promotionSeconds,
    lostAcknowledgedWrites: 0,
    mechanism: `no failsafe_mode: the leader demotes after retry_timeout ${retryTimeout} s without the DCS; writes return within loop_wait ${loopWait} s of etcd coming back (${outageSeconds} s outage)`,
    source: "Patroni HA loop",
  };
}

/** etcd down for 30 s under load, with the derived failsafe_mode and with the opposite. */
export async function postgresDcsOutage(ctx: DrillContext): Promise<ScenarioResult[]> {
  const pg = ctx.stack.settings.postgres;
  if (!pg) throw new Error(`stack ${ctx.stack.name} has no PostgreSQL tier`);
  const cluster = await ctx.postgres();
  const classes = postgresClasses(ctx.stack);
  const c = (classes.async ?? classes.sync) as DataClass;
  const t = clampPatroni(pg.patroni);
  const results: ScenarioResult[] = [];
  for (const failsafe of [pg.failsafeMode, !pg.failsafeMode]) {
    const t0 = Date.now();
    let leader = await cluster.waitHealthy(90000);
    await prepareDatabases(cluster, leader, pg, [c], ctx.sup);
    await cluster.patchConfig(leader, { failsafe_mode: failsafe });
    // The change reaches every member with its next HA loop.
    await sleep((t.loopWaitSeconds + 1) * 1000);
    leader = await cluster.waitHealthy(60000);
    const epoch = Date.now();
    const run = `dcs-${failsafe}-${epoch}`;
    const load = leaderLoad(cluster, c, run, epoch);
    const timeline: Timeline = { epoch, writes: { [`${c.database} (failsafe_mode ${failsafe})`]: load.attempts }, events: [] };
    load.start();
    await sleep(2000);
    ctx.progress(`etcd down for ${DCS_OUTAGE_SECONDS} s (failsafe_mode ${failsafe})`);
    const downMs = Date.now() - epoch;
    await cluster.stopEtcd();
    timeline.events.push({ atMs: downMs, label: "etcd stopped" });
    await sleep(DCS_OUTAGE_SECONDS * 1000 - (Date.now() - epoch - downMs));
    await cluster.startEtcd();
    const upMs = Date.now() - epoch;
    timeline.events.push({ atMs: upMs, label: "etcd back" });
    await waitFor("writes acknowledged after etcd returned", 90000, () => load.attempts.some((a) => a.ok && a.startMs > upMs), 100);
    await sleep(2000);
    await load.stop();
    const gap = longestAckGap(load.attempts, downMs);
    timeline.events.push({ atMs: gap.toMs, label: gap.seconds > 1 ? "writes resume" : "no gap" });
    const finalLeader = await waitFor("a leader after the outage", 60000, () => cluster.leader());
    const loss = lossReport(load.attempts, await presentIds((sql, p) => cluster.query(finalLeader, sql, p, c.database), run), downMs);
    const row = budgetRow(ctx.stack, c.name, "instance-loss");
    const predicted = dcsOutagePrediction(failsafe, t.retryTimeoutSeconds, t.loopWaitSeconds, DCS_OUTAGE_SECONDS);
    const target = { rtoSeconds: row.target.rtoSeconds, rpoSeconds: row.target.rpoSeconds, source: `class ${c.name} instance-loss target (the DCS is one more instance that can be lost)` };
    const measured = { rtoSeconds: gap.seconds, lostAcknowledgedWrites: loss.lost.length, rpoSeconds: loss.rpoSeconds, acknowledgedWrites: loss.acknowledged, inDoubtCommitted: loss.inDoubtCommitted, outageSeconds: (upMs - downMs) / 1000, failsafeMode: failsafe };
    const v = judge(target, predicted, measured);
    results.push(
      judgedResult(
        {
          id: failsafe ? "postgres-dcs-outage-failsafe" : "postgres-dcs-outage-no-failsafe",
          store: "postgres",
          dataClass: c.name,
          description: `single-node etcd stopped for ${DCS_OUTAGE_SECONDS} s under load on ${c.database}, failsafe_mode ${failsafe}${failsafe === pg.failsafeMode ? " (as derived)" : " (the opposite of the derived setting)"}; RTO is the longest stretch without an acknowledged write`,
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
  const leader = await cluster.waitHealthy(90000);
  await cluster.patchConfig(leader, { failsafe_mode: pg.failsafeMode });
  return results;
}
