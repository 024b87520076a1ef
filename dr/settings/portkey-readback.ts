import { DEGRADED_TARGET, type PortkeyConfig, type PortkeyTarget } from "../../contract/llm-gateway";
import type { LlmGatewaySettings } from "./types";

/**
 * The settings a rendered config runs with, read back from it (the policy pack observes the route
 * Secret through this): what a hand edit of the header changes, the budget sees.
 */
export function settingsFromPortkeyConfig(config: PortkeyConfig, regions: string[], replicas: number): LlmGatewaySettings {
  const degradedAt = config.targets.findIndex((t) => t.override_params?.model === DEGRADED_TARGET.model);
  const providers = degradedAt >= 0 ? config.targets.slice(0, degradedAt) : config.targets;
  const first = providers[0];
  // The slowest provider decides the budget: the largest timeout and retries any provider has (no timeout: a hang holds forever).
  const timeoutMs = Math.max(...providers.map((t) => t.request_timeout ?? Infinity));
  const retries = Math.max(...providers.map((t) => t.retry?.attempts ?? 0));
  return {
    providers: providers.map((t, i) => ({ name: nameOf(t, i), provider: t.provider, baseUrl: t.custom_host, model: t.override_params?.model ?? "" })),
    requestTimeoutSeconds: timeoutMs / 1000,
    retries,
    retryStatusCodes: first?.retry?.on_status_codes ?? [],
    failoverStatusCodes: config.strategy?.on_status_codes ?? [],
    // The degraded responder must be the last target, or providers after it are never reached and it is not "last".
    degradedResponse: degradedAt >= 0 && degradedAt === config.targets.length - 1,
    handoff: degradedAt >= 0,
    replicas,
    regions,
  };
}

function nameOf(t: PortkeyTarget, i: number): string {
  try {
    return `${new URL(t.custom_host).hostname}#${i}`;
  } catch {
    return `${t.provider}#${i}`;
  }
}
