import { StackResource } from "../lib/policy-resources";
import { TYPES } from "../lib/resources";
import { known } from "../lib/unknown";
import { stackPolicyOver } from "../lib/define";

/** Side-car resources of a bucket (v7 splits a bucket's settings into resources naming it). */
export function sideCars(resources: StackResource[], type: string, bucket: StackResource): StackResource[] {
  const keys = new Set([bucket.inputs.bucket, bucket.inputs.id].filter((k) => typeof k === "string"));
  return resources.filter((r) => r.type === type && keys.has(r.inputs.bucket));
}

export function bucketLabel(b: StackResource): string {
  return b.inputs.bucket ?? b.name;
}

function statements(policy: unknown): any[] {
  let doc: any = policy;
  if (typeof policy === "string") {
    try {
      doc = JSON.parse(policy);
    } catch {
      return [];
    }
  }
  const st = doc?.Statement;
  return Array.isArray(st) ? st : st ? [st] : [];
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** A statement that denies every principal any S3 action over plain HTTP. */
function deniesInsecureTransport(s: any): boolean {
  const secure = s?.Condition?.Bool?.["aws:SecureTransport"];
  const principalAll = s?.Principal === "*" || list(s?.Principal?.AWS).includes("*");
  const actionAll = list(s?.Action).some((a) => a === "s3:*" || a === "*");
  return s?.Effect === "Deny" && principalAll && actionAll && list(secure).some((v) => v === false || v === "false");
}

export function checkBucketProtection(resources: StackResource[], report: (m: string, urn?: string) => void): void {
  for (const b of resources.filter((r) => r.type === TYPES.bucket)) {
    const name = bucketLabel(b);
    const missing: string[] = [];
    const versioning = sideCars(resources, TYPES.bucketVersioning, b);
    if (!versioning.some((v) => v.inputs.versioningConfiguration?.status === "Enabled")) {
      missing.push("versioning (BucketVersioning status Enabled): without it a delete or overwrite destroys the only copy");
    }
    const sse = sideCars(resources, TYPES.bucketEncryption, b).flatMap((e) => list(e.inputs.rules) as any[]);
    if (!sse.some((rule) => /^aws:kms/.test(rule?.applyServerSideEncryptionByDefault?.sseAlgorithm ?? ""))) {
      missing.push("SSE-KMS encryption (BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms)");
    }
    const pab = sideCars(resources, TYPES.bucketPublicAccessBlock, b);
    const blocks = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
    if (!pab.some((p) => blocks.every((k) => p.inputs[k] === true))) {
      missing.push(`a public access block with ${blocks.join(", ")} all true`);
    }
    const policies = sideCars(resources, TYPES.bucketPolicy, b);
    // A policy document built from a new bucket's ARN is unknown in a preview: it is checked at `pulumi up`.
    const tlsOnly = policies.some((p) => {
      const doc = known(() => JSON.parse(JSON.stringify(p.inputs.policy ?? null)));
      return doc === undefined || statements(doc).some(deniesInsecureTransport);
    });
    if (!tlsOnly) {
      missing.push('a bucket policy that denies every request with aws:SecureTransport "false" (TLS only)');
    }
    if (missing.length > 0) report(`backup bucket ${name} lacks ${missing.join("; ")}.`, b.urn);
  }
}

export const bucketProtection = stackPolicyOver([TYPES.bucket], "no S3 bucket in the stack", checkBucketProtection, {
  name: "bucket-protection",
  severity: "critical",
  description: "Every S3 bucket of the stack is versioned, encrypted with SSE-KMS, blocks public access and denies non-TLS requests.",
});
