import type { RedisSettings } from "../../../dr/settings/types";
import { directive } from "./directive";
import { REDIS_PORT } from "../../../contract/redis";
import { checkRedisSettings } from "./settings-check";

/**
 * Where and how one redis-server runs. The defaults are the Kubernetes pod's; the drills and the
 * tests pass loopback ports and temporary directories so the same rendering runs locally.
 */
export interface RedisConfOptions {
  /** TCP port (default 6379). `0` renders a file that only parses (the `--port 0` check). */
  port?: number;
  /** `bind` addresses (default `* -::*`: every IPv4 and IPv6 address, the latter optional). Use `127.0.0.1` locally. */
  bind?: string;
  /** Data directory for the AOF and RDB files (default `/data`, the pod's volume). Must exist when Redis starts. */
  dir?: string;
  /** Log file; empty (the default) logs to stdout, which Kubernetes collects. */
  logfile?: string;
  /** PID file (default none). */
  pidfile?: string;
  /** Fork into the background (default false: the container's main process is Redis). */
  daemonize?: boolean;
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
    directive("port", opts.port ?? REDIS_PORT),
    directive("bind", ...(opts.bind ?? "* -::*").split(" ")),
    // The password is added at start; until then nothing but loopback may connect.
    directive("protected-mode", "yes"),
    directive("daemonize", opts.daemonize ? "yes" : "no"),
    ...(opts.pidfile ? [directive("pidfile", opts.pidfile)] : []),
    directive("logfile", opts.logfile ?? ""),
    directive("dir", opts.dir ?? "/data"),
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
