import { createHash } from "crypto";
import type { RedisSettings } from "../../../dr/settings/types";
import { REDIS_SCRIPTS, redisScript, type RedisScript } from "../scripts";
import { podFqdn, RedisNames, REDIS_PORT } from "../../../contract/redis";
import { renderRedisConf } from "./redis-conf";
import { renderSentinelConf } from "./sentinel-conf";

export interface ConfigDataInput {
  settings: RedisSettings;
  names: RedisNames;
  namespace: string;
  clusterDomain: string;
  dataClasses: string[];
}

/** Keys of the tier's ConfigMap: the two rendered configs, the two start scripts, the Redis preStop hook and their shared library. */
export type RedisConfigData = { "redis.conf": string; "sentinel.conf": string } & Record<RedisScript, string>;

/** The ConfigMap's data. It holds no secret: passwords are added at start from the Secret. */
export function renderConfigData(i: ConfigDataInput): RedisConfigData {
  return {
    "redis.conf": renderRedisConf(i.settings, { dataClasses: i.dataClasses }),
    "sentinel.conf": renderSentinelConf(i.settings, {
      primaryHost: podFqdn(i.names.redis, 0, i.names.redisHeadless, i.namespace, i.clusterDomain),
      primaryPort: REDIS_PORT,
    }),
    ...(Object.fromEntries(REDIS_SCRIPTS.map((f) => [f, redisScript(f)])) as Record<RedisScript, string>),
  };
}

/** Pods carry this in an annotation, so a changed config or script rolls them. */
export function configChecksum(data: RedisConfigData): string {
  const h = createHash("sha256");
  for (const k of Object.keys(data).sort()) h.update(`${k}\0${data[k as keyof RedisConfigData]}\0`);
  return h.digest("hex");
}
