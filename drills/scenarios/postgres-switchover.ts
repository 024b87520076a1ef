import { startPostgresScenario, type DrillContext } from "../context";
import { prepareDatabases } from "../postgres/databases";
import { lossReport, presentIds } from "../postgres/load";
import { switchoverPrediction } from "../postgres/predict";
import { sleep, waitFor } from "../../testbed/runtime/procfs";
import { budgetRow } from "../../testbed/stack";
import { DRILL_TARGETS, DRILL_TARGETS_SOURCE } from "../targets";
import type { ScenarioResult, Timeline, WriteAttempt } from "../types";
import { judge, judgedResult } from "../verdict";
import { leaderLoad } from "./postgres-primary-loss";

/** The longest stretch without an acknowledged write, from the last ack before `fromMs` onwards. */
export function longestAckGap(attempts: WriteAttempt[], fromMs: number): { seconds: number; fromMs: number; toMs: number } {
  const acks = attempts.filter((a) => a.ok).map((a) => a.endMs).sort((a, b) => a - b);
  let best = { seconds: 0, fromMs, toMs: fromMs };
  for (let i = 1; i < acks.length; i++) {
    if (acks[i] < fromMs) continue;
    const gap = (acks[i] - acks[i - 1]) / 1000;
    if (gap > best.seconds) best = { seconds: gap, fromMs: acks[i - 1], toMs: acks[i] };
  }
  return best;
}

/** Planned switchover through Patroni's REST API under load: write-unavailability window and zero loss. */
export async function postgresSwitchover(ctx: DrillContext): Promise<ScenarioResult[]> {
  const { t0, pg, cluster, leader, classes: targets } = await startPostgresScenario(ctx);
  await prepareDatabases(cluster, leader, pg, targets, ctx.sup);
  // In synchronous_mode only the sync standby may take over (patroni-drill.md section 7).
  const sync = await cluster.query(leader, "select application_name from pg_stat_replication where sync_state = 'sync' order by application_name");
  const streaming = await cluster.query(leader, "select application_name from pg_stat_replication where state = 'streaming' order by application_name");
  const candidate = String((sync[0] ?? streaming[0]).application_name);

  const epoch = Date.now();
  const run = `switchover-${epoch}`;
  const loads = targets.map((c) => ({ c, load: leaderLoad(cluster, c, run, epoch) }));
  const timeline: Timeline = { epoch, writes: {}, events: [] };
  loads.forEach((l) => l.load.start());
  await sleep(2000);
  ctx.progress(`switchover ${leader} -> ${candidate}`);
  const atMs = Date.now() - epoch;
  timeline.events.push({ atMs, label: `switchover ${leader} -> ${candidate}` });
  try {
    const r = await cluster.rest(leader, "/switchover", { method: "POST", body: JSON.stringify({ leader, candidate }), headers: { "content-type": "application/json" } }, 30000);
    const answer = await r.text();
    if (r.status !== 200) throw new Error(`switchover ${leader} -> ${candidate} refused: ${r.status} ${answer}`);
  } catch (e) {
    // The old leader's REST API can drop the request's connection while it demotes; whether the
    // switchover happened is decided by the writes below.
    if ((e as Error).message.includes("refused:")) throw e;
    ctx.progress(`POST /switchover lost its connection (${(e as Error).message}); waiting for ${candidate} to take writes`);
  }
  await waitFor(`writes acknowledged by ${candidate}`, 60000, () => loads.every((l) => l.load.attempts.some((a) => a.ok && a.target === candidate)), 100);
  await sleep(2000);
  await Promise.all(loads.map((l) => l.load.stop()));

  let worstGap = { seconds: 0, fromMs: atMs, toMs: atMs };
  let lost = 0;
  let acknowledged = 0;
  let inDoubt = 0;
  for (const { c, load } of loads) {
    const gap = longestAckGap(load.attempts, atMs);
    if (gap.seconds > worstGap.seconds) worstGap = gap;
    const loss = lossReport(load.attempts, await presentIds((sql, p) => cluster.query(candidate, sql, p, c.database), run), atMs);
    lost += loss.lost.length;
    acknowledged += loss.acknowledged;
    inDoubt += loss.inDoubtCommitted;
    timeline.writes[`${c.database} (${pg.synchronousCommit[c.database as string] ?? "local"})`] = load.attempts;
  }
  timeline.events.push({ atMs: worstGap.toMs, label: `writes resume on ${candidate}` });
  const c = targets[0];
  const row = c ? budgetRow(ctx.stack, c.name, "instance-loss") : undefined;
  const target = { rtoSeconds: DRILL_TARGETS.postgresSwitchoverRtoSeconds, rpoSeconds: 0, source: `${DRILL_TARGETS_SOURCE} (planned switchover: at most ${DRILL_TARGETS.postgresSwitchoverRtoSeconds} s, no loss)` };
  const predicted = switchoverPrediction();
  const measured = { rtoSeconds: worstGap.seconds, lostAcknowledgedWrites: lost, acknowledgedWrites: acknowledged, inDoubtCommitted: inDoubt, newLeader: candidate };
  const v = judge(target, predicted, measured);
  await cluster.waitHealthy(60000);
  return [
    judgedResult(
      {
        id: "postgres-switchover",
        store: "postgres",
        dataClass: row?.dataClass,
        description: `planned switchover ${leader} -> ${candidate} (POST /switchover) under load on ${targets.map((t) => t.database).join(" and ")}; RTO is the longest stretch without an acknowledged write`,
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
