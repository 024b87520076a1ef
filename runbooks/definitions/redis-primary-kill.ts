import type { Runbook, StepSpec } from "../engine";
import type { RunbookTargets } from "../../contract/runbooks";
import type { RunbookArgs } from "./args";
import { SHORT } from "./backoff";
import { awaitWritableThroughSentinel } from "./redis-steps";
import { FAULT_WINDOW_MARGIN_SECONDS } from "../fault-window";

/** The fault this runbook injects (contract/probe CHAOS_FAULTS): the recovery probe attributes its outage by this name. */
export const REDIS_PRIMARY_KILL_FAULT = "redis-primary-kill";

/**
 * The unplanned Redis primary loss, as a test: kill the server the Sentinels name as primary and
 * let Sentinel fail over on its own. No Chaos Mesh selector can pick the primary (the tier labels
 * no pod with its role), so this runbook asks the Sentinels and deletes that pod.
 */
export function redisPrimaryKill(t: RunbookTargets, args: RunbookArgs = {}): Runbook {
  if (!t.redis) throw new Error(`redis-primary-kill: stack ${t.stack} has no Redis tier; expected agent-dr:redis.enabled true`);
  if (t.redis.servers < 2) throw new Error(`redis-primary-kill: stack ${t.stack} runs ${t.redis.servers} Redis server; killing the primary needs a replica to fail over to (agent-dr:redis.replicas >= 2)`);
  const ref = { region: "primary", master: t.redis.master };
  const steps: StepSpec[] = [
    {
      name: "check-quorum",
      description: "SENTINEL CKQUORUM: enough Sentinels see each other to authorise the failover the kill will need.",
      action: "redis.assertQuorum",
      params: ref,
      timeoutSeconds: 10,
      retries: 3,
      backoff: SHORT,
    },
  ];
  if (args.inFaultWindow) {
    const entry = t.faults?.find((f) => f.fault === REDIS_PRIMARY_KILL_FAULT);
    if (!entry) {
      throw new Error(
        `--in-fault-window: the targets of stack ${t.stack} list no scheduled ${REDIS_PRIMARY_KILL_FAULT} fault (agent-dr:chaos.enabled false, or a targets file from before it was scheduled); the recovery probe would report the outage as unplanned`,
      );
    }
    steps.push({
      name: "check-fault-window",
      description: "The scheduled run acts only inside the fault's window (the same schedule the recovery probe reads), so the outage it causes is attributed to redis-primary-kill, not reported as unplanned.",
      action: "fault.assertInWindow",
      params: { fault: entry.fault, schedule: entry.schedule, durationSeconds: entry.durationSeconds, marginSeconds: FAULT_WINDOW_MARGIN_SECONDS },
      timeoutSeconds: 5,
      retries: 0,
      backoff: SHORT,
    });
  }
  steps.push(
    {
      name: "kill-primary",
      description:
        "Ask every Sentinel which server is the primary (all that answer name the same one, at least the quorum and a majority), check it answers ROLE master, mark it (agent-dr:unplanned-kill: its preStop hook then hands nothing over), kill it (Kubernetes: delete its pod with grace period 0; locally: kill -9), then wait, sending no SENTINEL FAILOVER, until the Sentinels agree on another primary; fail if that came sooner than down-after allows (a hand-over) or the killed server resumed as primary (its restart beat Sentinel's detection). Not retried: a second attempt would kill the new primary.",
      action: "redis.killPrimary",
      params: ref,
      timeoutSeconds: 180,
      retries: 0,
      backoff: SHORT,
    },
    awaitWritableThroughSentinel(ref),
    {
      name: "await-rejoined",
      description:
        "The killed server is back (its pod recreated by the StatefulSet; role discovery starts it as a replica of the primary the Sentinels name) and every other server is an online replica of the new primary (connected and done syncing): redundancy restored.",
      action: "redis.awaitReplicas",
      params: { ...ref, minReplicas: t.redis.servers - 1 },
      timeoutSeconds: 300,
      retries: 0,
      backoff: SHORT,
    },
  );
  return {
    name: "redis-primary-kill",
    title: "Kill the Redis primary and measure Sentinel's own failover",
    summary:
      "The weekly unplanned primary loss in staging (the `redis-primary-kill` fault of the recovery probe's schedule, a DR test CronJob, `--in-fault-window`): " +
      "the server the Sentinels agree is the primary is killed without a hand-over, Sentinel must notice it (down-after-milliseconds), elect a replica and promote it on its own, clients must follow, and the killed server must rejoin as a replica. " +
      "The recovery probe measures the outage and the acknowledged writes lost. Run by hand (prod on purpose), the probe reports the outage as unplanned.",
    component: "redis",
    steps,
  };
}
