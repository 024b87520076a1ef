import { backupLifecycleRules, STANDARD_IA_MIN_DAYS } from "../../components/backup/lifecycle";
import { bucketName } from "../../components/backup/names";
import { replicationRule, RTC_MINUTES } from "../../components/backup/replication";
import type { CapturedResource } from "../../offline/capture";
import { observeReplication } from "../../policies/observe/backup";
import { byType, runsOncePerFile, stackFileWith } from "../harness/offline";

const { runStack, planStack } = runsOncePerFile();
import { parseStackConfig } from "../../dr/targets";
import { deriveSettings } from "../../dr/settings";
import { computeBudget } from "../../dr/budget";
import { rawConfigOf } from "../../offline/plan";
import { readStackFile } from "../../offline/stack-files";
import { observeSettings } from "../../policies/observe";

const T = {
  bucket: "aws:s3/bucket:Bucket",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  policy: "aws:s3/bucketPolicy:BucketPolicy",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  lock: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
  replication: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
  key: "aws:kms/key:Key",
  alias: "aws:kms/alias:Alias",
};
/** Side-cars that must carry their bucket's region (v7 per-resource region). */
/** Resources of this tier's components (other tiers add keys, roles and alarms of their own). */
const MINE = ["agent-dr:backup:BackupBuckets::", "agent-dr:dns:FailoverDns::"];
const mine = (rs: CapturedResource[]) => rs.filter((r) => MINE.some((m) => r.parent?.includes(m)) || r.type.startsWith("agent-dr:backup:"));
const SIDE_CARS = [T.versioning, T.sse, T.pab, T.ownership, T.policy, T.lifecycle, T.lock, T.replication];

const sideCars = (rs: CapturedResource[], type: string, bucket: CapturedResource) => byType(rs, type).filter((r) => r.inputs.bucket === bucket.inputs.bucket);
const one = (rs: CapturedResource[], type: string, bucket: CapturedResource) => {
  const found = sideCars(rs, type, bucket);
  expect(found.map((r) => r.name)).toHaveLength(1);
  return found[0];
};
const bucketByArn = (rs: CapturedResource[], arn: string) => byType(rs, T.bucket).find((b) => `arn:aws:s3:::${b.inputs.bucket}` === arn);
/** The mock gives keys arn:aws:kms:<region>:<stack account>:key/<name>-key-id; a key is found by that ARN. */
const keyByArn = (rs: CapturedResource[], arn: string) => byType(rs, T.key).find((k) => arn === `arn:aws:kms:${k.inputs.region}:${arn.split(":")[4]}:key/${k.name}-key-id`);

