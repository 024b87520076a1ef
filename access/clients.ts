import type { SseHeaders } from "./s3-operations";

/**
 * What the production S3 clients put on the wire, read from the environment we render for them.
 *
 * WAL-G (docs/STORAGES.md, "S3"; internal/storages/s3 uploader): WALG_S3_SSE becomes
 * x-amz-server-side-encryption and WALG_S3_SSE_KMS_ID x-amz-server-side-encryption-aws-kms-key-id on
 * PutObject and CreateMultipartUpload (the s3manager upload input); UploadPart and
 * CompleteMultipartUpload carry neither. WAL-G refuses aws:kms without a key id at start.
 * Spilo (configure_spilo.py) writes WALG_S3_SSE=AES256 into WAL-G's envdir on AWS unless
 * WALG_S3_SSE is set or WALG_DISABLE_S3_SSE is true.
 *
 * AWS CLI `s3 cp` (the dump upload): --sse and --sse-kms-key-id become the same two headers on
 * PutObject and CreateMultipartUpload; logical-backup.sh passes S3_SSE and S3_SSE_KMS_KEY_ID as
 * those flags.
 */

export type Env = ReadonlyArray<{ name: string; value?: string }>;

/** The value of one variable of a rendered env. */
export const envValue = (env: Env, name: string): string | undefined => env.find((e) => e.name === name)?.value;
const get = envValue;

export class ClientConfigError extends Error {
  override name = "ClientConfigError";
}

/** Headers WAL-G sends on the calls that create an object, from the Spilo pod's env. */
export function walgUploadHeaders(env: Env): SseHeaders {
  const sse = get(env, "WALG_S3_SSE");
  const keyId = get(env, "WALG_S3_SSE_KMS_ID");
  const disabled = get(env, "WALG_DISABLE_S3_SSE") === "true";
  if (sse === undefined || sse === "") {
    // Spilo fills in AES256 unless told not to.
    return disabled ? {} : { sse: "AES256" };
  }
  if (sse === "aws:kms" && !keyId) throw new ClientConfigError("WALG_S3_SSE=aws:kms without WALG_S3_SSE_KMS_ID: WAL-G refuses to start (\"WALG_S3_SSE_KMS_ID must be set if using aws:kms encryption\")");
  return { sse, ...(keyId ? { kmsKeyId: keyId } : {}) };
}

/** Headers `aws s3 cp` sends for logical-backup.sh's upload, from the upload container's env. */
export function dumpUploadHeaders(env: Env): SseHeaders {
  const sse = get(env, "S3_SSE");
  const keyId = get(env, "S3_SSE_KMS_KEY_ID");
  if (!sse) return {};
  if (sse.startsWith("aws:kms") && !keyId) throw new ClientConfigError("S3_SSE=aws:kms without S3_SSE_KMS_KEY_ID: logical-backup.sh refuses to upload");
  return { sse, ...(sse.startsWith("aws:kms") && keyId ? { kmsKeyId: keyId } : {}) };
}

/** The same headers as curl arguments, for the drills' stand-in clients. */
export function curlHeaderArgs(h: SseHeaders): string {
  return [h.sse ? `-H 'x-amz-server-side-encryption: ${h.sse}'` : "", h.kmsKeyId ? `-H 'x-amz-server-side-encryption-aws-kms-key-id: ${h.kmsKeyId}'` : ""].filter(Boolean).join(" ");
}
