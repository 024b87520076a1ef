import { PATRONI } from "../../dr/engine-facts";
import { patroniRuleHolds } from "../../dr/settings/patroni";
import type { ObservedResource } from "../observe";
import { num, objectName, TYPES } from "../lib/resources";
import { typePolicy } from "../lib/define";

/**
 * Patroni's rule loop_wait + 2 * retry_timeout <= ttl, and the floors Patroni 3.2+ applies without
 * a word (a value below is not what runs, so the budget and the manifest would disagree).
 */
export function checkPatroniTiming(r: ObservedResource, reportRaw: (m: string) => void): void {
  const report = (m: string) => reportRaw(`postgresql ${objectName(r)}: ${m}`);
  const p = r.inputs.spec?.patroni ?? {};
  const ttl = p.ttl === undefined ? PATRONI.defaultTtlSeconds : num(p.ttl);
  const loop = p.loop_wait === undefined ? PATRONI.defaultLoopWaitSeconds : num(p.loop_wait);
  const retry = p.retry_timeout === undefined ? PATRONI.defaultRetryTimeoutSeconds : num(p.retry_timeout);
  for (const [key, v] of [["ttl", ttl], ["loop_wait", loop], ["retry_timeout", retry]] as const) {
    if (!Number.isFinite(v)) {
      report(`Patroni ${key} ${JSON.stringify(p[key])} is not a number of seconds.`);
      return;
    }
  }
  if (ttl < PATRONI.minTtlSeconds) report(`Patroni ttl ${ttl} s is below the floor of ${PATRONI.minTtlSeconds} s that Patroni 3.2+ silently applies. Fix: postgres.overrides.ttlSeconds >= ${PATRONI.minTtlSeconds}.`);
  if (loop < PATRONI.minLoopWaitSeconds) report(`Patroni loop_wait ${loop} s is below the floor of ${PATRONI.minLoopWaitSeconds} s. Fix: postgres.overrides.loopWaitSeconds >= ${PATRONI.minLoopWaitSeconds}.`);
  if (retry < PATRONI.minRetryTimeoutSeconds) report(`Patroni retry_timeout ${retry} s is below the floor of ${PATRONI.minRetryTimeoutSeconds} s. Fix: postgres.overrides.retryTimeoutSeconds >= ${PATRONI.minRetryTimeoutSeconds}.`);
  if (!patroniRuleHolds({ ttlSeconds: ttl, loopWaitSeconds: loop, retryTimeoutSeconds: retry })) {
    report(
      `Patroni timing: loop_wait ${loop} s + 2 x retry_timeout ${retry} s = ${loop + 2 * retry} s > ttl ${ttl} s; the leader can lose its key while still retrying the DCS (spurious failovers). Fix: lower postgres.overrides.loopWaitSeconds / retryTimeoutSeconds or raise ttlSeconds.`,
    );
  }
}

export const patroniTiming = typePolicy(TYPES.postgresql, checkPatroniTiming, {
  name: "patroni-timing",
  severity: "high",
  description: "Patroni holds loop_wait + 2 * retry_timeout <= ttl and stays above its floors (ttl >= 20 s, loop_wait >= 1 s, retry_timeout >= 3 s).",
});
