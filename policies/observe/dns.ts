import type { DnsSettings } from "../../dr/settings";
import { ROUTE53 } from "../../dr/engine-facts";
import type { Planning } from "../../dr/targets/planning";
import { ObservedResource, ofType } from "./resource";

const failoverType = (r: ObservedResource): string | undefined => (r.inputs.failoverRoutingPolicies ?? [])[0]?.type;
const target = (r: ObservedResource): string | undefined => (r.inputs.records ?? [])[0];

/**
 * Is an input set? A health check id is computed by AWS, so during a CrossGuard preview of a new
 * stack it is unknown and reading it throws; set-but-unknown still means the record has a check.
 */
function isSet(inputs: Record<string, any>, key: string): boolean {
  if (!(key in inputs)) return false;
  try {
    const v = inputs[key];
    return v !== undefined && v !== null && v !== "";
  } catch {
    return true;
  }
}

/**
 * DNS failover of the platform's public endpoint (agent-dr:endpoints.api), from its Route53 records
 * and health check as deployed. The TTL is the PRIMARY's (the answer clients cached before the
 * failure); interval and threshold are those of the health check that probes the PRIMARY's target.
 * A SECONDARY counts only when it shares the PRIMARY's name and zone and the PRIMARY carries a health
 * check (without one Route53 never fails over). Missing pieces fall back to Route53's defaults
 * (interval 30 s, threshold 3) and the recommended 60 s TTL, which is what an unset field means.
 */
export function observeDns(resources: ObservedResource[], planning: Planning): DnsSettings {
  const api = planning.endpoints.api;
  const records = ofType(resources, "aws:route53/record:Record").filter((r) => api !== undefined && r.inputs.name === api.name && r.inputs.zoneId === api.zoneId);
  const primary = records.find((r) => failoverType(r) === "PRIMARY");
  const secondary = records.find((r) => failoverType(r) === "SECONDARY");
  const checks = ofType(resources, "aws:route53/healthCheck:HealthCheck");
  const primaryTarget = primary ? target(primary) : api?.primaryTarget;
  const check = checks.find((c) => primaryTarget !== undefined && c.inputs.fqdn === primaryTarget);
  const checked = primary !== undefined && isSet(primary.inputs, "healthCheckId");
  return {
    ttlSeconds: primary?.inputs.ttl ?? ROUTE53.recommendedTtlSeconds,
    healthCheckIntervalSeconds: check?.inputs.requestInterval ?? 30,
    failureThreshold: check?.inputs.failureThreshold ?? 3,
    hasSecondary: checked && secondary !== undefined,
  };
}
