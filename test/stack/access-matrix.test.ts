import { accessMatrix, describeFinding, describeResult, type AccessMatrix } from "../../access/matrix";
import type { CapturedResource } from "../../offline/capture";
import { runStack } from "../harness/offline";

/**
 * The request matrix of both shipped plans, judged by the real IAM evaluator; and the class of bug
 * it exists for: a client that sends what the policies refuse, or a policy that refuses what a
 * client needs, fails it, naming the workload, the request, the verdict and the deciding statement.
 */

const ACCOUNTS = { staging: "111122223333", prod: "444455556666" } as const;
type Stack = keyof typeof ACCOUNTS;

const runs: Partial<Record<Stack, CapturedResource[]>> = {};
beforeAll(async () => {
  for (const stack of ["staging", "prod"] as const) {
    const run = await runStack(stack);
    if (run.error) throw run.error;
    runs[stack] = run.resources;
  }
});

const copy = (stack: Stack): CapturedResource[] => structuredClone(runs[stack]!);
const matrix = (stack: Stack, rs: CapturedResource[] = runs[stack]!) => accessMatrix(stack, ACCOUNTS[stack], rs);
const problems = (m: AccessMatrix) => [...m.unexpected.map(describeResult), ...m.contract.map(describeFinding)];

const pgEnv = (rs: CapturedResource[], cluster: string): Array<{ name: string; value: string }> =>
  rs.find((r) => r.type === "kubernetes:acid.zalan.do/v1:postgresql" && r.inputs.metadata.name === cluster)!.inputs.spec.env;
const setEnv = (env: Array<{ name: string; value: string }>, name: string, value: string | undefined) => {
  const i = env.findIndex((e) => e.name === name);
  if (i >= 0) env.splice(i, 1);
  if (value !== undefined) env.push({ name, value });
};
const uploadEnv = (rs: CapturedResource[]): Array<{ name: string; value: string }> =>
  rs.find((r) => r.type === "kubernetes:batch/v1:CronJob" && r.inputs.metadata.name.endsWith("-logical-backup"))!.inputs.spec.jobTemplate.spec.template.spec.containers.find((c: any) => c.name === "upload").env;
const bucketPolicy = (rs: CapturedResource[], region: string) => rs.find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy" && r.inputs.region === region)!;
const rolePolicy = (rs: CapturedResource[], role: string) => rs.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.inputs.role === role)!;

describe.each(["staging", "prod"] as const)("%s plan", (stack) => {
  test("every request every workload needs is Allowed, everything it must never do is Denied, every upload names the bucket's key", async () => {
    const m = await matrix(stack);
    expect(problems(m)).toEqual([]);
    const workloads = new Set(m.results.map((r) => r.case.workload));
    const cluster = `agent-pg-${stack}`;
    expect([...workloads].filter((w) => w.startsWith("postgres pods")).sort()).toEqual(
      stack === "prod" ? [`postgres pods of ${cluster} (us-east-1)`, `postgres pods of ${cluster}-dr (us-west-2)`] : [`postgres pods of ${cluster} (us-east-1)`],
    );
    for (const w of [`logical backup ${cluster}-logical-backup (upload)`, `restore drill ${cluster}-restore-drill (download)`]) expect(workloads).toContain(w);
    if (stack === "prod") expect(workloads).toContain(`S3 replication of agent-dr-prod-backups-444455556666-us-east-1`);
    // The operations a WAL-G client performs are all there, multipart steps included.
    const walg = m.results.filter((r) => r.case.workload === `postgres pods of ${cluster} (us-east-1)` && r.case.expect === "Allowed").map((r) => r.case.request.split(" s3://")[0]);
    for (const op of ["wal-push: PutObject", "backup-push: CreateMultipartUpload", "backup-push: UploadPart", "backup-push: CompleteMultipartUpload", "wal-fetch: GetObject", "backup-fetch: GetObject", "backup retention (list): ListObjectsV2"]) {
      expect(walg).toContain(op);
    }
    // Retention is the lifecycle's: the pods never delete their own archive (Spilo's setting lies beyond the lifecycle).
    expect(m.results.filter((r) => r.case.workload === `postgres pods of ${cluster} (us-east-1)` && r.case.protects === "recovery points: wal-g delete of its own archive").map((r) => r.judgement.verdict)).toEqual(["ImplicitlyDenied", "ImplicitlyDenied"]);
    // The restore drill lists the archive's base backups (key names only), so a destroyed archive fails the drill.
    const archiveList = m.results.filter((r) => r.case.workload.startsWith("restore drill") && r.case.request.startsWith("find the archive's newest base backup"));
    expect(archiveList.map((r) => [r.case.check.action, r.judgement.verdict])).toEqual([["s3:ListBucket", "Allowed"]]);
    expect(archiveList[0].case.check.context["s3:prefix"]).toBe(`spilo/${cluster}/wal/15/basebackups_005/`);
    // Each needed S3 upload is followed by the KMS call S3 makes for it, judged with the key policy.
    expect(m.results.filter((r) => r.case.check.action === "kms:GenerateDataKey" && r.case.path.resourcePolicy?.name.startsWith("key policy of")).length).toBeGreaterThan(3);
    expect(m.results.filter((r) => r.case.expect === "Denied").length).toBeGreaterThan(20);
  });
});

