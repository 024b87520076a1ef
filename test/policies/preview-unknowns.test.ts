import { runStackPolicy } from "../harness/policy-run";
import { postgresCr, bucketSet, replication } from "./fixtures";

describe("values still unknown in a preview", () => {
  const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  it("bucket-protection skips only the TLS check while the policy document is unknown", async () => {
    const set = bucketSet("b1", "us-east-1", ["bucketVersioning"]);
    set.find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy")!.inputs.policy = UNKNOWN;
    const { messages } = await runStackPolicy("bucket-protection", set);
    expect(messages).toEqual([expect.stringMatching(/lacks versioning/)]);
    expect(messages[0]).not.toMatch(/TLS/);
  });
  it("bucket-replication does not guess while the destination ARN is unknown", async () => {
    const rep = replication("p", "d");
    rep.inputs.rules[0].destination.bucket = UNKNOWN;
    const rs = [postgresCr(), ...bucketSet("p", "us-east-1"), ...bucketSet("d", "us-west-2"), rep];
    expect((await runStackPolicy("bucket-replication", rs)).messages).toEqual([]);
  });
});
