import { regionDecision, standbyPromotion } from "../../dr/budget";
import { clampPatroni } from "../../dr/settings/patroni";
import type { DataClass } from "../../dr/targets";
import { drillDynamicConfig } from "../../testbed/postgres/patroni-cluster";
import { PORTS } from "../../testbed/ports";
import { budgetRow, postgresClasses } from "../../testbed/stack";
import type { DrillContext } from "../context";
import { runRegionLossDrill } from "../region-loss";
import type { ScenarioResult } from "../types";
import { judge, judgedResult } from "../verdict";

/**
 * Region loss: two local regions (an etcd and a Patroni cluster each, the DR one a standby cluster
 * streaming from the primary) with the stack's rendered Patroni dynamic configuration (timings on
 * Patroni's floors, synchronous and failsafe mode, PostgreSQL parameters; archive_command
 * /bin/true: the standby streams, nothing reads an archive here), the failover controller at the
 * stack's interval and threshold, a writer through the endpoint. The primary region's database
 * tier is killed; the controller promotes the DR standby.
 *
 * The controller is what is drilled, so it runs in automatic mode whatever the stack's
 * failover.regionPromotion says (a manual stack waits for on-call instead; the budget row says how
 * long). The prediction is the budget's: regionDecision with automatic promotion, then
 * standbyPromotion. The budget's DNS switch (record TTL + resolver slack) has no local
 * counterpart: the drill's endpoint switches in process, so it is left out of the prediction.
 *
 * Runs on the drills' own base port before the shared PostgreSQL cluster starts (run.ts lists it
 * first), so it needs no ports of its own.
 */
export async function regionLoss(ctx: DrillContext): Promise<ScenarioResult[]> {
  const t0 = Date.now();
  const s = ctx.stack.settings;
  const pg = s.postgres;
  if (!pg) throw new Error(`stack ${ctx.stack.name} has no PostgreSQL tier`);
  if (!s.regions.dr || !pg.standby.enabled) throw new Error(`stack ${ctx.stack.name} has no DR region with a standby cluster: region-loss drills the standby's promotion`);
  const classes = postgresClasses(ctx.stack);
  const c = (classes.async ?? classes.sync) as DataClass;
  const row = budgetRow(ctx.stack, c.name, "region-loss");
  const timings = clampPatroni(pg.patroni);

  const automatic = { ...s, failover: { ...s.failover, regionPromotion: "automatic" as const } };
  const decision = regionDecision(automatic);
  const promotion = standbyPromotion(timings);
  const predicted = {
    rtoSeconds: decision.seconds + promotion.seconds,
    rpoSeconds: row.predicted.rpoSeconds,
    mechanism: `${decision.mechanism} + ${promotion.mechanism}; ${row.rpo.mechanism} (budget row ${c.name}/region-loss: RTO ${row.predicted.rtoSeconds} s with this stack's promotion (${s.failover.regionPromotion}) and DNS)`,
    source: "budget regionDecision (automatic) + standbyPromotion; RPO from the budget row",
  };
  const target = {
    rtoSeconds: row.target.rtoSeconds,
    rpoSeconds: row.target.rpoSeconds,
    other: "the DR standby is promoted and takes the endpoint's writes",
    source: `class ${c.name} region-loss target RTO ${row.target.rtoSeconds} s RPO ${row.target.rpoSeconds} s`,
  };

  ctx.progress(`two regions (ttl ${timings.ttlSeconds} s, loop_wait ${timings.loopWaitSeconds} s), controller every ${s.failover.controllerIntervalSeconds} s x ${s.failover.controllerFailureThreshold}`);
  const report = await runRegionLossDrill({
    basePort: PORTS.etcdClient,
    dcs: drillDynamicConfig(pg, "/bin/true"),
    intervalMs: s.failover.controllerIntervalSeconds * 1000,
    failureThreshold: s.failover.controllerFailureThreshold,
    log: (line) => ctx.progress(line),
  });
  const { detectionSeconds, runbookSeconds, ...measured } = report.measured;
  const v = judge(target, predicted, { ...measured, detectionSeconds, runbookSeconds });
  if (!report.controllerRun.ok) {
    v.ok = false;
    v.notes.push(`the controller's run failed at ${report.controllerRun.failedStep}: ${report.controllerRun.error ?? ""}`);
  }
  v.notes.unshift(...report.notes);
  return [
    judgedResult(
      {
        id: "region-loss",
        store: "postgres",
        dataClass: c.name,
        description: `kill of the primary region's Patroni and PostgreSQL; the failover controller (automatic, every ${s.failover.controllerIntervalSeconds} s, threshold ${s.failover.controllerFailureThreshold}) runs promote-dr-region on the DR standby`,
        target,
        predicted,
        measured: { ...measured, detectionSeconds, runbookSeconds },
      },
      v,
      t0,
    ),
  ];
}
