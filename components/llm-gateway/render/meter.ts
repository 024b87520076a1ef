import { chainWorstSeconds } from "../../../dr/budget/llm";
import { providerWorstSeconds } from "../../../dr/settings/llm";
import type { LlmGatewaySettings } from "../../../dr/settings/types";
import { DEGRADED_LABEL } from "../../../contract/llm-gateway";

type EnvVar = { name: string; value: string };

/** A healthy answer's range, and a 5xx or 429 failover's (one retry after 1 s): where most requests land. */
const BASE_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The chain's targets by our names, in the order Portkey tries them: the index its header reports maps to these. */
export function meterTargetNames(l: LlmGatewaySettings): string[] {
  return [...l.providers.map((p) => p.name), ...(l.degradedResponse ? [DEGRADED_LABEL] : [])];
}

/**
 * The latency histogram's bounds: the healthy range, then every bound the budget predicts (the
 * per-attempt timeout, k failing providers' worst case for k = 1..n, the chain's worst case) and
 * the RTO, so the p99 alert compares at a bucket bound, not inside a bucket; then twice the
 * largest, so a p99 beyond the budget is reported above it rather than at the last bound.
 */
export function meterLatencyBuckets(l: LlmGatewaySettings, rtoSeconds?: number): number[] {
  const worst = providerWorstSeconds(l.requestTimeoutSeconds, l.retries);
  const budget = [l.requestTimeoutSeconds, ...l.providers.map((_, i) => (i + 1) * worst), chainWorstSeconds(l), ...(rtoSeconds !== undefined && Number.isFinite(rtoSeconds) ? [rtoSeconds] : [])];
  const top = Math.max(...budget);
  return [...new Set([...BASE_BUCKETS_SECONDS, ...budget, 2 * top])].sort((a, b) => a - b);
}

export interface MeterPorts {
  /** Where clients reach the meter (the gateway Service's target). */
  listen: number;
  /** Portkey's port on localhost. */
  portkey: number;
  /** The meter's /metrics and /healthz. */
  metrics: number;
  /** The degraded responder's port, whose /metrics the meter serves on with its own. */
  degraded?: number;
}

/**
 * The gateway meter's environment, from the settings alone: the chain's target names (so the
 * answering index becomes a name), the statuses that fail a target, the histogram's bounds. The
 * drill renders it with its own loopback ports and host.
 */
export function gatewayMeterEnv(l: LlmGatewaySettings, ports: MeterPorts, rtoSeconds?: number, host = "0.0.0.0"): EnvVar[] {
  return [
    { name: "PORT", value: String(ports.listen) },
    { name: "HOST", value: host },
    { name: "UPSTREAM_URL", value: `http://127.0.0.1:${ports.portkey}` },
    { name: "METRICS_PORT", value: String(ports.metrics) },
    { name: "TARGETS", value: meterTargetNames(l).join(",") },
    { name: "FAILOVER_STATUS_CODES", value: l.failoverStatusCodes.join(",") },
    { name: "LATENCY_BUCKETS", value: meterLatencyBuckets(l, rtoSeconds).join(",") },
    ...(l.degradedResponse && ports.degraded !== undefined ? [{ name: "RELAY_METRICS_URL", value: `http://127.0.0.1:${ports.degraded}/metrics` }] : []),
  ];
}
