import type { DrSettings } from "../../dr/settings";
import type { StackConfig } from "../../dr/targets";
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
 * targets). A tier that has no resources is absent, and the budget then calls its classes
 * unprotected.
 */
export function observeSettings(resources: ObservedResource[], config: StackConfig): DrSettings {
  const backup = observeBackup(resources, config);
  const postgres = observePostgres(resources, config, backup);
  const redis = observeRedis(resources, config);
  const llm = observeLlm(resources);
  return {
    environment: config.environment,
    regions: config.regions,
    ...(postgres ? { postgres } : {}),
    ...(redis ? { redis } : {}),
    backup,
    dns: observeDns(resources, config),
    failover: observeFailover(resources, config),
    ...(llm ? { llm } : {}),
  };
}
