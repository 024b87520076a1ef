import { runResource } from "../../harness/policy-run";
import { pgClasses, postgresCr, replication } from "../fixtures";

describe("postgres-synchronous-mode", () => {
  it("passes synchronous_mode on for agent_configurations (RPO 0)", async () => {
    expect((await runResource("postgres-synchronous-mode", postgresCr())).messages).toEqual([]);
  });
  it("flags synchronous_mode off where a class has RPO 0", async () => {
    const { messages } = await runResource("postgres-synchronous-mode", postgresCr({ patroni: { synchronous_mode: false } }));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/synchronous replication: agent_configurations has RPO 0.*synchronous_mode is false/);
  });
  it("flags a single instance that cannot have a synchronous standby once, with the one change that helps (not an override the user never set)", async () => {
    const { messages } = await runResource("postgres-synchronous-mode", postgresCr({ instances: 1, patroni: { synchronous_mode: false } }));
    expect(messages).toEqual([expect.stringMatching(/numberOfInstances is 1 .*Fix: set postgres.instances to at least 2 \(synchronous mode is then derived on\)\.$/)]);
  });
  it("does not require it when no class has RPO 0", async () => {
    const noZero = pgClasses.filter((c) => c.name !== "agent_configurations");
    expect((await runResource("postgres-synchronous-mode", postgresCr({ patroni: { synchronous_mode: false }, classes: noZero }))).messages).toEqual([]);
  });
});
