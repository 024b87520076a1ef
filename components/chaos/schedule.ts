import { CHAOS_FAULTS, type ChaosFault, type FaultScheduleEntry } from "../../contract/probe";
import { drTestSchedule, drTestsEnabledByDefault } from "../controller/schedule";

/**
 * What injects each fault. Chaos Mesh, where a selector picks the right pod: Spilo labels the
 * Patroni leader `spilo-role: master`, the gateway's pods carry their labels. The Redis tier labels
 * no pod with its role (role discovery asks Sentinel and sets no label), so a PodChaos over the
 * Redis pods in mode one would kill a replica most weeks and measure nothing: the Redis primary is
 * killed by the DR test CronJob `redis-primary-kill` (components/controller/schedule.ts), whose
 * runbook asks the Sentinels which server is the primary and deletes that pod.
 */
export const FAULT_INJECTORS: Record<ChaosFault, "chaos-mesh" | "dr-test"> = {
  "postgres-leader-kill": "chaos-mesh",
  "postgres-leader-partition": "chaos-mesh",
  "redis-primary-kill": "dr-test",
  "llm-provider-egress-block": "chaos-mesh",
};

/** The cron of the DR test that injects `fault`: the fault's schedule is the CronJob's, so the two can not drift. */
function drTestCron(fault: ChaosFault): string {
  const test = drTestSchedule().find((t) => t.fault === fault);
  if (!test) throw new Error(`no DR test injects ${fault} (components/controller/schedule.ts)`);
  return test.schedule;
}

/**
 * When each fault runs (5-field cron, UTC: Chaos Mesh's controller and the DR test CronJobs run in
 * UTC) and how long its window is. Weekly at 02:00 on days apart, an hour before the runbook DR
 * tests (components/controller/schedule.ts: 03:00-05:00), so no two tests overlap and the probe can
 * tell which fault an outage began in. test/stack/chaos-schedules.test.ts holds them apart over three years.
 */
export const FAULT_CADENCE: Record<ChaosFault, { schedule: string; durationSeconds: number; why: string }> = {
  // Pod-kill is instant; the window is how long after the kill an outage still counts as its own
  // (Patroni failover takes ttl + loop_wait, well under two minutes with the derived timings).
  "postgres-leader-kill": { schedule: "0 2 * * 2", durationSeconds: 120, why: "the kill is instant; a failover begins within ttl + loop_wait" },
  // Bounded: long enough for Patroni's ttl to lapse on the isolated leader and a replica to take
  // over (test/stack/chaos-schedules.test.ts holds it above ttl + 2 loop_wait of both stacks), short enough to heal unattended.
  "postgres-leader-partition": { schedule: "0 2 * * 4", durationSeconds: 90, why: "Chaos Mesh lifts the partition after this duration" },
  // The kill comes when the CronJob's pod has started (the CronJob gives up on a start more than
  // FAULT_TEST_STARTING_DEADLINE_SECONDS late) and the runbook has checked the quorum; the runbook
  // kills only with 30 s of this window left (runbooks/fault-window.ts), so its outage begins inside it.
  "redis-primary-kill": { schedule: drTestCron("redis-primary-kill"), durationSeconds: 600, why: "the CronJob's pod starts, then kills; the runbook refuses once fewer than 30 s of the window are left" },
  "llm-provider-egress-block": { schedule: "0 2 * * 6", durationSeconds: 300, why: "Chaos Mesh lifts the block after this duration" },
};

/** Which tiers the stack deploys in the primary region, and whether its DR test CronJobs run: a fault with nothing to inject it or nothing to hit is not scheduled. */
export interface DeployedTiers {
  postgres: boolean;
  redis: boolean;
  llmGateway: boolean;
  /** The DR test CronJobs are deployed (drTestsEnabledByDefault): they inject the faults Chaos Mesh can not target. */
  drTests: boolean;
}

/**
 * The scheduled faults of an environment: what the Chaos Mesh Schedules and the fault-injecting DR
 * test CronJobs run and what the recovery probe's config lists (ProbeConfig.faults), read from this
 * one function so they cannot drift. `enabled` defaults to the DR-test default (staging on, prod off).
 */
export function faultSchedule(environment: "staging" | "prod", tiers: DeployedTiers, enabled: boolean = drTestsEnabledByDefault(environment)): FaultScheduleEntry[] {
  if (!enabled) return [];
  const deployed: Record<string, boolean> = { postgres: tiers.postgres, redis: tiers.redis, "llm-gateway": tiers.llmGateway };
  return (Object.keys(CHAOS_FAULTS) as ChaosFault[])
    .filter((fault) => deployed[CHAOS_FAULTS[fault].store] && (FAULT_INJECTORS[fault] === "chaos-mesh" || tiers.drTests))
    .map((fault) => ({ fault, schedule: FAULT_CADENCE[fault].schedule, durationSeconds: FAULT_CADENCE[fault].durationSeconds }));
}