describe("the class of bug: what a client sends against what the policies allow", () => {
  test("WAL-G told to send no SSE header again (WALG_DISABLE_S3_SSE=true): every WAL-G upload is a client-contract finding", async () => {
    const rs = copy("prod");
    const env = pgEnv(rs, "agent-pg-prod");
    setEnv(env, "WALG_S3_SSE", undefined);
    setEnv(env, "WALG_S3_SSE_KMS_ID", undefined);
    setEnv(env, "WALG_DISABLE_S3_SSE", "true");
    const m = await matrix("prod", rs);
    const findings = m.contract.map(describeFinding);
    expect(findings.filter((f) => f.startsWith("postgres pods of agent-pg-prod (us-east-1)") && f.includes("sends no SSE header"))).toHaveLength(3);
  });

  test("WALG_S3_SSE dropped: Spilo sends AES256 and the bucket policy refuses wal-push and backup-push, naming DenyNonKmsUploads", async () => {
    const rs = copy("prod");
    setEnv(pgEnv(rs, "agent-pg-prod"), "WALG_S3_SSE", undefined);
    const m = await matrix("prod", rs);
    const refused = m.unexpected.filter((r) => r.case.workload === "postgres pods of agent-pg-prod (us-east-1)");
    expect(refused.map((r) => r.case.request.split(" s3://")[0]).sort()).toEqual(["backup-push: CreateMultipartUpload", "backup-push: PutObject", "wal-push: PutObject"]);
    for (const r of refused) {
      expect(r.judgement.verdict).toBe("ExplicitlyDenied");
      expect(describeResult(r)).toMatch(/^postgres pods of agent-pg-prod \(us-east-1\): .* -> s3:PutObject on arn:aws:s3:::agent-dr-prod-backups-444455556666-us-east-1\/spilo\/agent-pg-prod\/wal\/15\/.* ExplicitlyDenied \(expected Allowed\) by bucket policy of agent-dr-prod-backups-444455556666-us-east-1: DenyNonKmsUploads denies$/);
    }
  });

  test("the KMS key id dropped (WAL-G refuses to start) or pointing at the other region's key (DenyForeignKmsKey)", async () => {
    const dropped = copy("prod");
    setEnv(pgEnv(dropped, "agent-pg-prod"), "WALG_S3_SSE_KMS_ID", undefined);
    expect((await matrix("prod", dropped)).contract.map(describeFinding)).toEqual([expect.stringContaining("WALG_S3_SSE_KMS_ID must be set")]);

    const foreign = copy("prod");
    const drKey = pgEnv(foreign, "agent-pg-prod-dr").find((e) => e.name === "WALG_S3_SSE_KMS_ID")!.value;
    setEnv(pgEnv(foreign, "agent-pg-prod"), "WALG_S3_SSE_KMS_ID", drKey);
    const m = await matrix("prod", foreign);
    // The bucket refuses each upload; the role could not use the other region's key either.
    const s3 = m.unexpected.filter((r) => r.case.check.action === "s3:PutObject");
    expect(s3).toHaveLength(3);
    for (const r of s3) expect(r.judgement.deciding).toEqual(["bucket policy of agent-dr-prod-backups-444455556666-us-east-1: DenyForeignKmsKey denies"]);
    const kms = m.unexpected.filter((r) => r.case.check.action.startsWith("kms:"));
    expect(kms.map((r) => `${r.case.check.resource} ${r.judgement.verdict}`)).toEqual(Array(3).fill(`${drKey} ImplicitlyDenied`));
    expect(m.unexpected).toHaveLength(6);
  });

  test("the dump upload without S3_SSE is a finding; with aws:kms and no key id the script refuses to upload", async () => {
    const noSse = copy("staging");
    setEnv(uploadEnv(noSse), "S3_SSE", undefined);
    expect((await matrix("staging", noSse)).contract.map(describeFinding).filter((f) => f.includes("sends no SSE header")).length).toBe(3);
    const noKey = copy("staging");
    setEnv(uploadEnv(noKey), "S3_SSE_KMS_KEY_ID", undefined);
    expect((await matrix("staging", noKey)).contract.map(describeFinding)).toEqual([expect.stringContaining("S3_SSE=aws:kms without S3_SSE_KMS_KEY_ID")]);
  });

  test("the bucket policy as it shipped (deny unless the header says aws:kms) refuses the parts of every multipart upload", async () => {
    const rs = copy("prod");
    const p = bucketPolicy(rs, "us-east-1");
    const doc = JSON.parse(p.inputs.policy);
    const deny = doc.Statement.find((s: any) => s.Sid === "DenyNonKmsUploads");
    deny.Condition = { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption": "aws:kms" } };
    p.inputs.policy = JSON.stringify(doc);
    const m = await matrix("prod", rs);
    const ops = new Set(m.unexpected.map((r) => r.case.request.split(" s3://")[0]));
    expect(ops).toEqual(new Set(["backup-push: UploadPart", "backup-push: CompleteMultipartUpload", "upload large dump: UploadPart", "upload large dump: CompleteMultipartUpload"]));
    expect(m.unexpected.every((r) => r.judgement.deciding.some((d) => d.endsWith("DenyNonKmsUploads denies")))).toBe(true);
  });

  test("BACKUP_NUM_TO_RETAIN within the lifecycle's window makes Spilo send deletes the pods may not; an identity grown to s3:* still can not destroy versions or reconfigure the bucket", async () => {
    const early = copy("staging");
    setEnv(pgEnv(early, "agent-pg-staging"), "BACKUP_NUM_TO_RETAIN", "5");
    const m1 = await matrix("staging", early);
    expect(m1.unexpected.map((r) => `${r.case.request.split(" s3://")[0]} ${r.judgement.verdict}`)).toEqual([
      "wal-g delete (BACKUP_NUM_TO_RETAIN 5 days, lifecycle 7): DeleteObjects ImplicitlyDenied",
      "wal-g delete (BACKUP_NUM_TO_RETAIN 5 days, lifecycle 7): DeleteObjects ImplicitlyDenied",
    ]);

    const broad = copy("staging");
    const rp = rolePolicy(broad, "agent-dr-staging-postgres-pod");
    const ident = JSON.parse(rp.inputs.policy);
    ident.Statement.push({ Sid: "Everything", Effect: "Allow", Action: ["s3:*"], Resource: ["*"] });
    rp.inputs.policy = JSON.stringify(ident);
    const m2 = await matrix("staging", broad);
    const leaked = m2.unexpected.map((r) => r.case.protects);
    for (const p of ["recovery points: wal-g delete of its own archive", "another workload's prefix: reading the logical dumps", "another environment's archive"]) expect(leaked).toContain(p);
    expect(m2.unexpected.every((r) => r.case.expect === "Denied" && r.judgement.verdict === "Allowed")).toBe(true);
    // The bucket policy holds where the identity policy no longer does: versions and the bucket's protections.
    const held = m2.results.filter((r) => r.case.workload.startsWith("postgres pods") && ["recovery points: a WAL segment's versions", "bucket configuration (PutBucketPolicy)"].includes(r.case.protects ?? ""));
    expect(held.length).toBeGreaterThan(0);
    for (const r of held) expect(r.judgement).toEqual({ verdict: "ExplicitlyDenied", deciding: [expect.stringMatching(/: (DenyRecoveryPointDestruction|DenyProtectionChanges) denies$/)] });
  });

  test("a role that loses its KMS grant, replication without ReplicateDelete, an alarm topic without its policy", async () => {
    const rs = copy("prod");
    const lb = rolePolicy(rs, "agent-dr-prod-pg-logical-backup");
    const doc = JSON.parse(lb.inputs.policy);
    doc.Statement = doc.Statement.filter((s: any) => s.Sid !== "EncryptDumps");
    lb.inputs.policy = JSON.stringify(doc);
    const rep = rolePolicy(rs, "agent-dr-prod-s3-replication");
    const rdoc = JSON.parse(rep.inputs.policy);
    for (const s of rdoc.Statement) s.Action = s.Action.filter((a: string) => a !== "s3:ReplicateDelete");
    rep.inputs.policy = JSON.stringify(rdoc);
    const withoutTopicPolicy = rs.filter((r) => r.type !== "aws:sns/topicPolicy:TopicPolicy");
    const m = await matrix("prod", withoutTopicPolicy);
    const by = (prefix: string) => m.unexpected.filter((r) => r.case.workload.startsWith(prefix)).map((r) => `${r.case.check.action} ${r.judgement.verdict}`);
    expect(new Set(by("logical backup"))).toEqual(new Set(["kms:GenerateDataKey ImplicitlyDenied", "kms:Decrypt ImplicitlyDenied"]));
    expect(by("S3 replication")).toEqual(["s3:ReplicateDelete ImplicitlyDenied"]);
    expect(by("alarm ").length).toBe(5);
    expect(new Set(by("alarm "))).toEqual(new Set(["sns:Publish ImplicitlyDenied"]));
  });
});

test("the failover controller, when deployed: Route53 reads and health-check inversion allowed, record changes and backups denied", async () => {
  const run = await runStack("prod", { "agent-dr:failover": { regionPromotion: "automatic", manualResponseMinutes: 10, controller: { enabled: true } } });
  if (run.error) throw run.error;
  const m = await matrix("prod", run.resources);
  expect(problems(m)).toEqual([]);
  const ctl = m.results.filter((r) => r.case.workload.startsWith("failover controller"));
  expect(ctl.filter((r) => r.case.expect === "Allowed").map((r) => r.case.check.action).sort()).toEqual([
    "route53:GetHealthCheck",
    "route53:GetHealthCheck",
    "route53:GetHealthCheckStatus",
    "route53:GetHealthCheckStatus",
    "route53:ListResourceRecordSets",
    "route53:UpdateHealthCheck",
    "route53:UpdateHealthCheck",
  ]);
  expect(ctl.filter((r) => r.case.expect === "Denied").map((r) => r.case.check.action)).toEqual(expect.arrayContaining(["route53:ChangeResourceRecordSets", "route53:DeleteHealthCheck", "s3:GetObject"]));
});

describe("the recovery probe's report uploads", () => {
  const probeCases = (m: AccessMatrix) => m.results.filter((r) => r.case.workload.startsWith("recovery probe"));

  test("staging (on by default): the PutObject with SSE-KMS and its KMS data key are Allowed; other prefixes, reads, deletes and the archive are Denied", async () => {
    const m = await matrix("staging");
    expect(problems(m)).toEqual([]);
    const cases = probeCases(m);
    expect(cases.filter((r) => r.case.expect === "Allowed").map((r) => [r.case.check.action, r.case.check.resource, r.judgement.verdict])).toEqual([
      ["s3:PutObject", expect.stringMatching(/^arn:aws:s3:::agent-dr-staging-backups-111122223333-us-east-1\/recovery-probe\/staging\/2026-12-07T03:00:07.250Z-.+-instance-loss\.json$/), "Allowed"],
      ["kms:GenerateDataKey", expect.stringMatching(/^arn:aws:kms:us-east-1:/), "Allowed"],
    ]);
    const put = cases.find((r) => r.case.check.action === "s3:PutObject" && r.case.expect === "Allowed")!;
    expect(put.case.check.context).toMatchObject({ "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": expect.stringMatching(/^arn:aws:kms:us-east-1:/) });
    const denied = cases.filter((r) => r.case.expect === "Denied");
    expect(denied.map((r) => r.case.protects)).toEqual(
      expect.arrayContaining(["its reports: read back", "its reports: delete", "its reports: list", "the other environment's probe prefix", "the WAL archive: write", "the WAL archive: read", "encryption: a report asking for AES256", "TLS only: a report over plain HTTP"]),
    );
    expect(denied.every((r) => r.judgement.verdict !== "Allowed")).toBe(true);
  });

  test("prod (off by default) has no probe; with agent-dr:probe.enabled its uploads are judged the same way", async () => {
    expect(probeCases(await matrix("prod"))).toEqual([]);
    const run = await runStack("prod", { "agent-dr:probe": { enabled: true } });
    if (run.error) throw run.error;
    const m = await matrix("prod", run.resources);
    expect(problems(m)).toEqual([]);
    expect(probeCases(m).filter((r) => r.case.expect === "Allowed").map((r) => r.judgement.verdict)).toEqual(["Allowed", "Allowed"]);
  });

  test("a probe role grown to the whole bucket fails the matrix naming the WAL read; a report naming another key is refused by the bucket policy and the role", async () => {
    const rs = copy("staging");
    const policy = rs.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && String(r.inputs.name).includes("recovery-probe"))!;
    const doc = JSON.parse(policy.inputs.policy);
    doc.Statement[0].Action = ["s3:PutObject", "s3:GetObject"];
    doc.Statement[0].Resource = [doc.Statement[0].Resource[0].replace(/recovery-probe\/staging\/\*$/, "*")];
    policy.inputs.policy = JSON.stringify(doc);
    expect(problems(await matrix("staging", rs)).filter((p) => p.startsWith("recovery probe"))).toEqual(
      expect.arrayContaining([expect.stringMatching(/Allowed \(expected Denied: protects the WAL archive: read\)/), expect.stringMatching(/Allowed \(expected Denied: protects its reports: read back\)/)]),
    );
    const noKey = copy("staging");
    const cm = noKey.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.inputs.metadata.name === "agent-dr-recovery-probe-config")!;
    const cfg = JSON.parse(cm.inputs.data["probe.json"]);
    cfg.reportKmsKeyArn = cfg.reportKmsKeyArn.replace(/key\/.*$/, "key/not-this-buckets-key");
    cm.inputs.data["probe.json"] = JSON.stringify(cfg);
        // Refused twice over: the bucket policy wants its own key, and the role may use no other.
    expect(problems(await matrix("staging", noKey)).filter((p) => p.startsWith("recovery probe"))).toEqual([
      expect.stringMatching(/write a measurement report: PutObject .* -> s3:PutObject .* ExplicitlyDenied \(expected Allowed\) by bucket policy .*DenyForeignKmsKey/),
      expect.stringMatching(/write a measurement report: .* kms:GenerateDataKey on .*key\/not-this-buckets-key ImplicitlyDenied \(expected Allowed\)/),
    ]);
  });
});

