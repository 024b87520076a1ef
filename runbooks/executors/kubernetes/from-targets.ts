import { Route53Client } from "@aws-sdk/client-route-53";
import type { RegionRole, RunbookTargets } from "../../../contract/runbooks";
import type { SentinelAccess } from "../sentinel";
import { KubernetesExecutor } from "./executor";
import { inClusterAccess, KubeClient, kubeconfigAccess } from "./kube-client";

export interface KubernetesAccessChoice {
  /**
   * In a pod (the controller, the DR test CronJobs): the service account reaches only the
   * cluster it runs in, which is this region.
   */
  inClusterRegion?: RegionRole;
  /** Redis and Sentinel passwords (the controller gets them from the Redis tier's Secret through its environment). */
  redisPassword?: string;
  sentinelPassword?: string;
}

/** The production executor for a stack: kubeconfig contexts from the stack config, or in-cluster access. */
export function kubernetesExecutor(t: RunbookTargets, choice: KubernetesAccessChoice = {}): KubernetesExecutor {
  const clusters: Partial<Record<RegionRole, { client: KubeClient; namespace: string }>> = {};
  const redis: Partial<Record<RegionRole, SentinelAccess>> = {};
  for (const region of ["primary", "dr"] as const) {
    const namespace = t.namespaces[region];
    if (!namespace) continue;
    if (choice.inClusterRegion) {
      if (choice.inClusterRegion !== region) continue;
      clusters[region] = { client: new KubeClient(inClusterAccess()), namespace };
    } else {
      const context = t.contexts[region];
      if (!context) continue;
      clusters[region] = { client: new KubeClient(kubeconfigAccess(context)), namespace };
    }
    if (t.redis) {
      redis[region] = { sentinels: [{ host: `${t.redis.sentinelService}.${namespace}.svc`, port: t.redis.port }], ...(choice.redisPassword ? { password: choice.redisPassword } : {}), ...(choice.sentinelPassword ? { sentinelPassword: choice.sentinelPassword } : {}) };
    }
  }
  if (Object.keys(clusters).length === 0) {
    throw new Error(`stack ${t.stack}: no cluster access; expected agent-dr:clusters.primary.context (a kubeconfig context), or run in-cluster`);
  }
  return new KubernetesExecutor({
    clusters,
    redis,
    ...(t.redis ? { redisTier: { prefix: t.redis.prefix, servers: t.redis.servers } } : {}),
    podNetwork: choice.inClusterRegion !== undefined,
    ...(t.restoreCheckCronJob ? { restoreCheckCronJob: t.restoreCheckCronJob } : {}),
    // Route53 is a global service served from us-east-1.
    ...(t.failoverEndpoint ? { route53: { client: new Route53Client({ region: "us-east-1" }), recordName: t.failoverEndpoint.name, zoneId: t.failoverEndpoint.zoneId } } : {}),
  });
}
