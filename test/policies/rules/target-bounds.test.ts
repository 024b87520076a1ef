import { parseStackConfig } from "../../../dr/targets";
import { policyByName as byName, runStackPolicy } from "../../harness/policy-run";
import { defaultBounds } from "../../../policies/rules/target-bounds";
import { configWithDefaults } from "../../../policies/lib/config";
import { postgresCr, redisConfigMap, GOOD_REDIS } from "../fixtures";

describe("target-bounds", () => {
  const bounds = configWithDefaults<{ bounds: unknown }>(byName("target-bounds").configSchema!, {});
  it("passes the platform's published targets in prod", async () => {
    const rs = [postgresCr(), redisConfigMap(GOOD_REDIS)];
    expect((await runStackPolicy("target-bounds", rs, bounds)).messages).toEqual([]);
  });
  it("flags a prod conversation_history RPO looser than 60 s", async () => {
    const loose = parseStackConfig({ regions: { primary: "us-east-1", dr: "us-west-2" }, clusters: { primary: { context: "p" }, dr: { context: "d" } }, postgres: { standby: { peerCidrs: ["10.20.0.0/16"] } }, dataClasses: { conversation_history: { rpo: "5m" } } }, "prod");
    const rs = [postgresCr({ classes: loose.dataClasses.filter((c) => c.store === "postgres") }), redisConfigMap(GOOD_REDIS)];
    const { messages } = await runStackPolicy("target-bounds", rs, bounds);
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(messages.every((m) => /conversation_history \/ [a-z-]+ declares RPO 5m, above the prod bound of 60s/.test(m))).toBe(true);
  });
  it("flags a bounded class that no resource declares (tier missing)", async () => {
    const { messages } = await runStackPolicy("target-bounds", [postgresCr()], bounds);
    expect(messages).toEqual([expect.stringMatching(/session_state is bounded in prod but no resource declares its targets/)]);
  });
  it("a stricter organisation bound from config applies", async () => {
    const strict = { bounds: { prod: { analytics_logs: { rpoSeconds: 600 } } }, requireBoundedClasses: false };
    const { messages } = await runStackPolicy("target-bounds", [postgresCr(), redisConfigMap(GOOD_REDIS)], strict);
    // Every scenario of analytics_logs: 60m in four, 24h for credential-compromise.
    expect(messages.length).toBe(5);
    expect(messages[0]).toMatch(/analytics_logs \/ instance-loss declares RPO 60m, above the prod bound of 10m/);
  });
  it("default bounds leave staging's region loss unbounded", () => {
    expect(defaultBounds().staging.conversation_history.scenarios?.["region-loss"]).toEqual({});
    expect(defaultBounds().prod.agent_configurations.scenarios?.["region-loss"]).toEqual({ rpoSeconds: 60, rtoSeconds: 900 });
  });
});
