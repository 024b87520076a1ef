import { requestLatencyBudget } from "../../../dr/budget/llm";
import { retryBackoffSeconds, type DrSettings } from "../../../dr/settings";
import type { StackConfig } from "../../../dr/targets";
import { LLM_METER_METRICS } from "../../../contract/llm-gateway";
import { alertGuideLink, tightestTarget } from "./grouping";
import { overridableRule } from "./rule-builder";
import { AlertRule, formatSeconds } from "./model";

/** The quantile of the request latency held to the budget. */
export const LLM_LATENCY_QUANTILE = 0.99;
/**
 * A target failing more than this share of the requests it is tried on is down, not flaky: its
 * own retries already absorb single errors (a request counts against it only when every attempt
 * failed), so more failed than served means it serves nobody reliably.
 */
export const LLM_PROVIDER_DOWN_RATIO = 0.5;
/** Rates over one minute: a few scrapes at any usual interval, short against the RTOs the gateway has. */
const RATE_WINDOW = "1m";
/** The window in which one failed hand-off to the human queue pages. */
const HANDOFF_WINDOW_SECONDS = 300;

/**
 * Alerts on the LLM gateway. From the degraded responder's own metrics: users getting the degraded
 * answer for longer than the llm-provider-outage RTO (every provider is down past the target), and
 * hand-offs that reached no person. From the gateway meter's (Portkey 1.15.2 exports none; the
 * meter reads its answers' headers): a target of the chain failing most requests for longer than
 * the RTO, fallbacks frequent enough to reach the p99 user for longer than the RTO, and the p99
 * latency above the budget's worst case per request. Evaluated by the Prometheus of every region
 * that runs a gateway.
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
  const group = { dataClasses, target: tightest.t, targets: classTargets };
  const M = LLM_METER_METRICS;
  const rto = formatSeconds(tightest.t.seconds);
  const budget = requestLatencyBudget(l, tightest.t.seconds);
  const fallbackRatio = Math.round((1 - LLM_LATENCY_QUANTILE) * 1e6) / 1e6;
  const n = l.providers.length;
  const chainWhy =
    `${n} provider(s) x ${budget.providerWorstSeconds} s (${l.retries + 1} attempt(s) x ${l.requestTimeoutSeconds} s per-attempt timeout + ${retryBackoffSeconds(l.retries)} s retry backoff)` +
    ` + ${budget.chainWorstSeconds - n * budget.providerWorstSeconds} s degraded step = ${budget.chainWorstSeconds} s`;
  const quantile = `p${Math.round(LLM_LATENCY_QUANTILE * 100)}`;
  return sources.flatMap((source): AlertRule[] => [
    overridableRule(
      config,
      group,
      "LlmDegradedResponses",
      {
        value: tightest.t.seconds,
        why: `The degraded response is served only after every provider failed the request; for longer than the ${rto} llm-provider-outage RTO users have had no model answer beyond the target.`,
      },
      (degradedFor) => ({
        source,
        mechanism: "llm-gateway",
        severity: "critical",
        threshold: degradedFor,
        unit: "seconds",
        forSeconds: degradedFor,
        expr: "sum(increase(agent_dr_llm_degraded_responses_total[1m])) > 0",
        summary: `Agents have answered with the degraded response for more than ${formatSeconds(degradedFor)}: every model provider of the chain is failing`,
        description: "{{ $value }} degraded responses in the last minute; each was handed to the human queue (see LlmHandoffFailing).",
        runbook,
      }),
    ),
    overridableRule(
      config,
      group,
      "LlmHandoffFailing",
      {
        value: HANDOFF_WINDOW_SECONDS,
        why: `One lost hand-off is a request lost: the degraded step promises a person, so any failure pages (window ${formatSeconds(HANDOFF_WINDOW_SECONDS)}).`,
      },
      (handoffWindow) => ({
        source,
        mechanism: "llm-gateway",
        severity: "critical",
        threshold: 0,
        unit: "count",
        forSeconds: 0,
        expr: `sum(increase(agent_dr_llm_handoffs_total{result="failed"}[${formatSeconds(handoffWindow)}])) > 0`,
        summary: "A degraded request could not be handed to the human queue: a user was told a person has it, and nobody does",
        description: `{{ $value }} hand-offs failed in the last ${formatSeconds(handoffWindow)} (the webhook refused, timed out or was unreachable twice).`,
        runbook,
      }),
      // The override is the count's window, not its threshold.
      { unit: "seconds", note: "(the window)" },
    ),
    overridableRule(
      config,
      group,
      "LlmProviderFailing",
      {
        value: tightest.t.seconds,
        why: `A target that failed more than ${LLM_PROVIDER_DOWN_RATIO * 100}% of its requests (after its own ${l.retries} retr${l.retries === 1 ? "y" : "ies"}) is down, not flaky; for longer than the ${rto} llm-provider-outage RTO the chain has run a step short for a whole target's time (each request paying up to the budget's ${budget.providerWorstSeconds} s per failing provider).`,
      },
      (failingFor) => ({
        source,
        mechanism: "llm-gateway",
        severity: "critical",
        threshold: failingFor,
        unit: "seconds",
        forSeconds: failingFor,
        expr:
          `sum by (provider) (increase(${M.providerFailures}[${RATE_WINDOW}])) / sum by (provider) (increase(${M.providerAttempts}[${RATE_WINDOW}]))` +
          ` > ${LLM_PROVIDER_DOWN_RATIO}`,
        summary: `LLM target {{ $labels.provider }} has failed most of the requests it was tried on for more than ${formatSeconds(failingFor)}`,
        description:
          `{{ $value | humanizePercentage }} of the requests tried on {{ $labels.provider }} in the last ${RATE_WINDOW} failed after its retries. A provider: the chain has lost a step and every request pays up to ${budget.providerWorstSeconds} s for it; ` +
          `"degraded" or "gateway": users get errors.`,
        runbook,
      }),
    ),
    overridableRule(
      config,
      group,
      "LlmFallbackActive",
      {
        value: tightest.t.seconds,
        why: `Above ${fallbackRatio * 100}% (1 - the ${quantile} the latency budget watches) the ${quantile} user pays a failed provider's cost, up to ${budget.providerWorstSeconds} s each; for longer than the ${rto} llm-provider-outage RTO it is no blip.`,
      },
      (fallbackFor) => ({
        source,
        mechanism: "llm-gateway",
        severity: "warning",
        threshold: fallbackFor,
        unit: "seconds",
        forSeconds: fallbackFor,
        expr: `sum(increase(${M.fallbacks}[${RATE_WINDOW}])) / sum(increase(${M.requests}[${RATE_WINDOW}])) > ${fallbackRatio}`,
        summary: `More than ${fallbackRatio * 100}% of the LLM requests have been answered by a later target than ${l.providers[0].name} for more than ${formatSeconds(fallbackFor)}`,
        description: `{{ $value | humanizePercentage }} of the requests in the last ${RATE_WINDOW} fell back: each paid a failed provider's cost first (up to ${budget.providerWorstSeconds} s per provider).`,
        runbook,
      }),
    ),
    overridableRule(
      config,
      group,
      "LlmLatencyP99AboveBudget",
      {
        value: budget.seconds,
        why: budget.exceedsTarget
          ? `The budget's worst case per request, ${chainWhy}, exceeds the ${rto} llm-provider-outage RTO (the budget row fails): the threshold is the RTO, beyond which a request breaks the target whatever the model says.`
          : `The budget's worst case per request is the chain's: ${chainWhy}, within the ${rto} RTO; a ${quantile} above it means requests take longer than every provider failing in the slowest way would (a timeout not holding, or a saturated gateway). Held for the RTO.`,
      },
      (latencyLimit) => ({
        source,
        mechanism: "llm-gateway",
        severity: "critical",
        threshold: latencyLimit,
        unit: "seconds",
        forSeconds: tightest.t.seconds,
        // Streamed answers last as long as the answer is long: their full duration is no failover measure.
        expr: `histogram_quantile(${LLM_LATENCY_QUANTILE}, sum by (le) (rate(${M.duration}_bucket{stream="false"}[${RATE_WINDOW}]))) > ${latencyLimit}`,
        summary: `The ${quantile} latency through the LLM gateway is above the ${formatSeconds(latencyLimit)} the budget allows a request`,
        description: `${quantile} of non-streamed requests over the last ${RATE_WINDOW}: {{ $value | humanizeDuration }}, for more than ${rto}.`,
        runbook,
      }),
    ),
  ]);
}
