/**
 * Names of the Redis tier's Kubernetes objects and the DNS names pods announce. Sentinel and the
 * role-discovery script compare addresses as strings, so every party must build them the same way.
 */

/** Sentinel's name for the monitored set; clients ask for it (ioredis `name`). */
export const MASTER_NAME = "agent-redis";

/** The tier's object name prefix in each region, and its pods' app.kubernetes.io/name. */
export const REDIS_PREFIX = "agent-redis";

export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;

export interface RedisNames {
  /** StatefulSet of the Redis pods (pods are `<redis>-<ordinal>`). */
  redis: string;
  /** Headless Service governing the Redis pods. */
  redisHeadless: string;
  /** StatefulSet of the Sentinel pods. */
  sentinel: string;
  /** Headless Service governing the Sentinel pods. */
  sentinelHeadless: string;
  /** Client-facing ClusterIP Service in front of the Sentinels. */
  sentinelClient: string;
  config: string;
  secret: string;
}

/** Object names from a prefix (`agent-redis` in the primary region). */
export function redisNames(prefix: string): RedisNames {
  return {
    redis: prefix,
    redisHeadless: `${prefix}-headless`,
    sentinel: `${prefix}-sentinel`,
    sentinelHeadless: `${prefix}-sentinel-headless`,
    sentinelClient: `${prefix}-sentinel`,
    config: `${prefix}-config`,
    secret: `${prefix}-auth`,
  };
}

/** A pod's stable DNS name through its headless Service (resolvable before it is ready: publishNotReadyAddresses). */
export function podFqdn(statefulSet: string, ordinal: number, headless: string, namespace: string, clusterDomain: string): string {
  return `${statefulSet}-${ordinal}.${headless}.${namespace}.svc.${clusterDomain}`;
}

/** The label that tells Redis nodes from Sentinels (selectors, NetworkPolicy, PDB, the policy pack). */
export const REDIS_ROLE_LABEL = "agent-dr/redis-role";

/** Pod labels; REDIS_ROLE_LABEL tells Redis nodes from Sentinels. */
export function podLabels(prefix: string, role: "redis" | "sentinel"): Record<string, string> {
  return { "app.kubernetes.io/name": REDIS_PREFIX, "app.kubernetes.io/instance": prefix, [REDIS_ROLE_LABEL]: role };
}

/**
 * Key the Redis primary kill sets on the primary it is about to kill, with that server's address
 * (host:port, as Sentinel names it) and a short expiry: the preStop hook (components/redis/scripts/
 * pre-stop.sh) of the server it names hands nothing over, so the kill stays unplanned even where
 * the kubelet runs preStop for a deletion with grace period 0 (Kubernetes 1.27 and later).
 */
export const UNPLANNED_KILL_KEY = "agent-dr:unplanned-kill";
export const UNPLANNED_KILL_TTL_SECONDS = 120;

/** The Redis StatefulSet's pods (`<statefulSet>-<ordinal>`, ordinals below its replicas): the only pods the Redis primary kill may delete. */
export function redisPodNames(prefix: string, servers: number): string[] {
  return Array.from({ length: servers }, (_, k) => `${redisNames(prefix).redis}-${k}`);
}

/** Label a client pod carries to be let through the NetworkPolicy to Redis and the Sentinels. */
export const CLIENT_LABEL = { key: "agent-dr/redis-client", value: "true" } as const;

/** The tier's ConfigMap carries this label; the policy pack finds redis.conf / sentinel.conf by it. */
export const CONFIG_LABEL = { key: "agent-dr/config", value: "redis" } as const;
/** Which region's set a ConfigMap belongs to: "primary" or "dr". */
export const REGION_ROLE_LABEL = "agent-dr/region-role";
