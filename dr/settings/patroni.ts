import { PATRONI } from "../engine-facts";
import type { PatroniTimings } from "./types";

/**
 * What Patroni 3.2+ actually runs with: it raises ttl, loop_wait and retry_timeout to their floors
 * without a word. The budget and the drills use the clamped values so neither lies.
 */
export function clampPatroni(t: PatroniTimings): PatroniTimings {
  return {
    ttlSeconds: Math.max(PATRONI.minTtlSeconds, t.ttlSeconds),
    loopWaitSeconds: Math.max(PATRONI.minLoopWaitSeconds, t.loopWaitSeconds),
    retryTimeoutSeconds: Math.max(PATRONI.minRetryTimeoutSeconds, t.retryTimeoutSeconds),
  };
}

/** Patroni's documented rule: loop_wait + 2 * retry_timeout <= ttl. */
export function patroniRuleHolds(t: PatroniTimings): boolean {
  return t.loopWaitSeconds + 2 * t.retryTimeoutSeconds <= t.ttlSeconds;
}

/**
 * Timings for a cluster whose tightest instance-loss RTO is `rtoSeconds`: detection gets about a
 * fifteenth of it, between Patroni's floor (20 s; below 20-30 s the maintainers warn of false
 * failovers, patroni#2040) and its default (30 s). loop_wait is a quarter of ttl and retry_timeout
 * takes what the rule leaves.
 */
export function derivePatroniTimings(rtoSeconds: number): PatroniTimings {
  const ttl = Math.min(PATRONI.defaultTtlSeconds, Math.max(PATRONI.minTtlSeconds, Math.round(rtoSeconds / 15)));
  const loopWait = Math.max(PATRONI.minLoopWaitSeconds, Math.floor(ttl / 4));
  const retry = Math.max(PATRONI.minRetryTimeoutSeconds, Math.floor((ttl - loopWait) / 2));
  return { ttlSeconds: ttl, loopWaitSeconds: loopWait, retryTimeoutSeconds: retry };
}
