/**
 * The LLM gateway's alert rules on the meter's metrics, with worked numbers: what each threshold
 * is for prod, for a looser target, for a chain whose worst case exceeds the target, and with an
 * override (the derived value kept beside it). promtool runs the same rules in
 * test/real/signals-promtool.test.ts.
 */
import { alertRules } from "../../components/signals/render/prometheus-rules";
import type { AlertRule } from "../../components/signals/render/model";
import { deriveSettings } from "../../dr/settings";
import { parseStackConfig, rawConfigFrom } from "../../dr/targets";
import { readStackFile, stackFilePath } from "../../offline/stack-files";

const JOBS = { namespace: "agent-dr", logicalBackup: "lb", restoreDrill: "rd" };

function rules(stack: "prod" | "staging", edit: (raw: any) => void = () => undefined): AlertRule[] {
  const raw = rawConfigFrom(readStackFile(stackFilePath(stack)).config) as Record<string, any>;
  edit(raw);
  const config = parseStackConfig(raw, stack);
  return alertRules(config, deriveSettings(config), JOBS);
}
const one = (rs: AlertRule[], alert: string) => {
  const found = rs.filter((r) => r.alert === alert && r.source === "prometheus-primary");
  expect(found).toHaveLength(1);
  return found[0];
};
const rto = (value: string) => (raw: any) => (raw.dataClasses = { ...(raw.dataClasses ?? {}), agent_responses: { scenarios: { "llm-provider-outage": { rto: value } } } });

describe("the gateway meter's alerts", () => {
  test("prod: a target failing > 50% for 30 s (critical), > 1% fallbacks for 30 s (warning), p99 above the chain's 27 s for 30 s (critical); in both regions", () => {
    const rs = rules("prod");
    const failing = one(rs, "LlmProviderFailing");
    expect([failing.severity, failing.threshold, failing.forSeconds]).toEqual(["critical", 30, 30]);
    expect(failing.expr).toBe("sum by (provider) (increase(agent_dr_llm_provider_failures_total[1m])) / sum by (provider) (increase(agent_dr_llm_provider_attempts_total[1m])) > 0.5");
    expect(failing.why).toMatch(/more than 50% of its requests \(after its own 1 retry\) is down, not flaky; for longer than the 30s llm-provider-outage RTO .* up to the budget's 11 s per failing provider/);

    const fallback = one(rs, "LlmFallbackActive");
    expect([fallback.severity, fallback.threshold, fallback.forSeconds]).toEqual(["warning", 30, 30]);
    expect(fallback.expr).toBe("sum(increase(agent_dr_llm_fallbacks_total[1m])) / sum(increase(agent_dr_llm_requests_total[1m])) > 0.01");
    expect(fallback.why).toMatch(/Above 1% \(1 - the p99 the latency budget watches\) the p99 user pays a failed provider's cost, up to 11 s each/);

    const p99 = one(rs, "LlmLatencyP99AboveBudget");
    expect([p99.severity, p99.threshold, p99.forSeconds]).toEqual(["critical", 27, 30]);
    expect(p99.expr).toBe('histogram_quantile(0.99, sum by (le) (rate(agent_dr_llm_request_duration_seconds_bucket{stream="false"}[1m]))) > 27');
    expect(p99.why).toContain("2 provider(s) x 11 s (2 attempt(s) x 5 s per-attempt timeout + 1 s retry backoff) + 5 s degraded step = 27 s, within the 30s RTO");

    for (const alert of ["LlmProviderFailing", "LlmFallbackActive", "LlmLatencyP99AboveBudget"]) {
      expect(rs.filter((r) => r.alert === alert).map((r) => r.source).sort()).toEqual(["prometheus-dr", "prometheus-primary"]);
    }
    expect(rules("staging").filter((r) => r.alert === "LlmLatencyP99AboveBudget").map((r) => r.source)).toEqual(["prometheus-primary"]);
  });

  test("an RTO of 1 min: a 13 s timeout, 27 s per provider, so the p99 budget is 59 s and the holds 60 s", () => {
    const rs = rules("prod", rto("1m"));
    // (60 - 5) / 2 = 27.5 s per provider; (27.5 - 1) / 2 = 13.25 -> 13 s; 2 x 13 + 1 = 27 s; 2 x 27 + 5 = 59 s.
    expect([one(rs, "LlmLatencyP99AboveBudget").threshold, one(rs, "LlmLatencyP99AboveBudget").forSeconds]).toEqual([59, 60]);
    expect(one(rs, "LlmProviderFailing").forSeconds).toBe(60);
    expect(one(rs, "LlmFallbackActive").forSeconds).toBe(60);
  });

  test("a chain whose worst case exceeds the RTO: the p99 budget is the RTO, and the reason says so", () => {
    const rs = rules("prod", (raw) => (raw.llm.overrides = { requestTimeoutSeconds: 20 }));
    const p99 = one(rs, "LlmLatencyP99AboveBudget");
    // 2 x (2 x 20 + 1) + 5 = 87 s > 30 s.
    expect(p99.threshold).toBe(30);
    expect(p99.expr).toMatch(/ > 30$/);
    expect(p99.why).toMatch(/= 87 s, exceeds the 30s llm-provider-outage RTO \(the budget row fails\): the threshold is the RTO/);
  });

  test("overrides replace the threshold and keep what the targets derive beside it", () => {
    const rs = rules("prod", (raw) => (raw.signals = { ...raw.signals, overrides: { LlmProviderFailing: 120, LlmFallbackActive: 10, LlmLatencyP99AboveBudget: 40 } }));
    const failing = one(rs, "LlmProviderFailing");
    expect([failing.threshold, failing.forSeconds, failing.overridden, failing.derived?.value]).toEqual([120, 120, true, 30]);
    const fallback = one(rs, "LlmFallbackActive");
    expect([fallback.threshold, fallback.forSeconds, fallback.derived?.value]).toEqual([10, 10, 30]);
    const p99 = one(rs, "LlmLatencyP99AboveBudget");
    expect([p99.threshold, p99.expr.endsWith(" > 40"), p99.derived?.value]).toEqual([40, true, 27]);
    expect(p99.why).toBe("agent-dr:signals.overrides.LlmLatencyP99AboveBudget = 40s");
  });
});
