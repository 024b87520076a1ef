import { LLM } from "../../../dr/engine-facts";
import type { LlmGatewaySettings } from "../../../dr/settings/types";

/** One target of Portkey's config (the fields we use; Portkey's names). */
export interface PortkeyTarget {
  provider: string;
  api_key: string;
  custom_host: string;
  override_params: { model: string };
  request_timeout: number;
  retry: { attempts: number; on_status_codes?: number[] };
}

/** Portkey's routing config: the `x-portkey-config` header's value. */
export interface PortkeyConfig {
  strategy: { mode: "fallback"; on_status_codes: number[] };
  targets: PortkeyTarget[];
}

/** The degraded responder's model name and key: it checks neither, they only satisfy Portkey's target shape. */
export const DEGRADED_TARGET = { provider: "openai", model: "agent-dr-degraded", apiKey: "agent-dr-degraded" } as const;

/**
 * The fallback chain as Portkey runs it: the providers in order, each with the per-attempt timeout
 * and retries, then the degraded responder (an OpenAI-compatible endpoint in the same pod) when the
 * stack has one. Timeout and retry are set on every target rather than inherited from the top
 * level, so what the budget reads is what each attempt gets. The chain moves on only on the
 * failover statuses; any other answer (a 400 for a bad request, say) goes back to the client as is.
 */
export function renderPortkeyConfig(l: LlmGatewaySettings, apiKeys: Record<string, string>, degradedBaseUrl?: string): PortkeyConfig {
  const targets: PortkeyTarget[] = l.providers.map((p) => {
    const key = apiKeys[p.name];
    if (key === undefined) throw new Error(`no API key for LLM provider "${p.name}"`);
    return {
      provider: p.provider,
      api_key: key,
      custom_host: p.baseUrl,
      override_params: { model: p.model },
      request_timeout: Math.round(l.requestTimeoutSeconds * 1000),
      retry: { attempts: l.retries, on_status_codes: [...l.retryStatusCodes] },
    };
  });
  if (l.degradedResponse) {
    if (!degradedBaseUrl) throw new Error("the chain ends in the degraded response, but no degraded responder URL was given");
    targets.push({
      provider: DEGRADED_TARGET.provider,
      api_key: DEGRADED_TARGET.apiKey,
      custom_host: degradedBaseUrl,
      override_params: { model: DEGRADED_TARGET.model },
      // Its hand-off may take two webhook tries; beyond the planned step something is wrong with the pod itself.
      request_timeout: LLM.degradedStepSeconds * 1000,
      retry: { attempts: 0 },
    });
  }
  return { strategy: { mode: "fallback", on_status_codes: [...l.failoverStatusCodes] }, targets };
}

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
