/**
 * S3 API calls as IAM sees them: which action authorizes each call, on which resource, with which
 * condition keys, and which KMS calls S3 makes on the caller's behalf. One model for the request
 * matrix (what the production clients send) and the drills' policy-enforcing front (what the local
 * clients actually sent). Sources: the Service Authorization Reference for Amazon S3 (actions and
 * condition keys), S3 User Guide "Multipart upload API and permissions" and "Using SSE-KMS".
 */

export type S3Api =
  | "PutObject"
  | "CreateMultipartUpload"
  | "UploadPart"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "GetObject"
  | "HeadObject"
  | "ListObjectsV2"
  | "HeadBucket"
  | "GetBucketLocation"
  | "DeleteObject"
  | "DeleteObjects"
  | "DeleteObjectVersion"
  | "CopyObject"
  | "PutBucketPolicy"
  | "PutBucketLifecycleConfiguration"
  | "PutObjectLockConfiguration"
  | "PutBucketVersioning"
  | "PutObjectRetention";

/** Encryption headers a client sends (only where the API takes them). */
export interface SseHeaders {
  /** x-amz-server-side-encryption */
  sse?: string;
  /** x-amz-server-side-encryption-aws-kms-key-id */
  kmsKeyId?: string;
}

export interface S3Call {
  api: S3Api;
  bucket: string;
  /** Object key (object APIs) or, for ListObjectsV2, undefined. */
  key?: string;
  /** ListObjectsV2's prefix parameter (the s3:prefix condition key). */
  prefix?: string;
  /** DeleteObjects: every key of the batch (IAM checks s3:DeleteObject on each). */
  keys?: string[];
  /** CopyObject: the source "bucket/key". */
  copySource?: string;
  headers?: SseHeaders;
  /** Did the request arrive over TLS (aws:SecureTransport)? */
  tls: boolean;
}

