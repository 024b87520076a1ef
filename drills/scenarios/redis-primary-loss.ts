import type { DrillContext } from "../context";
import { RedisSet } from "../../testbed/redis/sentinel-set";
import { redisWriteLoad } from "../redis/load";
import { lossReport } from "../postgres/load";
import { presentKeyIds } from "../../probe/redis-writer";
import { compareWithProbe, probeBeside } from "../probe-beside";
import { sleep, waitFor } from "../../testbed/runtime/procfs";
import { budgetRow, redisClass } from "../../testbed/stack";
import { DRILL_TARGETS, DRILL_TARGETS_SOURCE } from "../targets";
import type { ScenarioResult, Timeline } from "../types";
import { judge, judgedResult } from "../verdict";

const REDIS_LOAD_INTERVAL_MS = 2;

/**
 * kill -9 of the Redis primary under a write load that finds the primary through Sentinel. RTO =
 * kill to the first SET acknowledged by another node; lost = acknowledged keys missing on the new
 * primary; the old node is restarted through role-discovery.sh and must come back as a replica,
 * never answering as a primary.
 */
export async function redisPrimaryLoss(ctx: DrillContext): Promise<ScenarioResult[]> {
  const t0 = Date.now();
  const r = ctx.stack.settings.redis;
  const c = redisClass(ctx.stack);
  if (!r || !c) throw new Error(`stack ${ctx.stack.name} has no Redis tier to drill`);
  const set = new RedisSet(ctx.sup, r);
  try {
    await set.start(ctx.progress);
    const primary = await set.waitHealthy(60000);
    const epoch = Date.now();
    const timeline: Timeline = { epoch, writes: {}, events: [] };
    const load = redisWriteLoad(
      set.sentinelIds.map((j) => ({ host: "127.0.0.1", port: set.sentinelPort(j) })),
      set.password,
      set.sentinelPassword,
      epoch,
      `drill:${epoch}:`,
      REDIS_LOAD_INTERVAL_MS,
    );
    // The probe reads back through the load's own Sentinel-discovered client, as the deployed probe does.
    const probe = probeBeside(c.name, "redis", load, (acked) => presentKeyIds(load.client, load.keyPrefix, acked.map((a) => a.id)));
    timeline.writes["SET via Sentinel discovery"] = load.attempts;
    load.start();
    await waitFor("the first acknowledged SET", 20000, () => load.attempts.some((a) => a.ok), 50);
    await sleep(3000);

    const oldPort = String(set.nodePort(primary));
    ctx.progress(`kill -9 redis-${primary} (primary)`);
    const killMs = Date.now() - epoch;
    await set.killNode(primary);
    timeline.events.push({ atMs: killMs, label: `kill -9 redis-${primary}` });
    const first = await waitFor("a SET acknowledged by a new primary", 120000, () => load.attempts.find((a) => a.ok && a.startMs >= killMs && a.target !== oldPort), 50);
    timeline.events.push({ atMs: first.endMs, label: `first ack on :${first.target}` });
    await sleep(2000);
    // The probe measures from the writes alone (no kill time), before the load's client closes.
    await probe.check(Date.now(), true);
    await load.stop();
    const newPrimary = await waitFor("the Sentinels to agree on the new primary", 30000, () => set.primary(), 200);

    // Which acknowledged keys does the new primary have?
    const acked = load.attempts.filter((a) => a.ok);
    const client = set.nodeClient(newPrimary);
    client.on("error", () => undefined);
    await client.connect();
    const present = await presentKeyIds(client, load.keyPrefix, load.attempts.map((a) => a.id));
    client.disconnect();
    const loss = lossReport(load.attempts, present, killMs);

    ctx.progress(`restarting redis-${primary} through role-discovery.sh`);
    const rejoinStart = Date.now();
    await set.startNode(primary);
    const rolesSeen = new Set<string>();
    await waitFor(`redis-${primary} to be a linked replica of the new primary`, 90000, async () => {
      const role = await set.role(primary);
      if (role) rolesSeen.add(role);
      if (role !== "slave") return false;
      const info = await set.info(primary, "replication");
      return info.master_link_status === "up" && Number(info.master_port) === set.nodePort(newPrimary);
    }, 100);
    const rejoinSeconds = (Date.now() - rejoinStart) / 1000;
    timeline.events.push({ atMs: Date.now() - epoch, label: `redis-${primary} replica of redis-${newPrimary}` });
    await set.waitHealthy(60000);

    const row = budgetRow(ctx.stack, c.name, "instance-loss");
    const target = {
      rtoSeconds: Math.min(row.target.rtoSeconds, r.downAfterMilliseconds / 1000 + DRILL_TARGETS.redisRtoSlackSeconds),
      rpoSeconds: row.target.rpoSeconds,
      other: "old primary rejoins as a replica, never as a second primary",
      source: `${DRILL_TARGETS_SOURCE}: down-after-milliseconds ${r.downAfterMilliseconds} ms + ${DRILL_TARGETS.redisRtoSlackSeconds} s; class ${c.name} instance-loss RPO ${row.target.rpoSeconds} s`,
    };
    const predicted = { rtoSeconds: row.predicted.rtoSeconds, rpoSeconds: row.predicted.rpoSeconds, mechanism: `${row.rto.mechanism}; ${row.rpo.mechanism}`, source: `budget row ${c.name}/instance-loss` };
    const measured = {
      rtoSeconds: (first.endMs - killMs) / 1000,
      lostAcknowledgedWrites: loss.lost.length,
      rpoSeconds: loss.rpoSeconds,
      acknowledgedWrites: acked.length,
      inDoubtCommitted: loss.inDoubtCommitted,
      rejoinSeconds,
      oldPrimaryAnsweredAsPrimary: rolesSeen.has("master"),
      downAfterMilliseconds: r.downAfterMilliseconds,
    };
    const beside = compareWithProbe(probe.measurements, epoch, killMs, measured, REDIS_LOAD_INTERVAL_MS);
    Object.assign(measured, beside.measured);
    const v = judge(target, predicted, measured);
    if (!beside.ok) {
      v.ok = false;
      v.notes.push(...beside.notes);
    }
    if (measured.oldPrimaryAnsweredAsPrimary) {
      v.ok = false;
      v.targetMet = false;
      v.notes.push(`the restarted redis-${primary} answered ROLE as master: a second primary`);
    }
    return [
      judgedResult(
        {
          id: "redis-primary-loss",
          store: "redis",
          dataClass: c.name,
          description: `kill -9 of the Redis primary under SET load via Sentinel discovery (down-after ${r.downAfterMilliseconds} ms, quorum ${r.quorum}); old node restarted through role-discovery.sh`,
          target,
          predicted,
          measured,
          timeline,
        },
        v,
        t0,
      ),
    ];
  } finally {
    await set.stop();
  }
}
