import { LLM, PORTKEY } from "../engine-facts";
import { providerWorstSeconds, REQUIRED_FAILOVER_STATUS_CODES, retryBackoffSeconds } from "../settings/llm";
import type { DrSettings, LlmGatewaySettings } from "../settings/types";
import type { DataClass, Scenario } from "../targets";
import type { Bound } from "./types";

/** What each failure mode looks like at the gateway, to name the one a chain would not fail over on. */
const MODE_OF_STATUS: Record<number, string> = {
  [PORTKEY.timeoutStatus]: "a provider that hangs (the gateway's own 408 after the per-attempt timeout)",
  429: "a provider that rate-limits (429)",
  [PORTKEY.connectionErrorStatus]: "a provider that errs or refuses connections (500; a refused connection is reported as 500)",
  502: "a provider behind a failing proxy (502)",
  503: "a provider that is unavailable (503)",
  504: "a provider whose gateway times out (504)",
};

const FAILOVER_CODES_FIX = `set llm.failoverStatusCodes to the statuses of every failure mode, e.g. [${REQUIRED_FAILOVER_STATUS_CODES.join(", ")}]`;

/** Time for the whole chain to end in an answer: every provider failing in the slowest way, then the degraded step. */
export function chainWorstSeconds(l: LlmGatewaySettings): number {
  return l.providers.length * providerWorstSeconds(l.requestTimeoutSeconds, l.retries) + (l.degradedResponse ? LLM.degradedStepSeconds : 0);
}

/**
 * The longest one request may take through the gateway by the budget: the chain's worst case, or
 * the RTO where that is shorter (the budget row then already fails: a request beyond the target is
 * a breach whatever the model says). What the gateway meter's p99 is held to.
 */
export function requestLatencyBudget(l: LlmGatewaySettings, rtoSeconds: number): { seconds: number; chainWorstSeconds: number; providerWorstSeconds: number; exceedsTarget: boolean } {
  const chain = chainWorstSeconds(l);
  return { seconds: Math.min(chain, rtoSeconds), chainWorstSeconds: chain, providerWorstSeconds: providerWorstSeconds(l.requestTimeoutSeconds, l.retries), exceedsTarget: chain > rtoSeconds };
}

/**
 * The largest per-attempt timeout with which the chain still answers within `rtoSeconds`, at the
 * given retries; below the smallest timeout we accept, undefined.
 */
export function maxRequestTimeoutFor(l: Pick<LlmGatewaySettings, "providers" | "degradedResponse">, retries: number, rtoSeconds: number): number | undefined {
  const share = (rtoSeconds - (l.degradedResponse ? LLM.degradedStepSeconds : 0)) / l.providers.length;
  const t = Math.floor((share - retryBackoffSeconds(retries)) / (retries + 1));
  return t >= LLM.minRequestTimeoutSeconds ? Math.min(t, LLM.maxRequestTimeoutSeconds) : undefined;
}

export function llmBound(c: DataClass, scenario: Scenario, s: DrSettings): { rpo: Bound; rto: Bound } {
  const l = s.llm;
  if (scenario !== "llm-provider-outage" || !l) {
    const none: Bound = { seconds: Infinity, mechanism: "unprotected: no LLM gateway is deployed, so a provider outage reaches every agent", fix: "set agent-dr:llm (docs/LLM-GATEWAY.md)" };
    return { rpo: none, rto: none };
  }
  const target = c.targets[scenario].rtoSeconds;
  const missing = REQUIRED_FAILOVER_STATUS_CODES.filter((code) => !l.failoverStatusCodes.includes(code));
  const rpo: Bound = l.degradedResponse
    ? { seconds: 0, mechanism: "the gateway stores nothing (RPO does not apply): every request ends in a provider's answer or the degraded response with a hand-off" }
    : { seconds: Infinity, mechanism: "a request every provider fails ends in an error: no defined answer and no hand-off to a person", fix: "set llm.degraded (a message and the human queue's handoffWebhook)" };
  if (missing.length > 0) {
    return {
      rpo,
      rto: {
        seconds: Infinity,
        mechanism: `failoverStatusCodes [${l.failoverStatusCodes.join(", ")}] leave out ${missing.map((m) => MODE_OF_STATUS[m] ?? String(m)).join("; ")}: the chain never moves on in that mode and users keep getting the error`,
        fix: FAILOVER_CODES_FIX,
      },
    };
  }
  if (!l.degradedResponse) {
    return {
      rpo,
      rto: {
        seconds: Infinity,
        mechanism: `fallback chain ${l.providers.map((p) => p.name).join(" -> ")} without a degraded step: when every provider fails the user gets the last provider's raw error`,
        fix: "set llm.degraded (a message and the human queue's handoffWebhook)",
      },
    };
  }
  const backoff = retryBackoffSeconds(l.retries);
  const seconds = chainWorstSeconds(l);
  const mechanism =
    `Portkey fallback chain ${l.providers.map((p) => p.name).join(" -> ")} -> degraded response: ${l.providers.length} provider(s) x ` +
    `(${l.retries + 1} attempt(s) x ${l.requestTimeoutSeconds} s per-attempt timeout + ${backoff} s retry backoff) + ${LLM.degradedStepSeconds} s degraded response and hand-off; ` +
    `no circuit breaker, so every request tries ${l.providers[0].name} first and pays up to ${providerWorstSeconds(l.requestTimeoutSeconds, l.retries)} s while it is down`;
  return { rpo, rto: { seconds, mechanism, ...remedy(l, target) } };
}

/** A Fix that makes the chain fit the target, computed from it; none when only a shorter chain would. */
function remedy(l: LlmGatewaySettings, target: number): { fix?: string } {
  if (!Number.isFinite(target)) return {};
  const t = maxRequestTimeoutFor(l, l.retries, target);
  if (t !== undefined) return { fix: `set llm.overrides.requestTimeoutSeconds to at most ${t} (each of ${l.providers.length} provider(s) then fails within ${providerWorstSeconds(t, l.retries)} s)` };
  const t0 = maxRequestTimeoutFor(l, 0, target);
  if (t0 !== undefined) return { fix: `set llm.overrides.retries to 0, and llm.overrides.requestTimeoutSeconds to at most ${t0}` };
  return { fix: `shorten the chain (agent-dr:llm.providers): ${l.providers.length} providers at the smallest per-attempt timeout (${LLM.minRequestTimeoutSeconds} s) do not fit` };
}

/** Time until requests are served by the standby once the primary provider fails, and back once it returns. */
export function llmSwitchSeconds(l: LlmGatewaySettings): { toStandby: number; backToPrimary: number; mechanism: string } {
  const worst = providerWorstSeconds(l.requestTimeoutSeconds, l.retries);
  return {
    toStandby: worst,
    backToPrimary: 0,
    mechanism: `no circuit breaker in the open-source gateway: the first request after the fault reaches ${l.providers[1]?.name ?? "the next step"} once ${l.providers[0].name} has failed it (at most ${worst} s), and the first request after ${l.providers[0].name} returns is served by it again`,
  };
}