/** One IAM authorization: the action, the ARN it is checked on, and the request's condition keys. */
export interface IamCheck {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

/** APIs that take the SSE headers: the ones that create an object. UploadPart and Complete carry none. */
const TAKES_SSE_HEADERS: ReadonlySet<S3Api> = new Set<S3Api>(["PutObject", "CreateMultipartUpload", "CopyObject"]);

export function takesSseHeaders(api: S3Api): boolean {
  return TAKES_SSE_HEADERS.has(api);
}

const BUCKET_ACTIONS: Partial<Record<S3Api, string>> = {
  ListObjectsV2: "s3:ListBucket",
  HeadBucket: "s3:ListBucket",
  GetBucketLocation: "s3:GetBucketLocation",
  PutBucketPolicy: "s3:PutBucketPolicy",
  PutBucketLifecycleConfiguration: "s3:PutLifecycleConfiguration",
  PutObjectLockConfiguration: "s3:PutBucketObjectLockConfiguration",
  PutBucketVersioning: "s3:PutBucketVersioning",
};

const OBJECT_ACTIONS: Partial<Record<S3Api, string>> = {
  // Every step of a multipart upload except the abort is authorized as s3:PutObject.
  PutObject: "s3:PutObject",
  CreateMultipartUpload: "s3:PutObject",
  UploadPart: "s3:PutObject",
  CompleteMultipartUpload: "s3:PutObject",
  AbortMultipartUpload: "s3:AbortMultipartUpload",
  GetObject: "s3:GetObject",
  HeadObject: "s3:GetObject",
  DeleteObject: "s3:DeleteObject",
  DeleteObjectVersion: "s3:DeleteObjectVersion",
  PutObjectRetention: "s3:PutObjectRetention",
};

function transport(call: S3Call): Record<string, string> {
  return { "aws:SecureTransport": call.tls ? "true" : "false" };
}

function sseContext(call: S3Call): Record<string, string> {
  if (!takesSseHeaders(call.api)) return {};
  const out: Record<string, string> = {};
  if (call.headers?.sse !== undefined) out["s3:x-amz-server-side-encryption"] = call.headers.sse;
  if (call.headers?.kmsKeyId !== undefined) out["s3:x-amz-server-side-encryption-aws-kms-key-id"] = call.headers.kmsKeyId;
  return out;
}

const objectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;

/** The IAM authorizations one S3 call needs (several for a batch delete or a copy). */
export function iamChecksOf(call: S3Call): IamCheck[] {
  const bucketArn = `arn:aws:s3:::${call.bucket}`;
  const bucketAction = BUCKET_ACTIONS[call.api];
  if (bucketAction) {
    const context: Record<string, string> = { ...transport(call) };
    if (call.api === "ListObjectsV2") context["s3:prefix"] = call.prefix ?? "";
    return [{ action: bucketAction, resource: bucketArn, context }];
  }
  if (call.api === "DeleteObjects") {
    return (call.keys ?? []).map((k) => ({ action: "s3:DeleteObject", resource: objectArn(call.bucket, k), context: transport(call) }));
  }
  if (call.key === undefined) throw new Error(`S3 ${call.api} on ${call.bucket}: an object API needs a key`);
  if (call.api === "CopyObject") {
    const checks: IamCheck[] = [{ action: "s3:PutObject", resource: objectArn(call.bucket, call.key), context: { ...transport(call), ...sseContext(call) } }];
    if (call.copySource) checks.push({ action: "s3:GetObject", resource: `arn:aws:s3:::${call.copySource.replace(/^\/+/, "")}`, context: transport(call) });
    return checks;
  }
  const action = OBJECT_ACTIONS[call.api];
  if (!action) throw new Error(`S3 ${call.api}: no IAM action mapped`);
  return [{ action, resource: objectArn(call.bucket, call.key), context: { ...transport(call), ...sseContext(call) } }];
}

/** The bucket's default encryption, as S3 applies it when an upload names none. */
export interface BucketEncryption {
  bucket: string;
  region: string;
  keyArn: string;
  /** S3 Bucket Keys: the encryption context S3 sends to KMS is the bucket ARN, not the object ARN. */
  bucketKey: boolean;
}

/**
 * The key an object would be encrypted with, or why the upload breaks the bucket's encryption
 * contract. An upload that names no key gets the bucket default; one asking for aws:kms without a
 * key id gets the AWS managed aws/s3 key (not the bucket's key, so not its key policy).
 */
export function resultingKey(call: S3Call, enc: BucketEncryption): { keyArn?: string; problem?: string } {
  const h = call.headers ?? {};
  if (h.sse === undefined) return { keyArn: enc.keyArn };
  if (h.sse !== "aws:kms" && h.sse !== "aws:kms:dsse") return { problem: `asks for ${h.sse}, not SSE-KMS with the bucket's key` };
  if (h.kmsKeyId === undefined) return { problem: "asks for aws:kms without a key id: S3 would use the AWS managed aws/s3 key" };
  return { keyArn: h.kmsKeyId };
}

/**
 * KMS calls S3 makes with the caller's credentials for an SSE-KMS object (S3 User Guide, "Using
 * SSE-KMS": GenerateDataKey to write, Decrypt to read and to complete a multipart upload).
 */
export function kmsChecksOf(call: S3Call, enc: BucketEncryption): IamCheck[] {
  const writes = call.api === "PutObject" || call.api === "CreateMultipartUpload" || call.api === "UploadPart" || call.api === "CopyObject";
  const reads = call.api === "GetObject" || call.api === "HeadObject" || call.api === "CompleteMultipartUpload";
  if (!writes && !reads) return [];
  // HEAD returns metadata only; S3 decrypts nothing.
  if (call.api === "HeadObject") return [];
  const keyArn = writes ? resultingKey(call, enc).keyArn : enc.keyArn;
  if (!keyArn || call.key === undefined) return [];
  const context = {
    "kms:ViaService": `s3.${enc.region}.amazonaws.com`,
    "kms:EncryptionContext:aws:s3:arn": enc.bucketKey ? `arn:aws:s3:::${enc.bucket}` : objectArn(enc.bucket, call.key),
    "aws:SecureTransport": "true",
  };
  return [{ action: writes ? "kms:GenerateDataKey" : "kms:Decrypt", resource: keyArn, context }];
}

/** Query parameters that only shape a listing or a read; any other key names a sub-resource (another action). */
const LIST_PARAMS = new Set(["list-type", "prefix", "delimiter", "continuation-token", "max-keys", "start-after", "encoding-type", "fetch-owner", "marker"]);
const READ_PARAMS = new Set(["partNumber", "response-content-type", "response-content-language", "response-expires", "response-cache-control", "response-content-disposition", "response-content-encoding"]);

function onlyParams(q: URLSearchParams, allowed: ReadonlySet<string>, what: string): void {
  const extra = [...q.keys()].filter((k) => !allowed.has(k));
  if (extra.length) throw new Error(`${what} with ?${extra.join("&")}: a sub-resource no workload uses, so it is not modelled`);
}

/**
 * The S3 call an HTTP request makes (path-style addressing, as the drills' clients use). Only what
 * the drills send is recognised; anything else throws (a sub-resource such as ?tagging or ?acl is
 * another IAM action), so the front refuses instead of judging it as something it is not.
 */
export function s3CallFromHttp(req: { method: string; path: string; query: URLSearchParams; headers: Record<string, string | undefined>; tls: boolean; body?: string }): S3Call {
  const [bucket, ...rest] = req.path.replace(/^\/+/, "").split("/");
  const key = rest.length ? decodeURIComponent(rest.join("/")) : undefined;
  const q = req.query;
  const h = req.headers;
  const headers: SseHeaders = {
    ...(h["x-amz-server-side-encryption"] !== undefined ? { sse: h["x-amz-server-side-encryption"] } : {}),
    ...(h["x-amz-server-side-encryption-aws-kms-key-id"] !== undefined ? { kmsKeyId: h["x-amz-server-side-encryption-aws-kms-key-id"] } : {}),
  };
  const base = { bucket: decodeURIComponent(bucket), tls: req.tls, headers };
  const m = req.method.toUpperCase();
  const what = `${m} /${bucket}${key !== undefined ? `/${key}` : ""}`;
  // The call, once the query names no sub-resource beyond the ones this call takes.
  const checked = (allowed: ReadonlySet<string> | string[], call: S3Call): S3Call => {
    onlyParams(q, Array.isArray(allowed) ? new Set(allowed) : allowed, what);
    return call;
  };
  if (!bucket) throw new Error(`${m} /: listing buckets is not an operation any workload performs`);
  if (key === undefined || key === "") {
    if (m === "GET" && q.has("location")) return checked(["location"], { ...base, api: "GetBucketLocation" });
    if (m === "GET") return checked(LIST_PARAMS, { ...base, api: "ListObjectsV2", prefix: q.get("prefix") ?? "" });
    if (m === "HEAD") return checked([], { ...base, api: "HeadBucket" });
    if (m === "POST" && q.has("delete")) return checked(["delete"], { ...base, api: "DeleteObjects", keys: [...(req.body ?? "").matchAll(/<Key>([^<]*)<\/Key>/g)].map((x) => unescapeXml(x[1])) });
    if (m === "PUT" && q.has("policy")) return checked(["policy"], { ...base, api: "PutBucketPolicy" });
    if (m === "PUT" && q.has("lifecycle")) return checked(["lifecycle"], { ...base, api: "PutBucketLifecycleConfiguration" });
    if (m === "PUT" && q.has("object-lock")) return checked(["object-lock"], { ...base, api: "PutObjectLockConfiguration" });
    if (m === "PUT" && q.has("versioning")) return checked(["versioning"], { ...base, api: "PutBucketVersioning" });
    throw new Error(`${what}?${q.toString()}: bucket operation not modelled`);
  }
  const obj = { ...base, key };
  if (m === "PUT" && q.has("uploadId") && q.has("partNumber")) return checked(["uploadId", "partNumber"], { ...obj, api: "UploadPart" });
  if (m === "PUT" && q.has("retention")) return checked(["retention", "versionId"], { ...obj, api: "PutObjectRetention" });
  if (m === "PUT" && h["x-amz-copy-source"]) return checked([], { ...obj, api: "CopyObject", copySource: decodeURIComponent(h["x-amz-copy-source"]) });
  if (m === "PUT") return checked([], { ...obj, api: "PutObject" });
  if (m === "POST" && q.has("uploads")) return checked(["uploads"], { ...obj, api: "CreateMultipartUpload" });
  if (m === "POST" && q.has("uploadId")) return checked(["uploadId"], { ...obj, api: "CompleteMultipartUpload" });
  if (m === "DELETE" && q.has("uploadId")) return checked(["uploadId"], { ...obj, api: "AbortMultipartUpload" });
  if (m === "DELETE" && q.has("versionId")) return checked(["versionId"], { ...obj, api: "DeleteObjectVersion" });
  if (m === "DELETE") return checked([], { ...obj, api: "DeleteObject" });
  // A versioned read (?versionId) is s3:GetObjectVersion, which no workload is granted: not modelled.
  if (m === "GET") return checked(READ_PARAMS, { ...obj, api: "GetObject" });
  if (m === "HEAD") return checked(READ_PARAMS, { ...obj, api: "HeadObject" });
  throw new Error(`${what}: object operation not modelled`);
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}
