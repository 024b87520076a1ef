import type { StackConfig } from "../../dr/targets";
import type { FaultScheduleEntry } from "../../contract/probe";
import { llmGatewayNames, gatewayPodLabels } from "../llm-gateway/render/names";
import { drTestsEnabledByDefault } from "../controller/schedule";
import { faultSchedule } from "./schedule";
import { FaultTargets, providerHost } from "./render";

/**
 * The stack's scheduled faults (agent-dr:chaos.enabled, the tiers it deploys, whether its DR test
 * CronJobs run, as components/platform.ts decides): what the Chaos Mesh Schedules, the DR test
 * CronJobs, the runbooks' targets, the probe and the plan read.
 */
export function stackFaultSchedule(config: StackConfig): FaultScheduleEntry[] {
  return faultSchedule(
    config.environment,
    { postgres: config.postgres.enabled, redis: config.redis.enabled, llmGateway: config.llm !== undefined, drTests: drTestsEnabledByDefault(config.environment) },
    config.chaos.enabled,
  );
}

/** Where the faults land in the primary region (the gateway's default prefix, as the platform deploys it there). */
export function stackFaultTargets(config: StackConfig): FaultTargets {
  const primaryProvider = config.llm?.providers[0];
  return {
    namespace: config.clusters.primary.namespace,
    ...(config.postgres.enabled ? { postgresCluster: config.postgres.clusterName, dcsCidrs: config.network.apiServerCidrs } : {}),
    ...(primaryProvider ? { llmGateway: { podLabels: gatewayPodLabels(llmGatewayNames().deployment), primaryProviderHost: providerHost(primaryProvider.baseUrl) } } : {}),
  };
}
