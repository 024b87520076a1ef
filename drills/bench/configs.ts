import { computeBudget } from "../../dr/budget";
import { PATRONI, SENTINEL } from "../../dr/engine-facts";
import type { DrSettings } from "../../dr";
import type { DrillStack } from "../../testbed/stack";

/**
 * The configurations the benchmark runs side by side, on the same machine in the same run:
 * - derived: the stack's settings, derived from its targets (what `pulumi up` deploys);
 * - defaults: the engines' own defaults (Patroni ttl 30 / loop_wait 10 / retry_timeout 10,
 *   Sentinel down-after-milliseconds 30000 / failover-timeout 180000);
 * - anchor: what a user would otherwise pick: Patroni/Spilo's defaults for Patroni and the seed's
 *   Sentinel settings (down-after 5000, failover-timeout 30000).
 * Everything else (replication modes, archive, classes) is the stack's in all three.
 */
export const CONFIG_NAMES = ["derived", "defaults", "anchor"] as const;
export type ConfigName = (typeof CONFIG_NAMES)[number];

export const ANCHOR = {
  patroni: { ttlSeconds: PATRONI.defaultTtlSeconds, loopWaitSeconds: PATRONI.defaultLoopWaitSeconds, retryTimeoutSeconds: PATRONI.defaultRetryTimeoutSeconds },
  sentinel: { downAfterMilliseconds: 5000, failoverTimeoutMilliseconds: 30000 },
} as const;

export const ENGINE_DEFAULTS = {
  patroni: ANCHOR.patroni,
  sentinel: { downAfterMilliseconds: SENTINEL.defaultDownAfterMs, failoverTimeoutMilliseconds: SENTINEL.defaultFailoverTimeoutMs },
} as const;

export function isConfigName(c: string): c is ConfigName {
  return (CONFIG_NAMES as readonly string[]).includes(c);
}

function withTimings(stack: DrillStack, t: typeof ANCHOR | typeof ENGINE_DEFAULTS): DrillStack {
  const s: DrSettings = structuredClone(stack.settings);
  if (s.postgres) s.postgres.patroni = { ...t.patroni };
  if (s.redis) {
    s.redis.downAfterMilliseconds = t.sentinel.downAfterMilliseconds;
    s.redis.failoverTimeoutMilliseconds = t.sentinel.failoverTimeoutMilliseconds;
  }
  // The budget follows the settings, so targets and predictions are those of this configuration.
  return { ...stack, settings: s, budget: computeBudget(stack.config.dataClasses, s).rows };
}

/** The stack with a configuration's timings. */
export function configure(stack: DrillStack, config: ConfigName): DrillStack {
  if (config === "derived") return stack;
  return withTimings(stack, config === "anchor" ? ANCHOR : ENGINE_DEFAULTS);
}

/** The timings a configuration runs with, in one line (for the report). */
export function timingsOf(stack: DrillStack): string {
  const p = stack.settings.postgres?.patroni;
  const r = stack.settings.redis;
  return [
    p ? `Patroni ttl ${p.ttlSeconds} / loop_wait ${p.loopWaitSeconds} / retry_timeout ${p.retryTimeoutSeconds} s` : "",
    r ? `Sentinel down-after ${r.downAfterMilliseconds} ms / failover-timeout ${r.failoverTimeoutMilliseconds} ms` : "",
  ]
    .filter(Boolean)
    .join("; ");
}
