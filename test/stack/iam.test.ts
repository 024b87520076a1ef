import type { PolicyDocument, Statement } from "../../components/backup/iam-documents";
import { irsaTrustPolicy, walArchivePolicy } from "../../components/backup/iam-documents";
import type { CapturedResource } from "../../offline/capture";
import * as fs from "fs";
import * as YAML from "yaml";
import type { OfflineRun } from "../../offline/run-program";
import { byType, runStack, stackFileWith } from "../harness/offline";
import { TYPES } from "../../contract/resource-types";

const list = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v as string]);

/**
 * Least-privilege findings in a policy document: wildcard actions (a bare "*" or a whole service
 * such as "s3:*") and "*" resources in Allow statements. Deny statements may be broad on purpose.
 */
function wildcardFindings(doc: PolicyDocument): string[] {
  const out: string[] = [];
  for (const s of doc.Statement as Statement[]) {
    if (s.Effect !== "Allow") continue;
    for (const a of list(s.Action)) if (a === "*" || /^[a-z0-9-]+:\*$/.test(a) || a.endsWith("*")) out.push(`${s.Sid}: wildcard action ${a}`);
    if ((s as any).NotAction || (s as any).NotResource) out.push(`${s.Sid}: NotAction/NotResource`);
    for (const r of list(s.Resource)) if (r === "*" || r === "arn:aws:s3:::*" || /^arn:aws:kms:[^:]*:[^:]*:\*$/.test(r)) out.push(`${s.Sid}: wildcard resource ${r}`);
  }
  return out;
}

function documents(rs: CapturedResource[]) {
  const roles = byType(rs, TYPES.iamRole);
  return roles.map((role) => {
    const policies = byType(rs, TYPES.iamRolePolicy).filter((p) => p.inputs.role === role.inputs.name);
    return { name: role.inputs.name as string, trust: JSON.parse(role.inputs.assumeRolePolicy) as PolicyDocument, policies: policies.map((p) => JSON.parse(p.inputs.policy) as PolicyDocument) };
  });
}

const actions = (d: PolicyDocument) => d.Statement.flatMap((s) => list(s.Action)).sort();
const stmt = (d: PolicyDocument, action: string) => d.Statement.filter((s) => list(s.Action).includes(action));

test("the wildcard check itself catches s3:*, * and Resource *", () => {
  const bad: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      { Sid: "A", Effect: "Allow", Action: ["s3:*"], Resource: ["arn:aws:s3:::b/*"] },
      { Sid: "B", Effect: "Allow", Action: ["kms:Decrypt"], Resource: ["*"] },
      { Sid: "C", Effect: "Allow", Action: ["s3:Get*"], Resource: ["arn:aws:s3:::b"] },
      { Sid: "D", Effect: "Deny", Action: ["s3:*"], Resource: ["*"] },
    ],
  };
  expect(wildcardFindings(bad)).toEqual(["A: wildcard action s3:*", "B: wildcard resource *", "C: wildcard action s3:Get*"]);
  const good = walArchivePolicy({ bucketArn: "arn:aws:s3:::b", keyArn: "arn:aws:kms:us-east-1:1:key/k", region: "us-east-1", prefix: "spilo/c/" });
  expect(wildcardFindings(good)).toEqual([]);
});

