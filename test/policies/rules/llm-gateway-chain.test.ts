/**
 * The llm-gateway-chain policy on the prod plan: a single provider, a per-attempt timeout the
 * target does not allow, or no degraded step fails it (the printed Fix, applied, passes), and the
 * budget's llm-provider-outage row is read back from the resources.
 */
import * as fs from "fs";
import { parse } from "yaml";
import { deepMerge, planStack } from "../../harness/offline";

/** The patch a "Fix: set llm.overrides.<key> to at most <n>" sentence asks for (test/stack/unsafe-settings.test.ts reads every form). */
function fixPatch(message: string): Record<string, unknown> {
  const m = /Fix: set llm\.overrides\.(\w+) to at most (\d+)/.exec(message);
  if (!m) throw new Error(`no llm.overrides Fix in: ${message}`);
  return { "agent-dr:llm": { overrides: { [m[1]]: Number(m[2]) } } };
}
const prodLlm = () => parse(fs.readFileSync("Pulumi.prod.yaml", "utf8")).config["agent-dr:llm"];

describe("the llm-provider-outage budget and the llm-gateway-chain policy in prod", () => {
  test("the plan has the row, read back from the resources, and no violation", async () => {
    const plan = await planStack("prod");
    const rows = plan.budget.filter((b) => b.scenario === "llm-provider-outage");
    expect(rows).toEqual([expect.objectContaining({ dataClass: "agent_responses", ok: true, predicted: { rpoSeconds: 0, rtoSeconds: 27 } })]);
    expect(plan.violations).toEqual([]);
  }, 60_000);

  test("a chain with a single provider fails, naming it", async () => {
    const plan = await planStack("prod", { "agent-dr:llm": { providers: [prodLlm().providers[0]] } });
    const found = plan.violations.filter((v) => v.policy === "llm-gateway-chain");
    expect(found.map((v) => v.message)).toEqual([expect.stringMatching(/the prod chain has a single provider \(openai\)/)]);
  }, 60_000);

  test("no degraded step fails both the chain policy and the budget", async () => {
    const plan = await planStack("prod", { "agent-dr:llm": { degraded: null } });
    expect(plan.violations.map((v) => v.policy).sort()).toEqual(["llm-gateway-chain", "recovery-targets"]);
    expect(plan.violations.find((v) => v.policy === "llm-gateway-chain")!.message).toMatch(/ends without the degraded response/);
  }, 60_000);

  test("a per-attempt timeout beyond what the target allows fails; the Fix as written passes", async () => {
    const patch = { "agent-dr:llm": { overrides: { requestTimeoutSeconds: 20 } } };
    const plan = await planStack("prod", patch);
    const messages = plan.violations.map((v) => `${v.policy}: ${v.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^recovery-targets: agent_responses \/ llm-provider-outage: .*RTO 87s > 30s: Portkey fallback chain .*Fix: set llm.overrides.requestTimeoutSeconds to at most 5/),
      expect.stringMatching(/^llm-gateway-chain: LLM gateway: per-attempt timeout 20 s with 1 retry over 2 provider\(s\) is longer than the agent_responses llm-provider-outage RTO of 30 s allows.*Fix: set llm.overrides.requestTimeoutSeconds to at most 5\./),
    ]);
    const fixed = await planStack("prod", plan.violations.map((v) => fixPatch(v.message)).reduce((a, f) => deepMerge(a, f), patch));
    expect(fixed.violations).toEqual([]);
  }, 120_000);
});
