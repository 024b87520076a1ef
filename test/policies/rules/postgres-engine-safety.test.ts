import { runStackPolicy, type Res } from "../../harness/policy-run";
import { postgresCr } from "../fixtures";

describe("postgres-engine-safety", () => {
  const run = async (...rs: Res[]) => (await runStackPolicy("postgres-engine-safety", rs)).messages;
  it("passes the shape the tier renders (3 instances, one synchronous standby, Spilo's senders)", async () => {
    expect(await run(postgresCr())).toEqual([]);
    expect(await run(postgresCr({ parameters: { fsync: "on", full_page_writes: "true", max_wal_senders: "3" } }))).toEqual([]);
  });
  it("flags durability switched off, in any spelling PostgreSQL accepts", async () => {
    expect(await run(postgresCr({ parameters: { fsync: "off" } }))).toEqual([expect.stringMatching(/fsync = "off": .*Fix: set postgres.overrides.parameters.fsync to "on"/)]);
    expect(await run(postgresCr({ parameters: { fsync: "0" } }))).toHaveLength(1);
    expect(await run(postgresCr({ parameters: { full_page_writes: "no" } }))).toEqual([expect.stringMatching(/torn page/)]);
  });
  it("flags too few WAL senders, counting the stream of a standby cluster on the cluster it streams from", async () => {
    expect(await run(postgresCr({ parameters: { max_wal_senders: "2" } }))).toEqual([expect.stringMatching(/max_wal_senders 2 < 3 \(2 replica\(s\) \+ 1 for a replica being rebuilt\)/)]);
    const primary = postgresCr({ parameters: { max_wal_senders: "3" } });
    const standby = postgresCr({ parameters: { max_wal_senders: "3" } });
    standby.name = "agent-pg-prod-dr";
    standby.inputs.metadata = { ...standby.inputs.metadata, name: "agent-pg-prod-dr" };
    standby.inputs.spec.standby = { standby_host: "primary.example" };
    expect(await run(primary, standby)).toEqual([expect.stringMatching(/^postgresql agent-pg-prod: max_wal_senders 3 < 4 .*\+ 1 for the DR standby/)]);
  });
  it("flags synchronous standbys the cluster can not have, and a lag limit no replica meets", async () => {
    expect(await run(postgresCr({ patroni: { synchronous_node_count: 3 } }))).toEqual([expect.stringMatching(/synchronous_node_count 3 with 3 instances: .*Fix: set postgres.overrides.synchronousNodeCount to at most 2/)]);
    expect(await run(postgresCr({ instances: 1 }))).toEqual([expect.stringMatching(/synchronous_mode with 1 instance/)]);
    expect(await run(postgresCr({ patroni: { synchronous_mode: false, maximum_lag_on_failover: 0 } }))).toEqual([expect.stringMatching(/maximum_lag_on_failover 0/)]);
    expect(await run(postgresCr({ patroni: { maximum_lag_on_failover: 0 } }))).toEqual([]);
  });
});
