import { parseStackConfig } from "../../../dr/targets";
import { runStackPolicy } from "../../harness/policy-run";
import { pgClasses, postgresCr, bucketSet, replication } from "../fixtures";

describe("bucket-replication", () => {
  const pg = postgresCr();
  it("passes primary -> DR-region bucket with RTC", async () => {
    const rs = [pg, ...bucketSet("p", "us-east-1"), ...bucketSet("d", "us-west-2"), replication("p", "d")];
    expect((await runStackPolicy("bucket-replication", rs)).messages).toEqual([]);
  });
  it("flags a source bucket that is not replicated when a class must survive region loss", async () => {
    const { messages } = await runStackPolicy("bucket-replication", [pg, ...bucketSet("p", "us-east-1")]);
    expect(messages).toEqual([expect.stringMatching(/S3 cross-region replication: backup bucket p is not replicated to another region/)]);
  });
  it("flags replication into the same region", async () => {
    const rs = [pg, ...bucketSet("p", "us-east-1"), ...bucketSet("d", "us-east-1"), replication("p", "d")];
    expect((await runStackPolicy("bucket-replication", rs)).messages.join()).toMatch(/in the same region \(us-east-1\)/);
  });
  it("reads the region from the provider when the resource has none", async () => {
    const d = bucketSet("d", "us-west-2").map((r) => ({ ...r, inputs: { ...r.inputs, region: undefined }, region: "us-west-2" }));
    const rs = [pg, ...bucketSet("p", "us-east-1"), ...d, replication("p", "d")];
    expect((await runStackPolicy("bucket-replication", rs)).messages).toEqual([]);
  });
  it("flags replication without RTC when a PostgreSQL region-loss RPO is tight", async () => {
    const rs = [pg, ...bucketSet("p", "us-east-1"), ...bucketSet("d", "us-west-2"), replication("p", "d", false)];
    expect((await runStackPolicy("bucket-replication", rs)).messages).toEqual([expect.stringMatching(/S3 Replication Time Control is off on p/)]);
  });
  it("requires nothing when no class must survive region loss (staging)", async () => {
    const staging = parseStackConfig({ regions: { primary: "us-east-1" }, dataClasses: Object.fromEntries(pgClasses.map((c) => [c.name, { scenarios: { "region-loss": { rpo: "unbounded", rto: "unbounded" } } }])) }, "staging");
    const cr = postgresCr({ classes: staging.dataClasses.filter((c) => c.store === "postgres") });
    expect((await runStackPolicy("bucket-replication", [cr, ...bucketSet("p", "us-east-1")])).messages).toEqual([]);
  });
});
