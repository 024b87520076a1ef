import { LLM } from "../../../dr/engine-facts";
import type { LlmGatewaySettings } from "../../../dr/settings/types";
import { DEGRADED_TARGET, type PortkeyConfig, type PortkeyTarget } from "../../../contract/llm-gateway";
export { DEGRADED_TARGET, type PortkeyConfig, type PortkeyTarget } from "../../../contract/llm-gateway";
export { settingsFromPortkeyConfig } from "../../../dr/settings/portkey-readback";

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

