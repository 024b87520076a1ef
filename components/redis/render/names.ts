/**
 * Names of the Redis tier's Kubernetes objects and the DNS names pods announce. Sentinel and the
 * role-discovery script compare addresses as strings, so every party must build them the same way.
 */

/** Sentinel's name for the monitored set; clients ask for it (ioredis `name`). */
export const MASTER_NAME = "agent-redis";

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
