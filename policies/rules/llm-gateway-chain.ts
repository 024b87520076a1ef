import { maxRequestTimeoutFor } from "../../dr/budget";
import { LLM } from "../../dr/engine-facts";
import type { ObservedResource } from "../observe";
import { observeLlm } from "../observe/llm";
import { environmentOf } from "../lib/resources";
import { declaredClasses } from "../lib/targets";
import { stackPolicy } from "../lib/define";

/**
 * The LLM gateway's chain holds up when a provider fails: in prod more than one provider (a
 * single-provider chain has nothing to fail over to), a per-attempt timeout the RTO target leaves
 * room for (a hung provider holds every request that long, per attempt), a degraded response as
 * the last step (else users get the last provider's raw error and nobody hears of it), and at least
 * two gateway pods per region. recovery-targets judges the whole chain's time; this names the knob.
 */
export function checkLlmGatewayChain(resources: ObservedResource[], report: (m: string, urn?: string) => void): void {
  const l = observeLlm(resources);
  if (!l) return;
  const env = environmentOf(resources);
  const cls = declaredClasses(resources).find((d) => d.dataClass.store === "llm-gateway");
  const target = cls?.dataClass.targets["llm-provider-outage"].rtoSeconds ?? Infinity;
  if (env === "prod" && l.providers.length < 2) {
    report(`LLM gateway: the prod chain has a single provider (${l.providers.map((p) => p.name).join(", ")}): when it fails there is nothing to fail over to and every agent answer degrades. Fix: add a second provider (another vendor, or another region of the same one) to agent-dr:llm.providers.`);
  }
  if (!l.degradedResponse) {
    report(`LLM gateway: the chain ${l.providers.map((p) => p.name).join(" -> ")} ends without the degraded response: when every provider fails the user gets the last provider's raw error and no person hears of the request. Fix: set agent-dr:llm.degraded (a message and the human queue's handoffWebhook).`);
  }
  if (Number.isFinite(target)) {
    const max = maxRequestTimeoutFor(l, l.retries, target);
    if (max === undefined || l.requestTimeoutSeconds > max) {
      const fix = max !== undefined ? `set llm.overrides.requestTimeoutSeconds to at most ${max}` : `set llm.overrides.retries to 0, or relax the target (the smallest per-attempt timeout is ${LLM.minRequestTimeoutSeconds} s)`;
      report(`LLM gateway: per-attempt timeout ${l.requestTimeoutSeconds} s with ${l.retries} retr${l.retries === 1 ? "y" : "ies"} over ${l.providers.length} provider(s) is longer than the ${cls!.dataClass.name} llm-provider-outage RTO of ${target} s allows: a hung provider holds each request ${l.retries + 1} x ${l.requestTimeoutSeconds} s before the next is tried. Fix: ${fix}.`);
    }
  }
  if (env === "prod" && l.replicas < 2) {
    report(`LLM gateway: ${l.replicas} pod per region: a drain or a lost node stops every agent's model calls in that region. Fix: set llm.replicas to 2.`);
  }
}

export const llmGatewayChain = stackPolicy({
  name: "llm-gateway-chain",
  description: "The LLM gateway fails over: in prod at least two providers and two pods per region, a per-attempt timeout within the llm-provider-outage RTO, and a degraded response with a hand-off as the last step.",
  severity: "high",
  skip: (rs) => (!observeLlm(rs) ? "no LLM gateway is deployed" : undefined),
  check: checkLlmGatewayChain,
});
