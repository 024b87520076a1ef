import { runStackPolicy } from "../../harness/policy-run";
import { bucketSet } from "../fixtures";

describe("bucket-protection", () => {
  it("passes a versioned, SSE-KMS, private, TLS-only bucket", async () => {
    expect((await runStackPolicy("bucket-protection", bucketSet("b1", "us-east-1"))).messages).toEqual([]);
  });
  it.each([
    ["bucketVersioning", /versioning/],
    ["bucketServerSideEncryption", /SSE-KMS/],
    ["bucketPublicAccessBlock", /public access block/],
    ["bucketPolicy", /TLS only/],
  ])("flags a bucket without %s", async (omit, expected) => {
    const { messages } = await runStackPolicy("bucket-protection", bucketSet("b1", "us-east-1", [omit]));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/backup bucket b1 lacks/);
    expect(messages[0]).toMatch(expected);
  });
  it("flags SSE-S3 (AES256) as not SSE-KMS", async () => {
    const set = bucketSet("b1", "us-east-1");
    set[2].inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm = "AES256";
    expect((await runStackPolicy("bucket-protection", set)).messages.join()).toMatch(/SSE-KMS/);
  });
});
