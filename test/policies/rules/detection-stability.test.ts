import { runStackPolicy, type Res } from "../../harness/policy-run";
import { redisConfigMap, GOOD_REDIS } from "../fixtures";

describe("detection-stability", () => {
  const hc = (failureThreshold: number): Res => ({ type: "aws:route53/healthCheck:HealthCheck", name: "api-primary-check", inputs: { failureThreshold, requestInterval: 10, tags: { Name: "api-primary" } } });
  it("passes Sentinel at 2 s and Route53 at 2 failures", async () => {
    expect((await runStackPolicy("detection-stability", [redisConfigMap(GOOD_REDIS, ["sentinel monitor m h 6379 2", "sentinel down-after-milliseconds m 2000"]), hc(2)])).messages).toEqual([]);
  });
  it("flags a Sentinel that declares a primary dead after one late PING, and a health check that fails on one probe", async () => {
    const m = (await runStackPolicy("detection-stability", [redisConfigMap(GOOD_REDIS, ["sentinel monitor m h 6379 2", "sentinel down-after-milliseconds m 1999"]), hc(1)])).messages;
    expect(m).toEqual([expect.stringMatching(/down-after-milliseconds 1999 for m .*Fix: set redis.overrides.downAfterMilliseconds to at least 2000/), expect.stringMatching(/failureThreshold 1 .*Fix: set dns.overrides.failureThreshold to at least 2/)]);
  });
});
