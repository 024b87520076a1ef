import type { ObservedResource } from "../observe";
import { TYPES } from "../lib/resources";
import { typePolicy } from "../lib/define";

/** Route53 answers with a PRIMARY record until its health check fails; without one it never fails over. */
export function checkFailoverHealthCheck(r: ObservedResource, report: (m: string) => void): void {
  const policies: any[] = r.inputs.failoverRoutingPolicies ?? [];
  if (!policies.some((p) => p?.type === "PRIMARY")) return;
  const id = r.inputs.healthCheckId;
  if (typeof id !== "string" || id.trim() === "") {
    report(`Route53 PRIMARY failover record ${r.inputs.name ?? r.name} has no healthCheckId: Route53 treats it as always healthy and never answers with the SECONDARY. Fix: attach a health check (HTTPS on the health path; a CloudWatch-alarm check for private endpoints).`);
  }
}

export const failoverHealthCheck = typePolicy(TYPES.record, checkFailoverHealthCheck, {
  name: "failover-health-check",
  severity: "high",
  description: "Every PRIMARY Route53 failover record has a health check.",
});
