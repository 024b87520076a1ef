import type { DnsSettings } from "../../dr/settings";
import type { StackConfig } from "../../dr/targets";
import { ObservedResource, ofType } from "./resource";

/** DNS failover settings of the platform's public endpoint, from its Route53 records and health check. */
export function observeDns(resources: ObservedResource[], config: StackConfig): DnsSettings {
  const apiName = config.endpoints.api?.name;
  const records = ofType(resources, "aws:route53/record:Record").filter((r) => apiName === undefined || r.inputs.name === apiName);
  const policy = (r: ObservedResource) => (r.inputs.failoverRoutingPolicies ?? [])[0]?.type;
  const primary = records.find((r) => policy(r) === "PRIMARY");
  const secondary = records.find((r) => policy(r) === "SECONDARY");
  const checks = ofType(resources, "aws:route53/healthCheck:HealthCheck");
  const check = checks.find((c) => apiName !== undefined && c.inputs.fqdn === config.endpoints.api?.primaryTarget) ?? checks[0];
  return {
    ttlSeconds: primary?.inputs.ttl ?? 60,
    healthCheckIntervalSeconds: check?.inputs.requestInterval ?? 30,
    failureThreshold: check?.inputs.failureThreshold ?? 3,
    hasSecondary: primary !== undefined && secondary !== undefined && primary.inputs.healthCheckId !== undefined,
  };
}
