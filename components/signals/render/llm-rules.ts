import type { DrSettings } from "../../../dr/settings";
import type { StackConfig } from "../../../dr/targets";
import { alertGuideLink, overrideOf, tightestTarget } from "./grouping";
import { AlertRule, formatSeconds } from "./model";

/**
 * Alerts on the LLM gateway's last step, from the degraded responder's own metrics (Portkey 1.15.2
 * exports none): users getting the degraded answer for longer than the llm-provider-outage RTO
 * (every provider is down past the target), and hand-offs that reached no person. Evaluated by
 * the Prometheus of every region that runs a gateway.
 */
export function llmRules(config: StackConfig, settings: DrSettings): AlertRule[] {
  const l = settings.llm;
  const classes = config.dataClasses.filter((c) => c.store === "llm-gateway");
  if (!l || !l.degradedResponse || classes.length === 0) return [];
  const targets = classes.flatMap((c) => {
    const t = tightestTarget(c, "RTO", ["llm-provider-outage"]);
    return t ? [{ name: c.name, t }] : [];
  });
  if (targets.length === 0) return [];
  const tightest = targets.reduce((a, b) => (b.t.seconds < a.t.seconds ? b : a));
  const classTargets = Object.fromEntries(targets.map((x) => [x.name, x.t]));
  const dataClasses = targets.map((x) => x.name);
  const runbook = alertGuideLink(config, "llm-gateway");
  const sources: AlertRule["source"][] = l.regions.length > 1 ? ["prometheus-primary", "prometheus-dr"] : ["prometheus-primary"];
  const degradedOverride = overrideOf(config, "LlmDegradedResponses");
  const degradedFor = degradedOverride ?? tightest.t.seconds;
  const handoffOverride = overrideOf(config, "LlmHandoffFailing");
  const handoffWindow = handoffOverride ?? 300;
  return sources.flatMap((source): AlertRule[] => [
    {
      alert: "LlmDegradedResponses",
      source,
      dataClasses,
      target: tightest.t,
      classTargets,
      mechanism: "llm-gateway",
      severity: "critical",
      threshold: degradedFor,
      unit: "seconds",
      forSeconds: degradedFor,
      expr: "sum(increase(agent_dr_llm_degraded_responses_total[1m])) > 0",
      summary: `Agents have answered with the degraded response for more than ${formatSeconds(degradedFor)}: every model provider of the chain is failing`,
      description: "{{ $value }} degraded responses in the last minute; each was handed to the human queue (see LlmHandoffFailing).",
      why:
        degradedOverride !== undefined
          ? `agent-dr:signals.overrides.LlmDegradedResponses = ${degradedFor}s`
          : `The degraded response is served only after every provider failed the request; for longer than the ${formatSeconds(tightest.t.seconds)} llm-provider-outage RTO users have had no model answer beyond the target.`,
      runbook,
      overridden: degradedOverride !== undefined,
    },
    {
      alert: "LlmHandoffFailing",
      source,
      dataClasses,
      target: tightest.t,
      classTargets,
      mechanism: "llm-gateway",
      severity: "critical",
      threshold: 0,
      unit: "count",
      forSeconds: 0,
      expr: `sum(increase(agent_dr_llm_handoffs_total{result="failed"}[${formatSeconds(handoffWindow)}])) > 0`,
      summary: "A degraded request could not be handed to the human queue: a user was told a person has it, and nobody does",
      description: `{{ $value }} hand-offs failed in the last ${formatSeconds(handoffWindow)} (the webhook refused, timed out or was unreachable twice).`,
      why:
        handoffOverride !== undefined
          ? `agent-dr:signals.overrides.LlmHandoffFailing = ${handoffWindow}s (the window)`
          : `One lost hand-off is a request lost: the degraded step promises a person, so any failure pages (window ${formatSeconds(handoffWindow)}).`,
      runbook,
      overridden: handoffOverride !== undefined,
    },
  ]);
}
