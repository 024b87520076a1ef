import fc from "fast-check";
import { dumpUploadHeaders, walgUploadHeaders } from "../../access/clients";
import { EvaluatorInputError, judge, type PolicyPath } from "../../access/evaluator";
import { iamChecksOf, kmsChecksOf, s3CallFromHttp, type S3Call } from "../../access/s3-operations";
import { backupBucketPolicy, walArchivePolicy } from "../../components/backup/iam-documents";

const ACCOUNT = "123456789012";
const BUCKET = "bk";
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/bucket-key`;
const OTHER_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/other-key`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/walg`;
const identity = [{ name: "walg", policy: walArchivePolicy({ bucketArn: BUCKET_ARN, keyArn: KEY, region: "us-east-1", prefix: "spilo/c/" }) }];
const s3Path: PolicyPath = { principal: ROLE, identityPolicies: identity, resourcePolicy: { name: "bucket policy", policy: backupBucketPolicy(BUCKET_ARN, KEY) }, resourceAccount: ACCOUNT };
const keyPath: PolicyPath = {
  principal: ROLE,
  identityPolicies: identity,
  resourcePolicy: { name: "key policy", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }] } },
  resourceAccount: ACCOUNT,
};
const enc = { bucket: BUCKET, region: "us-east-1", keyArn: KEY, bucketKey: true };

describe("the evaluator as we use it", () => {
  test("conditions on kms:EncryptionContext:aws:s3:arn are honoured both ways (the pinned evaluator needed teaching)", async () => {
    const gdk = (arn: string) => ({ action: "kms:GenerateDataKey", resource: KEY, context: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": arn } });
    expect((await judge(gdk(BUCKET_ARN), keyPath)).verdict).toBe("Allowed");
    expect((await judge(gdk("arn:aws:s3:::another-bucket"), keyPath)).verdict).toBe("ImplicitlyDenied");
    // Another service than S3 may not use the key on the role's behalf.
    expect((await judge({ ...gdk(BUCKET_ARN), context: { ...gdk(BUCKET_ARN).context, "kms:ViaService": "ec2.us-east-1.amazonaws.com" } }, keyPath)).verdict).toBe("ImplicitlyDenied");
  });

  test("a context key the action does not take is refused, not silently dropped", async () => {
    await expect(judge({ action: "s3:GetObject", resource: `${BUCKET_ARN}/spilo/c/x`, context: { "s3:not-a-key": "x" } }, s3Path)).rejects.toThrow(EvaluatorInputError);
  });

  test("law of the bucket policy, over every encryption a client may name: an upload is allowed exactly when it names no encryption or SSE-KMS, and no key or the bucket's key", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(undefined, "aws:kms", "AES256", "aws:kms:dsse", "aws:fsx"),
        fc.constantFrom(undefined, KEY, OTHER_KEY, "alias/aws/s3"),
        fc.constantFrom("PutObject", "CreateMultipartUpload") as fc.Arbitrary<"PutObject" | "CreateMultipartUpload">,
        async (sse, kmsKeyId, api) => {
          const call: S3Call = { api, bucket: BUCKET, key: "spilo/c/wal/15/wal_005/x.zst", headers: { ...(sse ? { sse } : {}), ...(kmsKeyId ? { kmsKeyId } : {}) }, tls: true };
          const [check] = iamChecksOf(call);
          const { verdict } = await judge(check, s3Path);
          const allowed = (sse === undefined || sse === "aws:kms") && (kmsKeyId === undefined || kmsKeyId === KEY);
          expect([sse, kmsKeyId, verdict]).toEqual([sse, kmsKeyId, allowed ? "Allowed" : "ExplicitlyDenied"]);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("the parts of a multipart upload carry no header and are allowed; over plain HTTP everything is refused", async () => {
    for (const api of ["UploadPart", "CompleteMultipartUpload", "AbortMultipartUpload"] as const) {
      const [check] = iamChecksOf({ api, bucket: BUCKET, key: "spilo/c/base/part_1", tls: true });
      expect(check.context["s3:x-amz-server-side-encryption"]).toBeUndefined();
      expect([api, (await judge(check, s3Path)).verdict]).toEqual([api, "Allowed"]);
      const [plain] = iamChecksOf({ api, bucket: BUCKET, key: "spilo/c/base/part_1", tls: false });
      expect(await judge(plain, s3Path)).toEqual({ verdict: "ExplicitlyDenied", deciding: ["bucket policy: DenyInsecureTransport denies"] });
    }
  });
});

describe("S3 calls as IAM sees them", () => {
  const http = (method: string, pathAndQuery: string, headers: Record<string, string> = {}, body?: string) => {
    const u = new URL(`https://h${pathAndQuery}`);
    return s3CallFromHttp({ method, path: u.pathname, query: u.searchParams, headers, tls: true, ...(body ? { body } : {}) });
  };
  test.each([
    ["PUT", "/bk/a/b.zst", {}, "PutObject", "s3:PutObject"],
    ["POST", "/bk/a/b?uploads", {}, "CreateMultipartUpload", "s3:PutObject"],
    ["PUT", "/bk/a/b?partNumber=2&uploadId=u", {}, "UploadPart", "s3:PutObject"],
    ["POST", "/bk/a/b?uploadId=u", {}, "CompleteMultipartUpload", "s3:PutObject"],
    ["DELETE", "/bk/a/b?uploadId=u", {}, "AbortMultipartUpload", "s3:AbortMultipartUpload"],
    ["GET", "/bk/a/b", {}, "GetObject", "s3:GetObject"],
    ["HEAD", "/bk/a/b", {}, "HeadObject", "s3:GetObject"],
    ["GET", "/bk?list-type=2&prefix=a%2F", {}, "ListObjectsV2", "s3:ListBucket"],
    ["DELETE", "/bk/a/b", {}, "DeleteObject", "s3:DeleteObject"],
    ["DELETE", "/bk/a/b?versionId=v", {}, "DeleteObjectVersion", "s3:DeleteObjectVersion"],
    ["PUT", "/bk?policy", {}, "PutBucketPolicy", "s3:PutBucketPolicy"],
    ["PUT", "/bk/a/c", { "x-amz-copy-source": "/bk/a/b" }, "CopyObject", "s3:PutObject"],
  ])("%s %s (headers %j) is %s, authorized as %s", (method, p, headers, api, action) => {
    const call = http(method, p, headers);
    expect(call.api).toBe(api);
    expect(iamChecksOf(call)[0].action).toBe(action);
  });

  test("the list prefix and the batch delete's keys become what IAM checks", () => {
    expect(iamChecksOf(http("GET", "/bk?list-type=2&prefix=spilo%2Fc%2F"))[0].context["s3:prefix"]).toBe("spilo/c/");
    const del = http("POST", "/bk?delete", {}, "<Delete><Object><Key>spilo/c/1</Key></Object><Object><Key>spilo/c/2&amp;3</Key></Object></Delete>");
    expect(iamChecksOf(del).map((c) => `${c.action} ${c.resource}`)).toEqual(["s3:DeleteObject arn:aws:s3:::bk/spilo/c/1", "s3:DeleteObject arn:aws:s3:::bk/spilo/c/2&3"]);
  });

  test("an operation no workload performs is refused by the parser, never guessed", () => {
    expect(() => http("GET", "/")).toThrow(/listing buckets/);
    expect(() => http("PUT", "/bk?tagging")).toThrow(/not modelled/);
  });

  test.each([
    ["PUT", "/bk/a/b?tagging"],
    ["PUT", "/bk/a/b?acl"],
    ["PUT", "/bk/a/b?legal-hold"],
    ["GET", "/bk/a/b?tagging"],
    ["GET", "/bk/a/b?acl"],
    ["GET", "/bk/a/b?retention"],
    ["GET", "/bk/a/b?uploadId=u"],
    ["GET", "/bk/a/b?versionId=v"],
    ["GET", "/bk?versioning"],
    ["GET", "/bk?uploads"],
    ["GET", "/bk?versions"],
    ["GET", "/bk?policy"],
    ["DELETE", "/bk/a/b?tagging"],
    ["POST", "/bk/a/b?select&select-type=2"],
  ])("%s %s names a sub-resource (another IAM action): refused, never judged as the plain call", (method, p) => {
    expect(() => http(method, p)).toThrow(/not modelled/);
  });

  test("S3's own KMS calls: write -> GenerateDataKey on the named key, read and complete -> Decrypt on the bucket's key, bucket key context", () => {
    const put: S3Call = { api: "PutObject", bucket: BUCKET, key: "k", headers: { sse: "aws:kms", kmsKeyId: OTHER_KEY }, tls: true };
    expect(kmsChecksOf(put, enc)).toEqual([{ action: "kms:GenerateDataKey", resource: OTHER_KEY, context: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": BUCKET_ARN, "aws:SecureTransport": "true" } }]);
    expect(kmsChecksOf({ api: "CompleteMultipartUpload", bucket: BUCKET, key: "k", tls: true }, { ...enc, bucketKey: false })[0]).toMatchObject({ action: "kms:Decrypt", resource: KEY, context: { "kms:EncryptionContext:aws:s3:arn": `${BUCKET_ARN}/k` } });
    expect(kmsChecksOf({ api: "ListObjectsV2", bucket: BUCKET, tls: true }, enc)).toEqual([]);
  });
});

describe("what the production clients send, from the env we render", () => {
  test.each([
    [[{ name: "WALG_S3_SSE", value: "aws:kms" }, { name: "WALG_S3_SSE_KMS_ID", value: KEY }], { sse: "aws:kms", kmsKeyId: KEY }],
    [[], { sse: "AES256" }],
    [[{ name: "WALG_DISABLE_S3_SSE", value: "true" }], {}],
    [[{ name: "WALG_DISABLE_S3_SSE", value: "false" }], { sse: "AES256" }],
    [[{ name: "WALG_S3_SSE", value: "AES256" }], { sse: "AES256" }],
  ])("WAL-G with %j sends %j", (env, headers) => {
    expect(walgUploadHeaders(env)).toEqual(headers);
  });

  test("WAL-G and the dump upload refuse aws:kms without a key id, as the real clients do", () => {
    expect(() => walgUploadHeaders([{ name: "WALG_S3_SSE", value: "aws:kms" }])).toThrow(/WALG_S3_SSE_KMS_ID must be set/);
    expect(() => dumpUploadHeaders([{ name: "S3_SSE", value: "aws:kms" }])).toThrow(/S3_SSE_KMS_KEY_ID/);
    expect(dumpUploadHeaders([{ name: "S3_SSE", value: "aws:kms" }, { name: "S3_SSE_KMS_KEY_ID", value: KEY }])).toEqual({ sse: "aws:kms", kmsKeyId: KEY });
    expect(dumpUploadHeaders([])).toEqual({});
  });
});