describe.each([
  ["staging", ["agent-dr-staging-pg-logical-backup", "agent-dr-staging-pg-restore-drill", "agent-dr-staging-postgres-pod"]],
  ["prod", ["agent-dr-prod-pg-logical-backup", "agent-dr-prod-pg-restore-drill", "agent-dr-prod-postgres-pod", "agent-dr-prod-postgres-pod-dr", "agent-dr-prod-s3-replication"]],
] as const)("IAM documents, %s stack (mock run)", (stack, roleNames) => {
  let rs: CapturedResource[];
  let docs: ReturnType<typeof documents>;
  let bucketArns: string[];
  let keyArns: string[];
  beforeAll(async () => {
    const run = await runStack(stack);
    if (run.error) throw run.error;
    // Roles and keys of the backup component (other tiers may add their own).
    rs = run.resources.filter((r) => r.parent?.includes("agent-dr:backup:BackupBuckets::"));
    docs = documents(rs);
    bucketArns = byType(rs, "aws:s3/bucket:Bucket").map((b) => `arn:aws:s3:::${b.inputs.bucket}`);
    const account = stack === "prod" ? "444455556666" : "111122223333";
    keyArns = byType(rs, "aws:kms/key:Key").map((k) => `arn:aws:kms:${k.inputs.region}:${account}:key/${k.name}-key-id`);
  });
  const doc = (suffix: string) => docs.find((d) => d.name === `agent-dr-${stack}-${suffix}`)!;

  test("exactly the expected roles, each with one parsed inline policy", () => {
    expect(docs.map((d) => d.name).sort()).toEqual([...roleNames]);
    for (const d of docs) expect(d.policies).toHaveLength(1);
  });

  test("no wildcard action and no '*' resource in any Allow; every resource is one of the stack's buckets or keys", () => {
    for (const d of docs) {
      for (const p of [...d.policies, d.trust]) expect([d.name, wildcardFindings(p)]).toEqual([d.name, []]);
      for (const s of d.policies[0].Statement) {
        for (const r of list(s.Resource)) {
          const ok = r.startsWith("arn:aws:kms:") ? keyArns.includes(r) : bucketArns.some((b) => r === b || r.startsWith(`${b}/`));
          expect([d.name, s.Sid, r, ok]).toEqual([d.name, s.Sid, r, true]);
        }
      }
    }
  });

  test("IRSA trust: only the named ServiceAccount in the namespace, audience sts.amazonaws.com, the configured OIDC provider", () => {
    const issuer = stack === "prod" ? "oidc.eks.us-east-1.amazonaws.com/id/PROD00000000000000000000000000000" : "oidc.eks.us-east-1.amazonaws.com/id/STAGING0000000000000000000000000";
    for (const [suffix, sa] of [["postgres-pod", "postgres-pod"], ["pg-logical-backup", "pg-logical-backup"], ["pg-restore-drill", "pg-restore-drill"]]) {
      const [s] = doc(suffix).trust.Statement;
      expect(s.Action).toEqual(["sts:AssumeRoleWithWebIdentity"]);
      expect((s.Principal as any).Federated).toMatch(new RegExp(`:oidc-provider/${issuer.replace(/\//g, "\\/")}$`));
      expect(s.Condition).toEqual({ StringEquals: { [`${issuer}:sub`]: `system:serviceaccount:agent-dr:${sa}`, [`${issuer}:aud`]: "sts.amazonaws.com" } });
    }
  });

  test("WAL-G role: read/write only under spilo/<cluster>/ (no delete: retention is the lifecycle's), list limited to that prefix, the bucket's key only via S3", () => {
    const p = doc("postgres-pod").policies[0];
    const cluster = `agent-pg-${stack}`;
    expect(actions(p)).toEqual(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "s3:AbortMultipartUpload", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
    expect(stmt(p, "s3:GetObject")[0].Resource).toEqual([`${bucketArns[0]}/spilo/${cluster}/*`]);
    expect(stmt(p, "s3:ListBucket")[0].Condition).toEqual({ StringLike: { "s3:prefix": [`spilo/${cluster}/`, `spilo/${cluster}/*`] } });
    expect(stmt(p, "kms:Decrypt")[0].Condition?.StringEquals).toEqual({ "kms:ViaService": "s3.us-east-1.amazonaws.com" });
  });

  test("logical backup role can only add dumps; the restore drill can only read them", () => {
    const cluster = `agent-pg-${stack}`;
    const write = doc("pg-logical-backup").policies[0];
    expect(actions(write).filter((a) => a.startsWith("s3:"))).toEqual(["s3:AbortMultipartUpload", "s3:PutObject"]);
    expect(stmt(write, "s3:PutObject")[0].Resource).toEqual([`${bucketArns[0]}/logical-backups/${cluster}/*`]);
    const read = doc("pg-restore-drill").policies[0];
    expect([...new Set(actions(read))]).toEqual(["kms:Decrypt", "s3:GetObject", "s3:ListBucket"]);
    expect(stmt(read, "s3:GetObject")[0].Resource).toEqual([`${bucketArns[0]}/logical-backups/${cluster}/*`]);
    // Lists the dumps, and the archive's key names (never its contents) to find its newest base backup.
    expect(stmt(read, "s3:ListBucket").map((s) => s.Condition)).toEqual([
      { StringLike: { "s3:prefix": [`logical-backups/${cluster}/`, `logical-backups/${cluster}/*`] } },
      { StringLike: { "s3:prefix": [`spilo/${cluster}/`, `spilo/${cluster}/*`] } },
    ]);
  });

  if (stack === "prod") {
    test("DR postgres-pod role: the DR cluster's OIDC provider, the DR bucket's archive prefix and the DR key", () => {
      const d = doc("postgres-pod-dr");
      const drIssuer = "oidc.eks.us-west-2.amazonaws.com/id/PRODDR000000000000000000000000000";
      expect((d.trust.Statement[0].Principal as any).Federated).toBe(`arn:aws:iam::444455556666:oidc-provider/${drIssuer}`);
      expect(Object.keys(d.trust.Statement[0].Condition!.StringEquals)).toEqual([`${drIssuer}:sub`, `${drIssuer}:aud`]);
      const drBucket = bucketArns.find((b) => b.endsWith("us-west-2"))!;
      // Replays the replicated primary archive read-only; writes only its own nested archive, deletes nothing.
      expect(stmt(d.policies[0], "s3:GetObject")[0].Resource).toEqual([`${drBucket}/spilo/agent-pg-prod/*`]);
      expect(stmt(d.policies[0], "s3:PutObject")[0].Resource).toEqual([`${drBucket}/spilo/agent-pg-prod/agent-pg-prod-dr/*`]);
      expect(stmt(d.policies[0], "s3:DeleteObject")).toEqual([]);
      expect(stmt(d.policies[0], "kms:Decrypt")[0].Resource).toEqual([keyArns.find((k) => k.includes(":us-west-2:"))]);
    });

    test("replication role: S3 service trust for the source bucket, exactly the replication actions on exactly these buckets and keys", () => {
      const d = doc("s3-replication");
      const [src, dst] = [bucketArns.find((b) => b.endsWith("us-east-1"))!, bucketArns.find((b) => b.endsWith("us-west-2"))!];
      const [srcKey, dstKey] = [keyArns.find((k) => k.includes(":us-east-1:"))!, keyArns.find((k) => k.includes(":us-west-2:"))!];
      expect(d.trust.Statement[0]).toMatchObject({ Principal: { Service: "s3.amazonaws.com" }, Action: ["sts:AssumeRole"], Condition: { ArnLike: { "aws:SourceArn": src } } });
      const p = d.policies[0];
      const byActions = Object.fromEntries(p.Statement.map((s) => [list(s.Action).join(","), list(s.Resource)]));
      expect(byActions).toEqual({
        "s3:GetReplicationConfiguration,s3:ListBucket": [src],
        "s3:GetObjectVersionForReplication,s3:GetObjectVersionAcl,s3:GetObjectVersionTagging,s3:GetObjectRetention,s3:GetObjectLegalHold": [`${src}/*`],
        "s3:ReplicateObject,s3:ReplicateDelete,s3:ReplicateTags": [`${dst}/*`],
        "kms:Decrypt": [srcKey],
        "kms:Encrypt": [dstKey],
      });
    });
  }
});

test("a standby cluster without the DR cluster's OIDC provider is refused, naming the key", async () => {
  // The harness deep-merges patches, so the DR keys are removed from a written stack file instead.
  const file = stackFileWith("prod");
  const doc = YAML.parse(fs.readFileSync(file, "utf8"));
  delete doc.config["agent-dr:oidc"].drProviderArn;
  delete doc.config["agent-dr:oidc"].drIssuerUrl;
  fs.writeFileSync(file, YAML.stringify(doc));
  let run: OfflineRun | undefined;
  await jest.isolateModulesAsync(async () => {
    const { runOffline } = require("../../offline/run-program");
    const { readStackFile } = require("../../offline/stack-files");
    run = await runOffline("prod", readStackFile(file), () => require("../../index"));
  });
  expect(run!.error?.message).toMatch(/agent-dr:oidc\.drProviderArn: got nothing; expected the DR cluster's OIDC provider ARN/);
});

test("trust policy drops a https:// prefix of the issuer", () => {
  const d = irsaTrustPolicy({ providerArn: "arn:aws:iam::111122223333:oidc-provider/x", issuerUrl: "https://oidc.example/id/A/" }, "ns", "sa");
  expect(Object.keys(d.Statement[0].Condition!.StringEquals)).toEqual(["oidc.example/id/A:sub", "oidc.example/id/A:aud"]);
});