describe.each([
  ["staging", 1, 7, { mode: "GOVERNANCE", days: 3 }, ["arn:aws:iam::111122223333:role/agent-dr-deploy"], ["arn:aws:iam::111122223333:role/backup-break-glass"]],
  ["prod", 2, 14, { mode: "COMPLIANCE", days: 10 }, ["arn:aws:iam::444455556666:role/agent-dr-deploy"], ["arn:aws:iam::777788889999:role/backup-break-glass"]],
] as const)("backup buckets, %s stack (mock run)", (stack, bucketCount, retention, objectLock, administrators, breakGlass) => {
  let rs: CapturedResource[];
  beforeAll(async () => {
    const run = await runStack(stack);
    if (run.error) throw run.error;
    rs = mine(run.resources);
  });

  test("buckets exist once per region with predictable names", () => {
    const buckets = byType(rs, T.bucket);
    expect(buckets).toHaveLength(bucketCount);
    const regions = buckets.map((b) => b.inputs.region);
    expect(new Set(regions).size).toBe(bucketCount);
    for (const b of buckets) expect(b.inputs.bucket).toMatch(new RegExp(`^agent-dr-${stack}-backups-\\d{12}-${b.inputs.region}$`));
    expect(byType(rs, "agent-dr:backup:BackupBuckets")).toHaveLength(1);
  });

  test("every bucket is versioned, SSE-KMS with its own rotating key in its region, private and owner-enforced", () => {
    for (const b of byType(rs, T.bucket)) {
      expect(one(rs, T.versioning, b).inputs.versioningConfiguration).toEqual({ status: "Enabled" });
      const rule = one(rs, T.sse, b).inputs.rules[0];
      expect(rule.applyServerSideEncryptionByDefault.sseAlgorithm).toBe("aws:kms");
      const key = keyByArn(rs, rule.applyServerSideEncryptionByDefault.kmsMasterKeyId);
      expect(key?.inputs).toMatchObject({ region: b.inputs.region, enableKeyRotation: true });
      const pab = one(rs, T.pab, b).inputs;
      expect([pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets]).toEqual([true, true, true, true]);
      expect(one(rs, T.ownership, b).inputs.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
    }
    expect(byType(rs, T.key)).toHaveLength(bucketCount);
    expect(byType(rs, T.alias)).toHaveLength(bucketCount);
  });

  test("the bucket policy denies every non-TLS request and every upload asking for non-KMS encryption", () => {
    for (const b of byType(rs, T.bucket)) {
      const doc = JSON.parse(one(rs, T.policy, b).inputs.policy);
      const arn = `arn:aws:s3:::${b.inputs.bucket}`;
      const tls = doc.Statement.find((s: any) => s.Condition?.Bool?.["aws:SecureTransport"] !== undefined);
      expect(tls).toMatchObject({ Effect: "Deny", Principal: "*", Action: ["s3:*"], Condition: { Bool: { "aws:SecureTransport": "false" } } });
      expect(tls.Resource).toEqual([arn, `${arn}/*`]);
      // Uploads that name another encryption or another key are refused; naming none gets the bucket
      // default (a multipart part can not name one). Verdicts: test/stack/access-matrix.test.ts.
      const keyArn: string = one(rs, T.sse, b).inputs.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId;
      expect(keyByArn(rs, keyArn)).toBeDefined();
      const sse = doc.Statement.find((s: any) => s.Sid === "DenyNonKmsUploads");
      expect(sse).toMatchObject({ Effect: "Deny", Principal: "*", Action: ["s3:PutObject"], Resource: [`${arn}/*`], Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption": "false" } } });
      const foreign = doc.Statement.find((s: any) => s.Sid === "DenyForeignKmsKey");
      expect(foreign).toMatchObject({ Effect: "Deny", Principal: "*", Action: ["s3:PutObject"], Resource: [`${arn}/*`], Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn } } });
      // Recovery points: only break-glass may destroy them (and is granted it here, from its own
      // account); only the administrators and break-glass may change the protections.
      expect(doc.Statement.find((s: any) => s.Sid === "DenyRecoveryPointDestruction")).toMatchObject({
        Effect: "Deny",
        Principal: "*",
        Action: expect.arrayContaining(["s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"]),
        Condition: { ArnNotLike: { "aws:PrincipalArn": breakGlass } },
      });
      expect(doc.Statement.find((s: any) => s.Sid === "DenyProtectionChanges")).toMatchObject({
        Effect: "Deny",
        Resource: [arn],
        Action: expect.arrayContaining(["s3:PutLifecycleConfiguration", "s3:PutBucketPolicy", "s3:PutBucketObjectLockConfiguration"]),
        Condition: { ArnNotLike: { "aws:PrincipalArn": [...administrators, ...breakGlass] } },
      });
      expect(doc.Statement.filter((s: any) => s.Effect === "Allow").map((s: any) => [s.Sid, s.Principal])).toEqual([
        ["BreakGlassListsVersions", { AWS: breakGlass }],
        ["BreakGlassDestroys", { AWS: breakGlass }],
      ]);
    }
  });

  test("each key has its own policy: administration for the administrators only, use only through S3, no short deletion window", () => {
    for (const k of byType(rs, T.key)) {
      const doc = JSON.parse(k.inputs.policy);
      const sid = (id: string) => doc.Statement.find((s: any) => s.Sid === id);
      expect(sid("KeyAdministration").Principal).toEqual({ AWS: administrators });
      expect(sid("UseThroughS3")).toMatchObject({ Principal: { AWS: `arn:aws:iam::${administrators[0].split(":")[4]}:root` }, Condition: { StringEquals: { "kms:ViaService": `s3.${k.inputs.region}.amazonaws.com` } } });
      expect(sid("UseThroughS3").Action).not.toContain("kms:ScheduleKeyDeletion");
      expect(sid("DenyKeyDestructionByOthers")).toMatchObject({ Effect: "Deny", Principal: "*", Condition: { ArnNotLike: { "aws:PrincipalArn": administrators } } });
      expect(sid("DeletionWaitsTheLongestWindow").Condition).toEqual({ NumericLessThan: { "kms:ScheduleKeyDeletionPendingWindowInDays": "30" } });
    }
  });

  test("side-cars name their bucket's region (one provider serves both regions)", () => {
    for (const b of byType(rs, T.bucket)) {
      for (const type of SIDE_CARS) for (const r of sideCars(rs, type, b)) expect([r.name, r.inputs.region]).toEqual([r.name, b.inputs.region]);
    }
  });

  test(`lifecycle expires WAL, base backups and dumps after ${retention} days, noncurrent versions too`, () => {
    for (const b of byType(rs, T.bucket)) {
      const rules: any[] = one(rs, T.lifecycle, b).inputs.rules;
      for (const prefix of ["spilo/", "logical-backups/"]) {
        const rule = rules.find((r) => r.filter?.prefix === prefix);
        expect(rule).toMatchObject({ status: "Enabled", expiration: { days: retention }, noncurrentVersionExpiration: { noncurrentDays: retention } });
      }
    }
  });

  test(`object lock in ${objectLock.mode.toLowerCase()} mode, ${objectLock.days} days, on every bucket`, () => {
    for (const b of byType(rs, T.bucket)) {
      const locks = sideCars(rs, T.lock, b);
      expect(b.inputs.objectLockEnabled).toBe(true);
      expect(locks.map((l) => l.inputs.rule.defaultRetention)).toEqual([objectLock]);
    }
  });

  test("every taggable AWS resource (buckets, keys, roles, health checks, alarms) carries environment and owner", () => {
    const taggable = ["aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:iam/role:Role", "aws:route53/healthCheck:HealthCheck", "aws:cloudwatch/metricAlarm:MetricAlarm"];
    const resources = rs.filter((r) => taggable.includes(r.type));
    expect(resources.length).toBeGreaterThanOrEqual(bucketCount * 2 + 3);
    for (const r of resources) expect([r.name, r.inputs.tags?.environment, r.inputs.tags?.owner]).toEqual([r.name, stack, "platform-team"]);
  });

  test("buckets and keys carry environment, owner and the PostgreSQL data classes", () => {
    for (const r of [...byType(rs, T.bucket), ...byType(rs, T.key)]) {
      expect(r.inputs.tags).toMatchObject({ environment: stack, owner: "platform-team", purpose: "postgres-backups" });
      expect(r.inputs.tags["data-classes"].split(" ")).toEqual(expect.arrayContaining(["conversation_history", "agent_configurations", "usage_billing_data", "analytics_logs"]));
    }
  });
});

describe("replication, prod stack", () => {
  let rs: CapturedResource[];
  let all: CapturedResource[];
  beforeAll(async () => {
    const run = await runStack("prod");
    if (run.error) throw run.error;
    all = run.resources;
    rs = mine(all);
  });

  test("exactly one BucketReplicationConfig per source bucket (whole stack), to a versioned bucket in another region", () => {
    const configs = byType(all, T.replication);
    const sources = configs.map((c) => c.inputs.bucket);
    expect(new Set(sources).size).toBe(sources.length);
    expect(configs).toHaveLength(1);
    const source = byType(rs, T.bucket).find((b) => b.inputs.bucket === sources[0])!;
    expect(source.inputs.region).toBe("us-east-1");
    expect(configs[0].inputs.region).toBe(source.inputs.region);
    expect(configs[0].inputs.rules).toHaveLength(1);
    const rule = configs[0].inputs.rules[0];
    const dest = bucketByArn(rs, rule.destination.bucket)!;
    expect(dest.inputs.region).toBe("us-west-2");
    expect(dest.inputs.region).not.toBe(source.inputs.region);
    for (const b of [source, dest]) expect(one(rs, T.versioning, b).inputs.versioningConfiguration.status).toBe("Enabled");
  });

  test("the rule replicates everything and delete markers, re-encrypts with the DR key, with metrics and RTC (15 min)", () => {
    const rule = byType(rs, T.replication)[0].inputs.rules[0];
    expect(rule).toMatchObject({ status: "Enabled", filter: {}, deleteMarkerReplication: { status: "Enabled" }, sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } } });
    const replicaKey = keyByArn(rs, rule.destination.encryptionConfiguration.replicaKmsKeyId);
    expect(replicaKey?.inputs.region).toBe("us-west-2");
    expect(rule.destination.metrics).toEqual({ status: "Enabled", eventThreshold: { minutes: 15 } });
    expect(rule.destination.replicationTime).toEqual({ status: "Enabled", time: { minutes: 15 } });
  });

  test("the replication role is the one the config names, and the observer reads RTC back", () => {
    const cfg = byType(rs, T.replication)[0];
    expect(cfg.inputs.role).toBe("arn:aws:iam::444455556666:role/agent-dr-prod-s3-replication");
    const config = parseStackConfig({ regions: { primary: "us-east-1", dr: "us-west-2" }, clusters: { primary: {}, dr: {} }, postgres: { standby: { peerCidrs: ["10.20.0.0/16"] } } }, "prod");
    expect(observeReplication(rs, config)).toEqual({ crossRegionReplication: true, replicationTimeControl: true });
  });
});

