import type { DrSettings } from "../../dr/settings";
import type { Planning } from "../../dr/targets/planning";
import type { ObservedResource } from "./resource";
import { observeBackup } from "./backup";
import { observeDns } from "./dns";
import { observeFailover } from "./failover";
import { observePostgres } from "./postgres";
import { observeRedis } from "./redis";
import { observeLlm } from "./llm";

export type { ObservedResource } from "./resource";

/**
 * The recovery settings a stack really holds, read from its resources' inputs (not from the
 * targets). `planning` is what no resource setting holds (regions, data volume, on-call response,
 * retention): the planning annotation the primary namespace carries, or planningOf(config) where
 * the stack config is at hand. A tier that has no resources is absent, and the budget then calls its classes
 * unprotected.
 */
export function observeSettings(resources: ObservedResource[], planning: Planning): DrSettings {
  const backup = observeBackup(resources, planning);
  const postgres = observePostgres(resources, planning, backup);
  const redis = observeRedis(resources);
  const llm = observeLlm(resources);
  return {
    environment: planning.environment,
    regions: planning.regions,
    ...(postgres ? { postgres } : {}),
    ...(redis ? { redis } : {}),
    backup,
    dns: observeDns(resources, planning),
    failover: observeFailover(resources, planning),
    ...(llm ? { llm } : {}),
  };
}
