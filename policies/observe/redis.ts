import { CONFIG_LABEL, MASTER_NAME, REGION_ROLE_LABEL } from "../../contract/redis";
import type { RedisSettings } from "../../dr/settings";
import { lastDirective, redisDirectives } from "../lib/conf-files";
import type { ObservedResource } from "./resource";
import { TYPES } from "../../contract/resource-types";

/** Upstream defaults (redis.conf / sentinel.conf of Redis 7): what the servers run when a directive is absent. */
const REDIS_DEFAULTS = {
  save: [
    [3600, 1],
    [300, 100],
    [60, 10000],
  ] as Array<[number, number]>,
  appendfsync: "everysec" as const,
  minReplicasMaxLagSeconds: 10,
  downAfterMilliseconds: 30000,
  failoverTimeoutMilliseconds: 180000,
  parallelSyncs: 1,
};

const labelsOf = (r: ObservedResource): Record<string, string> => r.inputs.metadata?.labels ?? {};
const isConfig = (r: ObservedResource) => r.type === TYPES.configMap && labelsOf(r)[CONFIG_LABEL.key] === CONFIG_LABEL.value;

/**
 * Redis settings as the rendered redis.conf / sentinel.conf in the tier's ConfigMap (label
 * `agent-dr/config: redis`) and its StatefulSets hold them, read the way redis-server and
 * redis-sentinel read them (last occurrence wins, upstream defaults where a directive is absent).
 * The primary region's set is the one measured; `drRegion` says whether a set exists in the DR
 * region too. Absent when no Redis tier is deployed.
 */
export function observeRedis(resources: ObservedResource[]): RedisSettings | undefined {
  const configs = resources.filter(isConfig);
  if (configs.length === 0) return undefined;
  const roleOf = (r: ObservedResource) => labelsOf(r)[REGION_ROLE_LABEL] ?? "primary";
  const conf = configs.find((r) => roleOf(r) === "primary") ?? configs[0];
  const role = roleOf(conf);
  const redis = redisDirectives(String(conf.inputs.data?.["redis.conf"] ?? ""));
  const sentinel = sentinelDirectives(String(conf.inputs.data?.["sentinel.conf"] ?? ""));

  const replicasOf = (podRole: "redis" | "sentinel") => {
    const sets = resources.filter(
      (r) => r.type === TYPES.statefulSet && roleOf(r) === role && r.inputs.spec?.selector?.matchLabels?.["agent-dr/redis-role"] === podRole,
    );
    // A StatefulSet without `replicas` runs one pod.
    return sets.reduce((n, r) => n + (r.inputs.spec?.replicas === undefined ? 1 : Number(r.inputs.spec.replicas)), 0);
  };

  const int = (v: string | undefined, fallback: number) => (v === undefined || !/^-?\d+$/.test(v) ? fallback : Number(v));
  const appendfsync = (lastDirective(redis, "appendfsync")?.[0] ?? REDIS_DEFAULTS.appendfsync).toLowerCase();
  return {
    replicas: replicasOf("redis"),
    sentinels: replicasOf("sentinel"),
    quorum: int(sentinel.monitor?.[2], 0),
    downAfterMilliseconds: int(sentinel.get("down-after-milliseconds"), REDIS_DEFAULTS.downAfterMilliseconds),
    failoverTimeoutMilliseconds: int(sentinel.get("failover-timeout"), REDIS_DEFAULTS.failoverTimeoutMilliseconds),
    parallelSyncs: int(sentinel.get("parallel-syncs"), REDIS_DEFAULTS.parallelSyncs),
    appendonly: (lastDirective(redis, "appendonly")?.[0] ?? "no").toLowerCase() === "yes",
    appendfsync: appendfsync === "always" || appendfsync === "no" ? appendfsync : "everysec",
    save: savePoints(redis.get("save")),
    minReplicasToWrite: int(lastDirective(redis, "min-replicas-to-write")?.[0], 0),
    minReplicasMaxLagSeconds: int(lastDirective(redis, "min-replicas-max-lag")?.[0], REDIS_DEFAULTS.minReplicasMaxLagSeconds),
    drRegion: configs.some((r) => roleOf(r) === "dr"),
  };
}

/** `save ""` clears the save points; every `save <seconds> <changes> [...]` adds pairs. No directive: the defaults. */
function savePoints(lines: string[][] | undefined): Array<[number, number]> {
  if (!lines) return REDIS_DEFAULTS.save;
  let points: Array<[number, number]> = [];
  for (const args of lines) {
    if (args.length === 0 || (args.length === 1 && args[0] === "")) {
      points = [];
      continue;
    }
    for (let i = 0; i + 1 < args.length; i += 2) points.push([Number(args[i]), Number(args[i + 1])]);
  }
  return points;
}

/** The `sentinel <option> agent-redis <value>` lines of a sentinel.conf, and its monitor line's arguments after the name (host, port, quorum). */
function sentinelDirectives(text: string): { monitor?: string[]; get(option: string): string | undefined } {
  const options = new Map<string, string>();
  let monitor: string[] | undefined;
  for (const args of redisDirectives(text).get("sentinel") ?? []) {
    const [option, master, ...rest] = args;
    if (master !== MASTER_NAME) continue;
    if (option.toLowerCase() === "monitor") monitor = rest;
    else options.set(option.toLowerCase(), rest[0]);
  }
  return { monitor, get: (option) => options.get(option) };
}