describe("replication overrides (mock run)", () => {
  test("crossRegionReplication: false leaves both buckets but no replication config and no replication role", async () => {
    const run = await runStack("prod", { "agent-dr:backup": { overrides: { crossRegionReplication: false } } });
    expect(run.error).toBeUndefined();
    expect(byType(run.resources, T.bucket)).toHaveLength(2);
    expect(byType(run.resources, T.replication)).toHaveLength(0);
    expect(byType(run.resources, "aws:iam/role:Role").map((r) => r.inputs.name)).not.toContain("agent-dr-prod-s3-replication");
    expect(byType(mine(run.resources), "aws:iam/role:Role")).toHaveLength(4);
  });

  test("replicationTimeControl: false keeps metrics but drops the RTC block", async () => {
    const run = await runStack("prod", { "agent-dr:backup": { overrides: { replicationTimeControl: false } } });
    const rule = byType(run.resources, T.replication)[0].inputs.rules[0];
    expect(rule.destination.metrics).toEqual({ status: "Enabled" });
    expect(rule.destination.replicationTime).toBeUndefined();
  });

  test("staging (one region) has no replication", async () => {
    const run = await runStack("staging");
    expect(byType(run.resources, T.replication)).toHaveLength(0);
  });

  test("replication forced on without a DR region stops the program naming the key", async () => {
    const run = await runStack("staging", { "agent-dr:backup": { overrides: { crossRegionReplication: true } } });
    expect(run.error?.message).toMatch(/agent-dr:backup\.overrides\.crossRegionReplication: got true; expected false or unset without agent-dr:regions\.dr/);
  });
});

