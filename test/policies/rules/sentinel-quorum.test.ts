import { runStackPolicy } from "../../harness/policy-run";
import { redisConfigMap, GOOD_REDIS, sentinelStatefulSet } from "../fixtures";

describe("sentinel-quorum", () => {
  it("passes quorum 2 of 3 Sentinels", async () => {
    expect((await runStackPolicy("sentinel-quorum", [redisConfigMap(GOOD_REDIS), sentinelStatefulSet(3)])).messages).toEqual([]);
  });
  it("flags quorum 1 of 3 (a minority can declare the primary down)", async () => {
    const { messages } = await runStackPolicy("sentinel-quorum", [redisConfigMap(GOOD_REDIS, ["sentinel monitor agent-redis h 6379 1"]), sentinelStatefulSet(3)]);
    expect(messages).toEqual([expect.stringMatching(/quorum 1 for agent-redis in agent-redis with 3 Sentinels: below a majority \(2\)/)]);
  });
  it("flags a quorum above the number of Sentinels", async () => {
    const { messages } = await runStackPolicy("sentinel-quorum", [redisConfigMap(GOOD_REDIS, ["sentinel monitor agent-redis h 6379 4"]), sentinelStatefulSet(3)]);
    expect(messages.join()).toMatch(/no failover ever starts/);
  });
});
