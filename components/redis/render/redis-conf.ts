import type { RedisSettings } from "../../../dr/settings/types";
import { directive, listenDirectives, processDirectives, type ServerOptions } from "./directive";
import { REDIS_PORT } from "../../../contract/redis";
import { checkRedisSettings } from "./settings-check";

/** Where and how one redis-server runs (defaults: the pod's). */
export interface RedisConfOptions extends ServerOptions {
  /** Data classes the file serves, named in its header so a reader knows why the numbers are what they are. */
  dataClasses?: string[];
}

/**
 * redis.conf for every Redis node (primary or replica: the role is decided at start by
 * scripts/role-discovery.sh, which copies this file and adds the password, the announced address
 * and, for a replica, `replicaof`). Throws ConfigError for settings Redis would run into an outage.
 */
export function renderRedisConf(settings: RedisSettings, opts: RedisConfOptions = {}): string {
  checkRedisSettings(settings);
  const lines = [
    `# Rendered by agent-dr${opts.dataClasses?.length ? ` for ${opts.dataClasses.join(", ")}` : ""}. Read-only source: copied to a`,
    "# writable file at start, because Redis rewrites its config at runtime (CONFIG REWRITE after failover).",
    ...listenDirectives(opts, REDIS_PORT),
    // The password is added at start; until then nothing but loopback may connect.
    directive("protected-mode", "yes"),
    ...processDirectives(opts),
    "",
    "# Persistence: AOF for the seconds-level RPO, RDB snapshots as the compact restart point.",
    directive("appendonly", settings.appendonly ? "yes" : "no"),
    directive("appendfilename", "appendonly.aof"),
    directive("appendfsync", settings.appendfsync),
    directive("auto-aof-rewrite-percentage", 100),
    directive("auto-aof-rewrite-min-size", "64mb"),
    directive("aof-use-rdb-preamble", "yes"),
    ...(settings.save.length > 0 ? settings.save.map(([sec, changes]) => directive("save", sec, changes)) : [directive("save", "")]),
    directive("dbfilename", "dump.rdb"),
    "",
    "# Replication is asynchronous: a primary that has lost its replicas for longer than the lag stops",
    "# taking writes, which bounds what a failover can lose and fences an isolated old primary.",
    directive("min-replicas-to-write", settings.minReplicasToWrite),
    directive("min-replicas-max-lag", settings.minReplicasMaxLagSeconds),
    directive("replica-read-only", "yes"),
    directive("replica-serve-stale-data", "yes"),
    directive("replica-priority", 100),
    "",
  ];
  return lines.join("\n");
}
