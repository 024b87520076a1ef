import type { RedisSettings } from "../../../dr/settings/types";
import { directive, listenDirectives, processDirectives, type ServerOptions } from "./directive";
import { MASTER_NAME, REDIS_PORT, SENTINEL_PORT } from "../../../contract/redis";
import { checkRedisSettings } from "./settings-check";

/** Where one redis-sentinel runs (defaults: the pod's) and which Redis it watches first. */
export interface SentinelConfOptions extends ServerOptions {
  /**
   * The Redis node monitored before any failover: the bootstrap primary, ordinal 0 (its pod FQDN in
   * Kubernetes, `127.0.0.1` locally). After a failover the start script keeps the Sentinel's own
   * record instead (see scripts/sentinel-start.sh).
   */
  primaryHost: string;
  /** Port of that Redis node (default 6379). */
  primaryPort?: number;
  /**
   * Announce and resolve hostnames (default true): pods keep their DNS names across restarts but
   * not their IPs, and a Sentinel holding a stale IP never finds the node again.
   */
  hostnames?: boolean;
}

/**
 * sentinel.conf for every Sentinel. The auth lines (`requirepass`, `sentinel auth-pass`), the
 * announced address and the Sentinel's persisted state are added at start by
 * scripts/sentinel-start.sh, never rendered here (this text lands in a ConfigMap).
 */
export function renderSentinelConf(settings: RedisSettings, opts: SentinelConfOptions): string {
  checkRedisSettings(settings);
  const hostnames = opts.hostnames ?? true;
  const lines = [
    "# Rendered by agent-dr. Read-only source: copied to a writable file at start, because Sentinel",
    "# records failovers, epochs and peers by rewriting its config.",
    ...listenDirectives(opts, SENTINEL_PORT),
    ...processDirectives(opts),
    // Must precede `sentinel monitor`: the monitor line names a host that is resolved when parsed.
    directive("sentinel", "resolve-hostnames", hostnames ? "yes" : "no"),
    directive("sentinel", "announce-hostnames", hostnames ? "yes" : "no"),
    directive("sentinel", "monitor", MASTER_NAME, opts.primaryHost, opts.primaryPort ?? REDIS_PORT, settings.quorum),
    directive("sentinel", "down-after-milliseconds", MASTER_NAME, settings.downAfterMilliseconds),
    directive("sentinel", "failover-timeout", MASTER_NAME, settings.failoverTimeoutMilliseconds),
    directive("sentinel", "parallel-syncs", MASTER_NAME, settings.parallelSyncs),
    "",
  ];
  return lines.join("\n");
}
