import type { StackConfig } from "../dr/targets";
import { standbyClusterName } from "../components/postgres/render/names";

export type RegionRole = "primary" | "dr";

/** What the runbooks operate on, read from the stack config (names only; no secrets). */
export interface RunbookTargets {
  stack: string;
  environment: "staging" | "prod";
  regions: { primary: string; dr?: string };
  namespaces: { primary: string; dr?: string };
  /** kubeconfig contexts per region (agent-dr:clusters.*.context), for runs from outside the cluster. */
  contexts: { primary?: string; dr?: string };
  postgres?: {
    /** The primary region's cluster (postgresql resource name). */
    cluster: string;
    /** The DR region's standby cluster, when one exists. */
    standbyCluster?: string;
    /** The operator names the pooler Deployment `<cluster>-pooler`. */
    poolerSuffix: string;
  };
  /** `servers`: Redis pods including the primary (agent-dr:redis.replicas). */
  redis?: { master: string; sentinelService: string; port: number; servers: number };
  /** Route53 failover record the region promotion moves (the agent API). */
  failoverEndpoint?: { name: string; zoneId: string };
  /** The backup tier's restore-test CronJob, run on demand by verify-backups. */
  restoreCheckCronJob?: string;
}

/** The DR region's standby cluster, as components/postgres/tier.ts names it (unique member names, spilo.md 3.1). */
export { standbyClusterName };

/** The restore drill CronJob components/postgres provisions next to the primary cluster. */
export function restoreCheckCronJobName(cluster: string): string {
  return `${cluster}-restore-drill`;
}

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
            poolerSuffix: "-pooler",
          },
          restoreCheckCronJob: restoreCheckCronJobName(pg.clusterName),
        }
      : {}),
    ...(config.redis.enabled ? { redis: { master: "agent-redis", sentinelService: "agent-redis-sentinel", port: 26379, servers: config.redis.replicas } } : {}),
    ...(config.endpoints.api?.drTarget ? { failoverEndpoint: { name: config.endpoints.api.name, zoneId: config.endpoints.api.zoneId } } : {}),
  };
}
