import * as fs from "fs";
import * as path from "path";

/** The tier's scripts as shipped in the ConfigMap (and run as-is from here by the loopback tests and drills): the two start scripts, the preStop hook and the library they source. */
export const REDIS_SCRIPTS = ["role-discovery.sh", "sentinel-start.sh", "pre-stop.sh", "lib.sh"] as const;
export type RedisScript = (typeof REDIS_SCRIPTS)[number];

export function redisScript(file: RedisScript): string {
  return fs.readFileSync(path.join(__dirname, file), "utf8");
}