describe("pure rules", () => {
  test("lifecycle: STANDARD_IA only when the window is longer than S3's 30-day minimum", () => {
    expect(backupLifecycleRules(14).some((r) => r.transitions)).toBe(false);
    const long = backupLifecycleRules(90);
    for (const id of ["wal-and-base-backups", "logical-backups"]) {
      expect(long.find((r) => r.id === id)).toMatchObject({ transitions: [{ days: STANDARD_IA_MIN_DAYS, storageClass: "STANDARD_IA" }], expiration: { days: 90 } });
    }
    expect(backupLifecycleRules(31).find((r) => r.id === "logical-backups")?.transitions?.[0].days).toBeLessThan(31);
  });

  test("lifecycle: a bad retention is refused naming the key and value", () => {
    expect(() => backupLifecycleRules(0)).toThrow("backup.retentionDays: got 0, expected a whole number of days >= 1");
    expect(() => backupLifecycleRules(1.5)).toThrow(/got 1.5/);
  });

  test("replication rule: RTC block present exactly when asked, at the 15 minutes S3 accepts", () => {
    const on = replicationRule({ destinationBucketArn: "arn:aws:s3:::d", destinationKeyArn: "k", replicationTimeControl: true });
    const off = replicationRule({ destinationBucketArn: "arn:aws:s3:::d", destinationKeyArn: "k", replicationTimeControl: false });
    expect(on.destination.replicationTime).toEqual({ status: "Enabled", time: { minutes: RTC_MINUTES } });
    expect(RTC_MINUTES).toBe(15);
    expect("replicationTime" in off.destination).toBe(false);
  });

  test("bucket names stay within S3's 63 characters or are refused", () => {
    const config = parseStackConfig({ regions: { primary: "us-east-1" }, clusters: { primary: {} } }, "staging");
    expect(bucketName(config, "us-east-1")).toBe("agent-dr-staging-backups-us-east-1");
    expect(() => bucketName({ ...config, environment: "x".repeat(60) as any }, "us-east-1")).toThrow(/S3 allows at most 63/);
  });
});

