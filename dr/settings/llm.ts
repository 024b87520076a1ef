import { LLM, PORTKEY } from "../engine-facts";
import type { DataClass, LlmConfig, StackConfig } from "../targets";
import type { LlmGatewaySettings } from "./types";

/**
 * Every failure that must move a request to the next provider, as the gateway reports it: the
 * provider's own 5xx and 429, the gateway's 408 for an attempt past the timeout, and its 500 for a
 * refused connection. A chain that leaves one out keeps users on a broken provider in that mode.
 */
export const REQUIRED_FAILOVER_STATUS_CODES: readonly number[] = [PORTKEY.timeoutStatus, 429, PORTKEY.connectionErrorStatus, 502, 503, 504];

/** What the retries of one provider wait in total: async-retry's 1 s, 2 s, 4 s ... (randomize off). */
export function retryBackoffSeconds(retries: number): number {
  let total = 0;
  for (let k = 0; k < retries; k++) total += PORTKEY.retryBackoffFirstSeconds * PORTKEY.retryBackoffFactor ** k;
  return total;
}

/** The longest one failing provider can hold a request: every attempt runs to the timeout, with the backoff between. */
export function providerWorstSeconds(requestTimeoutSeconds: number, retries: number): number {
  return (retries + 1) * requestTimeoutSeconds + retryBackoffSeconds(retries);
}

/** The tightest llm-provider-outage RTO of the classes the gateway serves (Infinity when none is bounded). */
export function llmOutageRtoSeconds(dataClasses: readonly DataClass[]): number {
  return Math.min(...dataClasses.filter((c) => c.store === "llm-gateway").map((c) => c.targets["llm-provider-outage"].rtoSeconds));
}

/**
 * The per-attempt timeout and retries from the target: the chain's providers share the RTO left
 * after the degraded step, each worst case (retries + 1) x timeout + backoff. One retry absorbs a
 * single transient error; where a retry does not fit in a provider's share at the smallest timeout,
 * none is made. Overrides replace the derived values (the budget then judges them).
 */
export function deriveLlm(config: StackConfig, llm: LlmConfig): LlmGatewaySettings {
  const rto = llmOutageRtoSeconds(config.dataClasses);
  const n = llm.providers.length;
  const share = Number.isFinite(rto) ? (rto - (llm.degraded ? LLM.degradedStepSeconds : 0)) / n : Infinity;
  const timeoutFor = (retries: number) => (share - retryBackoffSeconds(retries)) / (retries + 1);
  const derivedRetries = timeoutFor(1) >= LLM.minRequestTimeoutSeconds ? 1 : 0;
  const derivedTimeout = Number.isFinite(share)
    ? Math.min(LLM.maxRequestTimeoutSeconds, Math.max(LLM.minRequestTimeoutSeconds, Math.floor(timeoutFor(derivedRetries))))
    : 60;
  return {
    providers: llm.providers.map(({ name, provider, baseUrl, model }) => ({ name, provider, baseUrl, model })),
    requestTimeoutSeconds: llm.overrides.requestTimeoutSeconds ?? derivedTimeout,
    retries: llm.overrides.retries ?? derivedRetries,
    retryStatusCodes: [...PORTKEY.defaultRetryStatusCodes],
    failoverStatusCodes: llm.failoverStatusCodes ?? [...REQUIRED_FAILOVER_STATUS_CODES],
    degradedResponse: llm.degraded !== undefined,
    handoff: llm.degraded !== undefined,
    replicas: llm.replicas,
    regions: [config.regions.primary, ...(config.regions.dr ? [config.regions.dr] : [])],
  };
}
