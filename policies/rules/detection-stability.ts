import { ROUTE53, SENTINEL } from "../../dr/engine-facts";
import { redisDirectives } from "../lib/conf-files";
import { StackResource } from "../lib/policy-resources";
import { num, objectName, TYPES } from "../lib/resources";
import { stackPolicy } from "../lib/define";

/**
 * Failure detectors tuned so tight that an ordinary blip looks like a failure. A failover costs
 * writes (asynchronous replicas) and a reconnect storm, so a detector that flaps turns noise into
 * outages. Floors: Sentinel PINGs every second, so a down-after below two periods declares a primary
 * dead after one late reply; Route53 marks an endpoint unhealthy after `failureThreshold` failed
 * checks, and 1 lets a single dropped probe move DNS (perf-anchors.md section 5).
 */
export function checkDetectionStability(resources: StackResource[], report: (m: string, urn?: string) => void): void {
  for (const r of resources) {
    const conf: string | undefined = r.type === TYPES.configMap ? r.inputs.data?.["sentinel.conf"] : undefined;
    if (conf === undefined) continue;
    for (const args of redisDirectives(conf).get("sentinel") ?? []) {
      if (args[0]?.toLowerCase() !== "down-after-milliseconds") continue;
      const ms = Number(args[2]);
      if (Number.isFinite(ms) && ms < SENTINEL.minDownAfterMs) {
        report(
          `Sentinel down-after-milliseconds ${ms} for ${args[1]} in ${objectName(r)}: below two of Sentinel's 1 s PING periods, one slow reply (a fork for an RDB save, a GC pause, a busy node) starts a failover that loses the asynchronous writes in flight. Fix: set redis.overrides.downAfterMilliseconds to at least ${SENTINEL.minDownAfterMs}.`,
          r.urn,
        );
      }
    }
  }
  // The failover controller's own probe decides an automatic region promotion: one lost probe must not.
  for (const d of resources.filter((r) => r.type === TYPES.deployment && r.inputs.metadata?.labels?.["app.kubernetes.io/component"] === "failover-controller")) {
    const env: Array<{ name: string; value?: string }> = d.inputs.spec?.template?.spec?.containers?.[0]?.env ?? [];
    const get = (n: string) => env.find((e) => e.name === n)?.value;
    const threshold = Number(get("FAILURE_THRESHOLD"));
    if (get("REGION_PROMOTION") === "automatic" && Number.isFinite(threshold) && threshold < ROUTE53.minFailureThreshold) {
      report(
        `failover controller ${objectName(d)}: failureThreshold ${threshold} promotes the DR region after a single failed probe of the primary, an irreversible, asynchronous switch (acknowledged writes still in flight are lost) on one dropped packet. Fix: set failover.controller.failureThreshold to at least ${ROUTE53.minFailureThreshold}.`,
        d.urn,
      );
    }
  }
  for (const hc of resources.filter((r) => r.type === TYPES.healthCheck)) {
    const threshold = num(hc.inputs.failureThreshold ?? 3);
    if (Number.isFinite(threshold) && threshold < ROUTE53.minFailureThreshold) {
      report(
        `Route53 health check ${hc.inputs.tags?.Name ?? hc.name}: failureThreshold ${threshold} marks the endpoint unhealthy after a single failed probe, so one dropped packet moves clients to the other region and back. Fix: set dns.overrides.failureThreshold to at least ${ROUTE53.minFailureThreshold}.`,
        hc.urn,
      );
    }
  }
}

export const detectionStability = stackPolicy({
  name: "detection-stability",
  description: "Failure detectors do not flap: Sentinel down-after-milliseconds of at least two PING periods, Route53 and automatic failover-controller failure thresholds of at least 2.",
  severity: "high",
  skip: (rs) =>
    rs.some((r) => r.type === TYPES.healthCheck || r.type === TYPES.deployment || (r.type === TYPES.configMap && r.inputs.data?.["sentinel.conf"] !== undefined))
      ? undefined
      : "no Sentinel config, no Route53 health check and no failover controller in the stack",
  check: checkDetectionStability,
});
