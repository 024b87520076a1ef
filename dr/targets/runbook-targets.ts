import type { StackConfig } from "./config";
import { POOLER_SUFFIX, restoreDrillCronJobName, standbyClusterName } from "../../contract/postgres";
import { MASTER_NAME, REDIS_PREFIX, redisNames, SENTINEL_PORT } from "../../contract/redis";
import type { RunbookTargets } from "../../contract/runbooks";

/**
 * What the runbooks operate on, projected from the stack config (names only; no secrets): the
 * controller component writes it into the targets ConfigMap, the runbook CLI reads it from a
 * stack file. Beside planning.ts, the projection the policy pack reads.
 */
export function targetsFromConfig(config: StackConfig): RunbookTargets {
  const pg = config.postgres;
  const drNamespace = config.clusters.dr?.namespace;
  return {
    stack: config.stack,
    environment: config.environment,
    regions: config.regions,
    namespaces: { primary: config.clusters.primary.namespace, ...(drNamespace ? { dr: drNamespace } : {}) },
    contexts: {
      ...(config.clusters.primary.context ? { primary: config.clusters.primary.context } : {}),
      ...(config.clusters.dr?.context ? { dr: config.clusters.dr.context } : {}),
    },
    ...(pg.enabled
      ? {
          postgres: {
            cluster: pg.clusterName,
            ...(pg.standby.enabled ? { standbyCluster: standbyClusterName(pg.clusterName) } : {}),
            poolerSuffix: POOLER_SUFFIX,
          },
          restoreCheckCronJob: restoreDrillCronJobName(pg.clusterName),
        }
      : {}),
    ...(config.redis.enabled ? { redis: { master: MASTER_NAME, sentinelService: redisNames(REDIS_PREFIX).sentinelClient, port: SENTINEL_PORT, servers: config.redis.replicas, prefix: REDIS_PREFIX } } : {}),
    ...(config.endpoints.api?.drTarget ? { failoverEndpoint: { name: config.endpoints.api.name, zoneId: config.endpoints.api.zoneId } } : {}),
  };
}