test("the plan turns a matrix finding into a mandatory violation (exit 1), named by workload, request and deciding statement", async () => {
  const { planFromResources, ACCESS_MATRIX_POLICY } = await import("../../offline/plan");
  const { parseStackConfig, rawConfigFrom } = await import("../../dr/targets");
  const { readStackFile, stackFilePath } = await import("../../offline/stack-files");
  const config = parseStackConfig(rawConfigFrom(readStackFile(stackFilePath("staging")).config), "staging");
  const rs = copy("staging");
  setEnv(pgEnv(rs, "agent-pg-staging"), "WALG_S3_SSE", undefined);
  const p = await planFromResources("staging", config, rs, ACCOUNTS.staging);
  const found = p.violations.filter((v) => v.policy === ACCESS_MATRIX_POLICY);
  expect(found).toHaveLength(3);
  for (const v of found) {
    expect(v.level).toBe("mandatory");
    expect(v.message).toMatch(/^postgres pods of agent-pg-staging \(us-east-1\): .*\(sse AES256\).* ExplicitlyDenied \(expected Allowed\) by bucket policy of .*: DenyNonKmsUploads denies$/);
  }
  expect(p.access.summary).toMatch(/^IAM: \d+ requests judged, 3 unexpected$/);
});

describe("the DR copy in a separate backup account (agent-dr:backup.drAccount)", () => {
  const DR_ACCOUNT = "555566667777";
  const patch = { "agent-dr:backup": { drAccount: { roleArn: `arn:aws:iam::${DR_ACCOUNT}:role/agent-dr-backup-deployer`, externalId: "agent-dr-prod" } } };
  const DR_BUCKET = `agent-dr-prod-backups-${DR_ACCOUNT}-us-west-2`;
  let rs: CapturedResource[];
  beforeAll(async () => {
    const run = await runStack("prod", patch);
    if (run.error) throw run.error;
    rs = run.resources;
  });

  test("the DR bucket, its key and every side-car are deployed through a provider that assumes the backup account's role; the roles stay in the workload account", () => {
    const provider = rs.find((r) => r.type === "pulumi:providers:aws" && r.name.endsWith("-dr-account"))!;
    const assumed = typeof provider.inputs.assumeRoles === "string" ? JSON.parse(provider.inputs.assumeRoles) : provider.inputs.assumeRoles;
    expect(assumed).toEqual([{ roleArn: `arn:aws:iam::${DR_ACCOUNT}:role/agent-dr-backup-deployer`, externalId: "agent-dr-prod", sessionName: "agent-dr-prod-backups" }]);
    const viaBackupAccount = rs.filter((r) => r.provider?.startsWith(`${provider.urn}::`));
    expect(viaBackupAccount.map((r) => r.type).sort()).toEqual(
      [
        "aws:kms/alias:Alias",
        "aws:kms/key:Key",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketVersioning:BucketVersioning",
      ].sort(),
    );
    expect(viaBackupAccount.every((r) => r.inputs.region === "us-west-2" && (r.inputs.bucket === undefined || r.inputs.bucket === DR_BUCKET))).toBe(true);
    const rule = rs.find((r) => r.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig")!.inputs.rules[0];
    expect(rule.destination).toMatchObject({ bucket: `arn:aws:s3:::${DR_BUCKET}`, account: DR_ACCOUNT, accessControlTranslation: { owner: "Destination" } });
    expect(rule.destination.encryptionConfiguration.replicaKmsKeyId).toMatch(new RegExp(`^arn:aws:kms:us-west-2:${DR_ACCOUNT}:key/`));
  });

  test("every request is judged in the account that owns the resource: replication and the DR pods are Allowed across the boundary, the workload account's administrator holds nothing there", async () => {
    const m = await matrix("prod", rs);
    expect(problems(m)).toEqual([]);
    const crossing = m.results.filter((r) => r.case.path.resourceAccount === DR_ACCOUNT);
    const allowed = (workload: string) => crossing.filter((r) => r.case.workload === workload && r.case.expect === "Allowed").map((r) => r.case.check.action);
    expect(allowed("S3 replication of agent-dr-prod-backups-444455556666-us-east-1")).toEqual(expect.arrayContaining(["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ObjectOwnerOverrideToBucketOwner", "kms:Encrypt"]));
    expect(allowed("postgres pods of agent-pg-prod-dr (us-west-2)")).toEqual(expect.arrayContaining(["s3:GetObject", "s3:PutObject", "kms:Decrypt", "kms:GenerateDataKey"]));
    const admin = crossing.filter((r) => r.case.workload.startsWith("account administrator"));
    expect(admin.map((r) => r.case.check.action)).toEqual(expect.arrayContaining(["s3:DeleteObjectVersion", "s3:PutBucketPolicy", "s3:PutLifecycleConfiguration", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKey"]));
    expect(admin.every((r) => r.judgement.verdict !== "Allowed")).toBe(true);
    // The workload account's named administrators do not administer the backup account's bucket.
    const workloadAdmin = crossing.filter((r) => r.case.workload === "administrator arn:aws:iam::444455556666:role/agent-dr-deploy" && r.case.check.action === "s3:PutBucketPolicy");
    expect(workloadAdmin.map((r) => r.judgement.verdict)).toEqual(["ExplicitlyDenied"]);
  });

  test("without the backup account's grants (bucket policy, key policy) the workload roles are refused there, naming the missing grant", async () => {
    const noBucketGrants = structuredClone(rs);
    const policy = noBucketGrants.find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy" && r.inputs.bucket === DR_BUCKET)!;
    const doc = JSON.parse(policy.inputs.policy);
    const before = doc.Statement.length;
    doc.Statement = doc.Statement.filter((s: any) => s.Effect !== "Allow" || s.Condition?.ArnEquals === undefined);
    expect(doc.Statement.length).toBeLessThan(before);
    policy.inputs.policy = JSON.stringify(doc);
    const m = await matrix("prod", noBucketGrants);
    const refused = m.unexpected.map(describeResult);
    expect(refused).toContainEqual(expect.stringMatching(new RegExp(`^S3 replication of .* -> s3:ReplicateObject on arn:aws:s3:::${DR_BUCKET}/.* ImplicitlyDenied \\(expected Allowed\\) by bucket policy of ${DR_BUCKET}: no statement allows`)));
    expect(refused).toContainEqual(expect.stringMatching(/^postgres pods of agent-pg-prod-dr \(us-west-2\): .*s3:GetObject .* ImplicitlyDenied/));

    const noKeyGrant = structuredClone(rs);
    const key = noKeyGrant.find((r) => r.type === "aws:kms/key:Key" && r.inputs.region === "us-west-2")!;
    const keyDoc = JSON.parse(key.inputs.policy);
    keyDoc.Statement = keyDoc.Statement.filter((s: any) => s.Sid !== "WorkloadRolesUseThroughS3");
    key.inputs.policy = JSON.stringify(keyDoc);
    const k = await matrix("prod", noKeyGrant);
    expect(k.unexpected.map(describeResult)).toContainEqual(expect.stringMatching(/^S3 replication of .* kms:Encrypt on arn:aws:kms:us-west-2:555566667777:key\/.* ImplicitlyDenied/));
    expect(k.unexpected.map(describeResult)).toContainEqual(expect.stringMatching(/^postgres pods of agent-pg-prod-dr \(us-west-2\): .* kms:Decrypt .* ImplicitlyDenied/));
  });
});
