import { CHAOS_FAULTS, type ChaosFault, type FaultScheduleEntry } from "../../contract/probe";
import { drTestsEnabledByDefault } from "../controller/schedule";

/**
 * When each fault runs (5-field cron, UTC: Chaos Mesh's controller runs in UTC) and how long its
 * window is. Weekly at 02:00 on days apart, an hour before the runbook DR tests
 * (components/controller/schedule.ts: 03:00-05:00), so no two tests overlap and the probe can tell
 * which fault an outage began in. test/stack/chaos-schedules.test.ts holds them apart over three years.
 */
export const FAULT_CADENCE: Record<ChaosFault, { schedule: string; durationSeconds: number; why: string }> = {
  // Pod-kill is instant; the window is how long after the kill an outage still counts as its own
  // (Patroni failover takes ttl + loop_wait, well under two minutes with the derived timings).
  "postgres-leader-kill": { schedule: "0 2 * * 2", durationSeconds: 120, why: "the kill is instant; a failover begins within ttl + loop_wait" },
  // Bounded: long enough for Patroni's ttl to lapse on the isolated leader and a replica to take
  // over (test/stack/chaos-schedules.test.ts holds it above ttl + 2 loop_wait of both stacks), short enough to heal unattended.
  "postgres-leader-partition": { schedule: "0 2 * * 4", durationSeconds: 90, why: "Chaos Mesh lifts the partition after this duration" },
  "redis-primary-kill": { schedule: "0 2 * * 5", durationSeconds: 120, why: "the kill is instant; Sentinel fails over within down-after + election" },
  "llm-provider-egress-block": { schedule: "0 2 * * 6", durationSeconds: 300, why: "Chaos Mesh lifts the block after this duration" },
};

/** Which tiers the stack deploys in the primary region: a fault on a tier that is not there is not scheduled. */
export interface DeployedTiers {
  postgres: boolean;
  /** The Redis primary kill needs a pod label naming the primary; the tier sets none (see faultTarget). */
  redis: boolean;
  llmGateway: boolean;
}

/**
 * Faults with no correct Chaos Mesh selector in this stack, and why; they are not scheduled.
 * The Redis tier's role discovery (components/redis/scripts/role-discovery.sh) asks Sentinel for
 * the primary and labels no pod with its role, so no label selects the primary: a PodChaos over
 * the Redis pods in mode one would kill a replica most weeks and measure nothing.
 */
export const UNSCHEDULABLE_FAULTS: Partial<Record<ChaosFault, string>> = {
  "redis-primary-kill": "the Redis tier labels no pod with its role (role discovery asks Sentinel and sets no label), so no Chaos Mesh selector picks the primary; the weekly sentinel-failover runbook test rehearses the failover instead",
};

/**
 * The scheduled faults of an environment: what the Chaos Mesh Schedules run and what the recovery
 * probe's config lists (ProbeConfig.faults), read from this one function so the two cannot drift.
 * `enabled` defaults to the DR-test default (staging on, prod off).
 */
export function faultSchedule(environment: "staging" | "prod", tiers: DeployedTiers, enabled: boolean = drTestsEnabledByDefault(environment)): FaultScheduleEntry[] {
  if (!enabled) return [];
  const deployed: Record<string, boolean> = { postgres: tiers.postgres, redis: tiers.redis, "llm-gateway": tiers.llmGateway };
  return (Object.keys(CHAOS_FAULTS) as ChaosFault[])
    .filter((fault) => deployed[CHAOS_FAULTS[fault].store] && UNSCHEDULABLE_FAULTS[fault] === undefined)
    .map((fault) => ({ fault, schedule: FAULT_CADENCE[fault].schedule, durationSeconds: FAULT_CADENCE[fault].durationSeconds }));
}
