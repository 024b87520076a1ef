import { MASTER_NAME } from "../../contract/redis";
import { RedisWriter } from "../../probe/redis-writer";

/** A drill's SET load through Sentinel discovery: the recovery probe's Redis writer, keys without expiry. */
export function redisWriteLoad(sentinels: Array<{ host: string; port: number }>, password: string, sentinelPassword: string, epoch: number, keyPrefix: string, intervalMs = 2): RedisWriter {
  return new RedisWriter({ sentinels, masterName: MASTER_NAME, password, sentinelPassword, epoch, keyPrefix, intervalMs });
}