describe("the budget uses the replication the resources hold", () => {
  const patch = { "agent-dr:backup": { overrides: { crossRegionReplication: false } } };

  test("budget over this stack's resources: with replication off, every PostgreSQL region-loss row misses naming S3 replication", async () => {
    const run = await planStack("prod", patch);
    const config = parseStackConfig(rawConfigOf(readStackFile(stackFileWith("prod", patch))), "prod");
    const observed = observeSettings(run.resources, config);
    expect(observed.backup).toMatchObject({ crossRegionReplication: false, replicationTimeControl: false });
    // Until the PostgreSQL tier's resources exist, its settings come from the derivation, with the
    // archive fallback taken from what the buckets really replicate.
    const derivedPg = deriveSettings(config).postgres!;
    const postgres = observed.postgres ?? { ...derivedPg, standby: { ...derivedPg.standby, archiveFallback: observed.backup.crossRegionReplication } };
    const rows = computeBudget(config.dataClasses, { ...observed, postgres }).rows.filter((r) => r.store === "postgres" && r.scenario === "region-loss");
    expect(rows.length).toBe(4);
    for (const r of rows) {
      expect(r.ok).toBe(false);
      expect(r.rpo.mechanism).toContain("S3 cross-region replication is off");
    }
  });

  test("budget over this stack's resources: with replication and RTC on, the replicated-archive path is bounded by RTC's 15 minutes", async () => {
    const run = await runStack("prod");
    const config = parseStackConfig(rawConfigOf(readStackFile(stackFileWith("prod", { "agent-dr:postgres": { standby: { enabled: false } } }))), "prod");
    const observed = observeSettings(run.resources, config);
    expect(observed.backup.replicationTimeControl).toBe(true);
    // Without a standby the replicated archive is the region-loss path: its bound comes from RTC as the resources hold it.
    const postgres = { ...(observed.postgres ?? deriveSettings(config).postgres!), standby: { enabled: false, streaming: false, archiveFallback: true, maxLagSeconds: 10 } };
    const row = computeBudget(config.dataClasses, { ...observed, postgres }).rows.find((r) => r.dataClass === "analytics_logs" && r.scenario === "region-loss")!;
    expect(row.rpo.mechanism).toContain("S3 replication with RTC (15 min)");
    expect(row.rpo.seconds).toBe(postgres.archiveTimeoutSeconds + 5 + 15 * 60);
  });

  test("prod plan with backup.overrides.crossRegionReplication false reports a mandatory violation naming S3 cross-region replication", async () => {
    const config = parseStackConfig(rawConfigOf(readStackFile(stackFileWith("prod", patch))), "prod");
    const base = await planStack("prod");
    const plan = await planStack("prod", patch);
    const named = (p: typeof plan) => p.violations.filter((v) => v.level === "mandatory" && /S3 cross-region replication/.test(v.message));
    expect(named(base)).toHaveLength(0);
    expect(plan.resources.some((r) => r.type === "kubernetes:acid.zalan.do/v1:postgresql")).toBe(true);
    expect(named(plan).length).toBeGreaterThan(0);
    const pgRegionRows = plan.budget.filter((b) => b.scenario === "region-loss" && config.dataClasses.some((c) => c.name === b.dataClass && c.store === "postgres"));
    expect(pgRegionRows).toHaveLength(4);
    for (const r of pgRegionRows) expect([r.dataClass, r.ok, /S3 cross-region replication is off/.test(r.limitedBy)]).toEqual([r.dataClass, false, true]);
  });
});
