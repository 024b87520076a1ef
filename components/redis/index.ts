export { RedisSentinel } from "./redis-sentinel";
export type { RedisSentinelArgs } from "./redis-sentinel";
export { renderRedisConf } from "./render/redis-conf";
export type { RedisConfOptions } from "./render/redis-conf";
export { renderSentinelConf } from "./render/sentinel-conf";
export type { SentinelConfOptions } from "./render/sentinel-conf";
export { CONFIG_LABEL, MASTER_NAME, REGION_ROLE_LABEL, REDIS_PORT, SENTINEL_PORT } from "../../contract/redis";
