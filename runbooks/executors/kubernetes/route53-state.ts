import type { EndpointState } from "../types";

/** One side of a Route53 failover record pair as the runbook sees it. */
export interface FailoverSide {
  /** The record has a health check (a secondary without one counts as healthy, like Route53 does). */
  healthCheckId?: string;
  /** Share of Route53 checkers whose last observation was a success (0..1). */
  successRatio?: number;
  inverted?: boolean;
}

/** Route53 calls a check healthy when more than 18% of its checkers report healthy (Route53 developer guide). */
export const HEALTHY_RATIO = 0.18;

export function effectiveHealthy(side: FailoverSide): boolean {
  if (!side.healthCheckId) return true;
  const raw = (side.successRatio ?? 0) > HEALTHY_RATIO;
  return side.inverted ? !raw : raw;
}

/** Which target a PRIMARY/SECONDARY failover pair answers with, and whether the runbook forced it. */
export function failoverDecision(primary: FailoverSide, secondary: FailoverSide): EndpointState {
  const primaryHealthy = effectiveHealthy(primary);
  const drHealthy = effectiveHealthy(secondary);
  return {
    serving: primaryHealthy ? "primary" : drHealthy ? "dr" : "none",
    primaryHealthy,
    drHealthy,
    forced: primary.inverted === true,
  };
}

/** What forceEndpoint must do to the primary health check (invert to force DR, un-invert to undo), or nothing. */
export function forceAction(to: "primary" | "dr", primary: FailoverSide): { invert: boolean } | undefined {
  if (!primary.healthCheckId) return undefined;
  if (to === "dr") return effectiveHealthy(primary) && !primary.inverted ? { invert: true } : undefined;
  return primary.inverted ? { invert: false } : undefined;
}
