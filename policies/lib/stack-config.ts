import type { StackConfig } from "../../dr/targets";
import type { DataClass } from "../../dr/targets";
import type { ObservedResource } from "../observe";
import { parsePlanning, Planning, PLANNING_ANNOTATION } from "../../dr/targets/planning";
import { annotations, environmentOf, TYPES } from "./resources";

/**
 * The StackConfig the observers need, rebuilt from what the stack's resources say: the planning
 * annotation of the primary namespace (environment, regions, assumptions) and the targets
 * annotations (data classes). Overrides are empty on purpose: observers must read settings from
 * the resources, never from config. Throws naming the annotation when it is missing.
 */
export function stackConfigFromResources(resources: ObservedResource[], classes: DataClass[]): StackConfig {
  const planning = planningFromResources(resources);
  const namespace = resources.find((r) => r.type === TYPES.namespace && annotations(r)[PLANNING_ANNOTATION] !== undefined)?.inputs.metadata?.name ?? "agent-dr";
  const hasStore = (store: string) => classes.some((c) => c.store === store);
  return {
    stack: planning.stack,
    environment: planning.environment,
    owner: planning.owner,
    regions: planning.regions,
    clusters: { primary: { namespace }, ...(planning.regions.dr ? { dr: { namespace } } : {}) },
    dataClasses: classes,
    endpoints: planning.endpoints ?? {},
    postgres: {
      enabled: hasStore("postgres"),
      clusterName: planning.postgres.clusterName,
      instances: planning.postgres.instances,
      installOperator: false,
      version: "15",
      volumeSize: "",
      dataSizeBytes: planning.postgres.dataSizeBytes,
      writeRateBytesPerSecond: planning.postgres.writeRateBytesPerSecond,
      standby: planning.postgres.standby,
      overrides: {},
    },
    redis: { enabled: hasStore("redis"), replicas: planning.redis.replicas, sentinels: planning.redis.sentinels, drRegion: planning.redis.drRegion, overrides: {} },
    backup: { retentionDays: planning.backup.retentionDays, objectLock: { enabled: false, days: 0, mode: "GOVERNANCE" }, administrators: [], breakGlassPrincipals: [], overrides: {} },
    dns: { overrides: {} },
    failover: planning.failover,
  };
}

export function planningFromResources(resources: ObservedResource[]): Planning {
  const carrier = resources.find((r) => annotations(r)[PLANNING_ANNOTATION] !== undefined);
  if (!carrier) {
    const env = environmentOf(resources);
    throw new Error(
      `no resource carries the ${PLANNING_ANNOTATION} annotation${env ? ` (environment ${env})` : ""}: the primary namespace of AgentPlatform writes it; without it the budget cannot be computed`,
    );
  }
  return parsePlanning(annotations(carrier)[PLANNING_ANNOTATION]);
}
