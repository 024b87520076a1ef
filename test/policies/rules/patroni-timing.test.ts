import { runResource } from "../../harness/policy-run";
import { postgresCr } from "../fixtures";

describe("patroni-timing", () => {
  it("passes ttl 20, loop_wait 5, retry_timeout 7 (5 + 14 <= 20)", async () => {
    expect((await runResource("patroni-timing", postgresCr())).messages).toEqual([]);
  });
  it("flags loop_wait + 2 x retry_timeout > ttl", async () => {
    const { messages } = await runResource("patroni-timing", postgresCr({ patroni: { loop_wait: 60 } }));
    expect(messages).toEqual([expect.stringMatching(/loop_wait 60 s \+ 2 x retry_timeout 7 s = 74 s > ttl 20 s/)]);
  });
  it("flags values under Patroni's floors", async () => {
    const { messages } = await runResource("patroni-timing", postgresCr({ patroni: { ttl: 10, loop_wait: 0, retry_timeout: 2 } }));
    expect(messages.join("\n")).toMatch(/ttl 10 s is below the floor of 20 s/);
    expect(messages.join("\n")).toMatch(/loop_wait 0 s is below the floor of 1 s/);
    expect(messages.join("\n")).toMatch(/retry_timeout 2 s is below the floor of 3 s/);
  });
});
