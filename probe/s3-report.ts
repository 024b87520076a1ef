import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { PROBE_REPORT_PREFIX, type ProbeMeasurement } from "../contract/probe";

/** `<prefix><env>/<iso time>-<class>-<scenario>.json` (contract/probe.ts), the time being the recovery's. */
export function reportKey(environment: string, m: ProbeMeasurement): string {
  return `${PROBE_REPORT_PREFIX}${environment}/${m.recoveredAt}-${m.class}-${m.scenario}.json`;
}

/** The PutObject of one report: SSE-KMS with the bucket's own key named, as the bucket policy's DenyNonKmsUploads and DenyForeignKmsKey demand. */
export function reportPut(bucket: string, kmsKeyArn: string, environment: string, m: ProbeMeasurement): PutObjectCommand {
  return new PutObjectCommand({
    Bucket: bucket,
    Key: reportKey(environment, m),
    Body: JSON.stringify(m, null, 2),
    ContentType: "application/json",
    ServerSideEncryption: "aws:kms",
    SSEKMSKeyId: kmsKeyArn,
  });
}

export async function writeReport(s3: S3Client, bucket: string, kmsKeyArn: string, environment: string, m: ProbeMeasurement): Promise<string> {
  const put = reportPut(bucket, kmsKeyArn, environment, m);
  await s3.send(put);
  return put.input.Key as string;
}
