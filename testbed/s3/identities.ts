import type { NamedPolicy } from "../../access/evaluator";
import { logicalBackupPolicy, restoreDrillPolicy, walArchivePolicy, type PolicyDocument } from "../../components/backup/iam-documents";
import { logicalBackupPrefix, walPrefix } from "../../contract/postgres";

/**
 * Who the drill's S3 clients are, as IAM would see them: one identity per production workload,
 * each holding the policy production gives that workload's IRSA role, scoped to the stack's real
 * prefixes. The policy front finds the identity from the SigV4 access key id of each request.
 */

/** Fixed account of the drill bucket, its key and the roles (policies need a real-looking ARN). */
export const DRILL_ACCOUNT = "123456789012";

export type IdentityName = "walg" | "logical-backup" | "restore-drill" | "inspector";

export interface DrillIdentity {
  name: IdentityName;
  /** Drill-local constants: the front maps the SigV4 Credential's key id to the identity; nothing checks the secret. */
  accessKeyId: string;
  secretAccessKey: string;
  /** The role ARN the requests are judged as. */
  principal: string;
  identityPolicies: NamedPolicy[];
}

/** The drill bucket and its SSE-KMS key (the bucket default, with S3 Bucket Keys as deployed). */
export interface DrillBucket {
  bucket: string;
  region: string;
  keyArn: string;
}

export function drillKeyArn(region: string): string {
  return `arn:aws:kms:${region}:${DRILL_ACCOUNT}:key/drill`;
}

const role = (name: string) => `arn:aws:iam::${DRILL_ACCOUNT}:role/drill-${name}`;

/**
 * The drill's own inspection (listing keys to check what a scenario left in S3, reading an object
 * back) stands in for no workload: it gets a read-only policy of its own and is still judged
 * against the bucket policy, so it can neither write nor bypass TLS. kms:Decrypt through S3 is what
 * a GetObject of an SSE-KMS object costs the reader.
 */
function inspectorPolicy(b: DrillBucket): PolicyDocument {
  const bucketArn = `arn:aws:s3:::${b.bucket}`;
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ListBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn] },
      { Sid: "ReadObjects", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${bucketArn}/*`] },
      { Sid: "DecryptThroughS3", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [b.keyArn], Condition: { StringEquals: { "kms:ViaService": `s3.${b.region}.amazonaws.com` } } },
    ],
  };
}

/** Every drill identity, keyed by name; `clusterName` scopes the workload prefixes as the stack does. */
export function drillIdentities(b: DrillBucket, clusterName: string): Record<IdentityName, DrillIdentity> {
  const access = (prefix: string) => ({ bucketArn: `arn:aws:s3:::${b.bucket}`, keyArn: b.keyArn, region: b.region, prefix });
  return {
    // Patroni's archive_command / restore_command stand-ins and the PITR base backup (WAL-G in production).
    walg: {
      name: "walg",
      accessKeyId: "AKIADRILLWALG0000001",
      secretAccessKey: "drill-walg-secret",
      principal: role("walg"),
      identityPolicies: [{ name: "walg", policy: walArchivePolicy(access(walPrefix(clusterName))) }],
    },
    "logical-backup": {
      name: "logical-backup",
      accessKeyId: "AKIADRILLDUMP0000002",
      secretAccessKey: "drill-logical-backup-secret",
      principal: role("logical-backup"),
      identityPolicies: [{ name: "logical-backup", policy: logicalBackupPolicy(access(logicalBackupPrefix(clusterName))) }],
    },
    "restore-drill": {
      name: "restore-drill",
      accessKeyId: "AKIADRILLREST0000003",
      secretAccessKey: "drill-restore-drill-secret",
      principal: role("restore-drill"),
      identityPolicies: [{ name: "restore-drill", policy: restoreDrillPolicy(access(logicalBackupPrefix(clusterName))) }],
    },
    inspector: {
      name: "inspector",
      accessKeyId: "AKIADRILLINSP0000004",
      secretAccessKey: "drill-inspector-secret",
      principal: role("inspector"),
      identityPolicies: [{ name: "inspector", policy: inspectorPolicy(b) }],
    },
  };
}
