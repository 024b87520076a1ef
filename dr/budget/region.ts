import { ROUTE53 } from "../engine-facts";
import type { DrSettings } from "../settings/types";
import type { Bound } from "./types";

/** Who decides to promote the DR region, and how long that takes at worst. */
export function regionDecision(s: DrSettings): Bound {
  const route53Detect = s.dns.healthCheckIntervalSeconds * s.dns.failureThreshold;
  if (s.failover.regionPromotion === "automatic") {
    const controller = s.failover.controllerIntervalSeconds * s.failover.controllerFailureThreshold;
    return {
      seconds: Math.max(controller, route53Detect),
      mechanism: `failover controller decides after ${s.failover.controllerFailureThreshold} x ${s.failover.controllerIntervalSeconds} s`,
    };
  }
  // The clock starts at the fault: Route53 must see it, the alarm must page, then someone decides.
  if (!Number.isFinite(s.failover.pageDelaySeconds)) {
    return {
      seconds: Infinity,
      mechanism: "manual region promotion, but no alarm on the Route53 health check pages anyone",
      fix: "set agent-dr:endpoints.api (its health check gets a paging alarm), or enable the failover controller (agent-dr:failover.controller.enabled)",
    };
  }
  return {
    seconds: route53Detect + s.failover.pageDelaySeconds + s.failover.manualResponseSeconds,
    mechanism: `Route53 marks the primary unhealthy (${s.dns.healthCheckIntervalSeconds} s x ${s.dns.failureThreshold}), the alarm pages (${s.failover.pageDelaySeconds} s), on-call approves the region promotion (${Math.round(s.failover.manualResponseSeconds / 60)} min)`,
    fix: "enable the failover controller in automatic mode, or shorten agent-dr:failover.manualResponseMinutes",
  };
}

/** Clients follow the failover record: the new answer is served, then cached answers expire. */
export function dnsSwitch(s: DrSettings): Bound {
  if (!s.dns.hasSecondary) {
    return { seconds: Infinity, mechanism: "no SECONDARY failover record: clients are never sent to the DR region", fix: "set agent-dr:endpoints.api.drTarget" };
  }
  return {
    seconds: s.dns.ttlSeconds + ROUTE53.resolverSlackSeconds,
    mechanism: `DNS: record TTL ${s.dns.ttlSeconds} s + ${ROUTE53.resolverSlackSeconds} s resolver slack`,
    fix: "lower dns.overrides.ttlSeconds",
  };
}

/** Route53 marks the primary unhealthy after interval x threshold, then DNS switches. */
export function route53Failover(s: DrSettings): Bound {
  const dns = dnsSwitch(s);
  if (!Number.isFinite(dns.seconds)) return dns;
  const detect = s.dns.healthCheckIntervalSeconds * s.dns.failureThreshold;
  return {
    seconds: detect + dns.seconds,
    mechanism: `Route53 health check ${s.dns.failureThreshold} x ${s.dns.healthCheckIntervalSeconds} s + ${dns.mechanism}`,
    fix: "lower dns.overrides.healthCheckIntervalSeconds / failureThreshold / ttlSeconds",
  };
}
