import { runResource, type Res } from "../../harness/policy-run";
import { redisConfigMap, GOOD_REDIS } from "../fixtures";

describe("redis-persistence", () => {
  it("passes AOF everysec for session_state (RPO 15 s)", async () => {
    expect((await runResource("redis-persistence", redisConfigMap(GOOD_REDIS))).messages).toEqual([]);
  });
  it("flags appendonly no: RDB alone loses up to 300 s", async () => {
    const { messages } = await runResource("redis-persistence", redisConfigMap(GOOD_REDIS.map((l) => (l === "appendonly yes" ? "appendonly no" : l))));
    expect(messages).toEqual([expect.stringMatching(/Redis AOF: appendonly is off.*up to 5m.*session_state/)]);
  });
  it("flags appendfsync no (about 30 s of loss) against a 15 s RPO", async () => {
    const { messages } = await runResource("redis-persistence", redisConfigMap(GOOD_REDIS.map((l) => (l === "appendfsync everysec" ? "appendfsync no" : l))));
    expect(messages).toEqual([expect.stringMatching(/appendfsync no can lose up to 30s/)]);
  });
  it("does not apply to ConfigMaps without redis.conf", async () => {
    const cm: Res = { type: "kubernetes:core/v1:ConfigMap", name: "other", inputs: { metadata: { name: "other" }, data: { a: "b" } } };
    expect((await runResource("redis-persistence", cm)).notApplicable).toBe(true);
  });
});
