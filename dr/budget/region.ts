import { CLOUDWATCH, ROUTE53 } from "../engine-facts";
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
      fix: "lower agent-dr:failover.controller.intervalSeconds (keep failureThreshold at least 2, so one failed probe never moves the region)",
    };
  }
  const paged = outageAnswered(s, "approves the region promotion");
  if (!Number.isFinite(paged.seconds)) return paged;
  const slowPage = s.failover.pageDelaySeconds > CLOUDWATCH.alarmPeriodSeconds ? `, or lower signals.overrides.Route53HealthCheckFailing (the alarm holds ${s.failover.pageDelaySeconds} s before it pages)` : "";
  return { ...paged, fix: `enable the failover controller in automatic mode, or shorten agent-dr:failover.manualResponseMinutes${slowPage}` };
}

/**
 * From an outage of the primary region's endpoint to a person acting on it: Route53 must see it,
 * its alarm must page someone, then on-call answers. Unbounded when no alarm watches the endpoint
 * or the alarm topic has nobody subscribed.
 */
export function outageAnswered(s: DrSettings, action: string): Bound {
  const route53Detect = s.dns.healthCheckIntervalSeconds * s.dns.failureThreshold;
  if (!Number.isFinite(s.failover.pageDelaySeconds)) {
    return {
      seconds: Infinity,
      mechanism: "no alarm on the Route53 health check pages anyone",
      fix: "set agent-dr:endpoints.api (its health check gets a paging alarm), or enable the failover controller (agent-dr:failover.controller.enabled)",
    };
  }
  if (!s.failover.pagedVia) {
    return {
      seconds: Infinity,
      mechanism: "the health-check alarm pages nobody: its SNS topic has no subscriber",
      fix: "set agent-dr:signals.onCallWebhook (the stack subscribes it to the alarm topic), or name the subscription made outside the stack in agent-dr:signals.onCallSubscriber",
    };
  }
  return {
    seconds: route53Detect + s.failover.pageDelaySeconds + s.failover.manualResponseSeconds,
    mechanism: `Route53 marks the primary unhealthy (${s.dns.healthCheckIntervalSeconds} s x ${s.dns.failureThreshold}), the alarm pages (${s.failover.pageDelaySeconds} s, ${s.failover.pagedVia}), on-call ${action} (${fmtMinutes(s.failover.manualResponseSeconds)})`,
    fix: "shorten agent-dr:failover.manualResponseMinutes",
  };
}

/**
 * From a logical corruption to on-call acting on it. No signal of the stack can tell a bad
 * migration from a wanted one, so the time until it is reported is the declared assumption
 * agent-dr:failover.corruptionNoticedMinutes; without it the path has no bound.
 */
export function corruptionAnswered(s: DrSettings, action: string): Bound {
  const noticed = s.failover.corruptionNoticedSeconds;
  if (noticed === undefined) {
    return {
      seconds: Infinity,
      mechanism: "nothing bounds how long a logical corruption goes unnoticed (no signal can tell a bad write from a wanted one)",
      fix: "declare how soon your application's checks or users report a corruption to on-call (agent-dr:failover.corruptionNoticedMinutes)",
    };
  }
  return {
    seconds: noticed + s.failover.manualResponseSeconds,
    mechanism: `corruption reported to on-call within ${fmtMinutes(noticed)} (declared: agent-dr:failover.corruptionNoticedMinutes), on-call ${action} (${fmtMinutes(s.failover.manualResponseSeconds)})`,
    fix: "shorten agent-dr:failover.corruptionNoticedMinutes (faster checks) or agent-dr:failover.manualResponseMinutes",
  };
}

function fmtMinutes(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${Math.round(seconds / 6) / 10} min`;
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
