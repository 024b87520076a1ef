/**
 * Every policy of the pack with a compliant and a violating input, built by hand (small objects in
 * the shapes the tiers render), run through the same args the policy runtime builds.
 */
import { parseStackConfig, serializeTargets, TARGETS_ANNOTATION } from "../../dr/targets";
import type { DataClass } from "../../dr/targets";
import { policies } from "../../policies/pack";
import { policyByName as byName, resourceUrn as urnOf, runResource, runStackPolicy, type Res } from "../harness/policy-run";
import { PLANNING_ANNOTATION, serializePlanning } from "../../dr/targets/planning";
import { defaultBounds } from "../../policies/rules/target-bounds";
import { configWithDefaults } from "../../policies/lib/config";
import { pgSeconds, redisDirectives } from "../../policies/lib/conf-files";

// ---------------------------------------------------------------------------------------------
// Hand-made resources in the shapes the tiers render.

const prodConfig = parseStackConfig(
  {
    regions: { primary: "us-east-1", dr: "us-west-2" },
    clusters: { primary: { context: "p" }, dr: { context: "d" } },
    endpoints: { api: { name: "api.example.com", zoneId: "Z1", primaryTarget: "p.example.com", drTarget: "d.example.com" } },
    postgres: { standby: { peerCidrs: ["10.20.0.0/16"] } },
  },
  "prod",
);
const pgClasses = prodConfig.dataClasses.filter((c) => c.store === "postgres");
const redisClasses = prodConfig.dataClasses.filter((c) => c.store === "redis");

const annotated = (classes: DataClass[]) => ({ [TARGETS_ANNOTATION]: serializeTargets(classes) });

function postgresCr(patch: { patroni?: Record<string, unknown>; parameters?: Record<string, unknown>; instances?: number; classes?: DataClass[] } = {}): Res {
  return {
    type: "kubernetes:acid.zalan.do/v1:postgresql",
    name: "agent-pg-prod",
    inputs: {
      apiVersion: "acid.zalan.do/v1",
      kind: "postgresql",
      metadata: { name: "agent-pg-prod", namespace: "agent-dr", labels: { "agent-dr/environment": "prod" }, annotations: annotated(patch.classes ?? pgClasses) },
      spec: {
        numberOfInstances: patch.instances ?? 3,
        patroni: { ttl: 20, loop_wait: 5, retry_timeout: 7, synchronous_mode: true, synchronous_node_count: 1, ...patch.patroni },
        postgresql: { version: "15", parameters: { archive_mode: "on", archive_timeout: "55s", ...patch.parameters } },
      },
    },
  };
}

function redisConfigMap(redisConf: string[], sentinelConf: string[] = ["sentinel monitor agent-redis redis-0.redis 6379 2"]): Res {
  return {
    type: "kubernetes:core/v1:ConfigMap",
    name: "agent-redis-config",
    inputs: {
      metadata: { name: "agent-redis", namespace: "agent-dr", labels: { "agent-dr/config": "redis", "agent-dr/environment": "prod" }, annotations: annotated(redisClasses) },
      data: { "redis.conf": redisConf.join("\n"), "sentinel.conf": sentinelConf.join("\n") },
    },
  };
}

const GOOD_REDIS = ["port 6379", "appendonly yes", "appendfsync everysec", "save 300 100", "save 60 10000", 'logfile ""'];

function sentinelStatefulSet(replicas: number): Res {
  return {
    type: "kubernetes:apps/v1:StatefulSet",
    name: "agent-redis-sentinel",
    inputs: {
      metadata: { name: "agent-redis-sentinel", namespace: "agent-dr" },
      spec: { replicas, template: { spec: { containers: [{ name: "sentinel", command: ["sh", "/config/sentinel-start.sh"] }] } } },
    },
  };
}

function cronJob(patch: { schedule?: string; concurrencyPolicy?: string | undefined; containers?: any[]; annotations?: Record<string, string> } = {}): Res {
  return {
    type: "kubernetes:batch/v1:CronJob",
    name: "logical-backup",
    inputs: {
      metadata: { name: "logical-backup", namespace: "agent-dr", labels: { "agent-dr/job": "logical-backup" }, annotations: patch.annotations ?? {} },
      spec: {
        schedule: patch.schedule ?? "0 2 * * *",
        ...("concurrencyPolicy" in patch ? (patch.concurrencyPolicy ? { concurrencyPolicy: patch.concurrencyPolicy } : {}) : { concurrencyPolicy: "Forbid" }),
        jobTemplate: {
          spec: {
            template: {
              spec: {
                initContainers: [{ name: "dump", command: ["pg_dump", "-Fc"] }],
                containers: patch.containers ?? [{ name: "upload", command: ["sh", "/scripts/upload.sh"] }, { name: "verify-restore", command: ["sh", "/scripts/verify.sh"] }],
              },
            },
          },
        },
      },
    },
  };
}

function bucketSet(name: string, region: string, omit: string[] = []): Res[] {
  const arn = `arn:aws:s3:::${name}`;
  const all: Res[] = [
    { type: "aws:s3/bucket:Bucket", name: `${name}-bucket`, inputs: { bucket: name, region, tags: { environment: "prod" } } },
    { type: "aws:s3/bucketVersioning:BucketVersioning", name: `${name}-versioning`, inputs: { bucket: name, region, versioningConfiguration: { status: "Enabled" } } },
    {
      type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      name: `${name}-encryption`,
      inputs: { bucket: name, region, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:k" } }] },
    },
    {
      type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      name: `${name}-public-access`,
      inputs: { bucket: name, region, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    },
    {
      type: "aws:s3/bucketPolicy:BucketPolicy",
      name: `${name}-policy`,
      inputs: {
        bucket: name,
        region,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: ["s3:*"], Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }],
        }),
      },
    },
  ];
  return all.filter((r) => !omit.some((o) => r.type.includes(o)));
}

function replication(source: string, dest: string, rtc = true): Res {
  return {
    type: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    name: `${source}-replication`,
    inputs: {
      bucket: source,
      region: "us-east-1",
      role: "arn:aws:iam::1:role/r",
      rules: [
        {
          id: "primary-to-dr",
          status: "Enabled",
          filter: {},
          destination: {
            bucket: `arn:aws:s3:::${dest}`,
            metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
            ...(rtc ? { replicationTime: { status: "Enabled", time: { minutes: 15 } } } : {}),
          },
        },
      ],
    },
  };
}

const primaryNamespace = (config = prodConfig): Res => ({
  type: "kubernetes:core/v1:Namespace",
  name: "agent-dr-primary-ns",
  inputs: {
    metadata: {
      name: "agent-dr",
      labels: { "agent-dr/environment": config.environment, "agent-dr/region": config.regions.primary, "agent-dr/region-role": "primary" },
      annotations: { [PLANNING_ANNOTATION]: serializePlanning(config) },
    },
  },
});

// ---------------------------------------------------------------------------------------------

describe("postgres-wal-archiving", () => {
  it("passes archive_timeout 55s for a 60 s RPO", async () => {
    expect((await runResource("postgres-wal-archiving", postgresCr())).messages).toEqual([]);
  });
  it("flags archive_timeout 1800 against the 1-minute logical-corruption RPO, naming the key to change", async () => {
    const { messages } = await runResource("postgres-wal-archiving", postgresCr({ parameters: { archive_timeout: "1800" } }));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/WAL archive: archive_timeout 30m \+ upload 5s > RPO 60s/);
    expect(messages[0]).toMatch(/postgres\.overrides\.archiveTimeoutSeconds to at most 55/);
  });
  it("treats a missing archive_timeout as Spilo's 1800 s default", async () => {
    const cr = postgresCr();
    delete cr.inputs.spec.postgresql.parameters.archive_timeout;
    expect((await runResource("postgres-wal-archiving", cr)).messages.join()).toMatch(/Spilo's default/);
  });
  it("flags archive_mode off", async () => {
    const { messages } = await runResource("postgres-wal-archiving", postgresCr({ parameters: { archive_mode: "off" } }));
    expect(messages.join()).toMatch(/WAL archiving is off/);
  });
  it("an RPO inside the upload time is said to be unreachable, not fixed by a timeout below archive_timeout's 1 s floor", async () => {
    const tight = pgClasses.map((c) => (c.name === "conversation_history" ? { ...c, targets: { ...c.targets, "logical-corruption": { ...c.targets["logical-corruption"], rpoSeconds: 1 } } } : c));
    const { messages } = await runResource("postgres-wal-archiving", postgresCr({ parameters: { archive_timeout: "1s" }, classes: tight }));
    expect(messages).toEqual([expect.stringMatching(/RPO 1s of conversation_history \(logical-corruption\)\. Unreachable: archiving lags at least archive_timeout 1 s \+ upload 5s.*relax conversation_history's logical-corruption RPO to at least 6s/)]);
    expect(messages[0]).not.toMatch(/Fix:/);
  });
  it("honours a configured upload allowance", async () => {
    const { messages } = await runResource("postgres-wal-archiving", postgresCr(), { archiveUploadSeconds: 10 });
    expect(messages.join()).toMatch(/archive_timeout 55s \+ upload 10s > RPO 60s/);
  });
  it("does not apply to other types", async () => {
    expect((await runResource("postgres-wal-archiving", redisConfigMap(GOOD_REDIS))).notApplicable).toBe(true);
  });
});

describe("postgres-synchronous-mode", () => {
  it("passes synchronous_mode on for agent_configurations (RPO 0)", async () => {
    expect((await runResource("postgres-synchronous-mode", postgresCr())).messages).toEqual([]);
  });
  it("flags synchronous_mode off where a class has RPO 0", async () => {
    const { messages } = await runResource("postgres-synchronous-mode", postgresCr({ patroni: { synchronous_mode: false } }));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/synchronous replication: agent_configurations has RPO 0.*synchronous_mode is false/);
  });
  it("flags a single instance that cannot have a synchronous standby once, with the one change that helps (not an override the user never set)", async () => {
    const { messages } = await runResource("postgres-synchronous-mode", postgresCr({ instances: 1, patroni: { synchronous_mode: false } }));
    expect(messages).toEqual([expect.stringMatching(/numberOfInstances is 1 .*Fix: set postgres.instances to at least 2 \(synchronous mode is then derived on\)\.$/)]);
  });
  it("does not require it when no class has RPO 0", async () => {
    const noZero = pgClasses.filter((c) => c.name !== "agent_configurations");
    expect((await runResource("postgres-synchronous-mode", postgresCr({ patroni: { synchronous_mode: false }, classes: noZero }))).messages).toEqual([]);
  });
});

describe("patroni-timing", () => {
  it("passes ttl 20, loop_wait 5, retry_timeout 7 (5 + 14 <= 20)", async () => {
    expect((await runResource("patroni-timing", postgresCr())).messages).toEqual([]);
  });
  it("flags loop_wait + 2 x retry_timeout > ttl", async () => {
    const { messages } = await runResource("patroni-timing", postgresCr({ patroni: { loop_wait: 60 } }));
    expect(messages).toEqual([expect.stringMatching(/loop_wait 60 s \+ 2 x retry_timeout 7 s = 74 s > ttl 20 s/)]);
  });
  it("flags values under Patroni's floors", async () => {
    const { messages } = await runResource("patroni-timing", postgresCr({ patroni: { ttl: 10, loop_wait: 0, retry_timeout: 2 } }));
    expect(messages.join("\n")).toMatch(/ttl 10 s is below the floor of 20 s/);
    expect(messages.join("\n")).toMatch(/loop_wait 0 s is below the floor of 1 s/);
    expect(messages.join("\n")).toMatch(/retry_timeout 2 s is below the floor of 3 s/);
  });
});

describe("redis-persistence", () => {
  it("passes AOF everysec for session_state (RPO 15 s)", async () => {
    expect((await runResource("redis-persistence", redisConfigMap(GOOD_REDIS))).messages).toEqual([]);
  });
  it("flags appendonly no: RDB alone loses up to 300 s", async () => {
    const { messages } = await runResource("redis-persistence", redisConfigMap(GOOD_REDIS.map((l) => (l === "appendonly yes" ? "appendonly no" : l))));
    expect(messages).toEqual([expect.stringMatching(/Redis AOF: appendonly is off.*up to 5m.*session_state/)]);
  });
  it("flags appendfsync no (about 30 s of loss) against a 15 s RPO", async () => {
    const { messages } = await runResource("redis-persistence", redisConfigMap(GOOD_REDIS.map((l) => (l === "appendfsync everysec" ? "appendfsync no" : l))));
    expect(messages).toEqual([expect.stringMatching(/appendfsync no can lose up to 30s/)]);
  });
  it("does not apply to ConfigMaps without redis.conf", async () => {
    const cm: Res = { type: "kubernetes:core/v1:ConfigMap", name: "other", inputs: { metadata: { name: "other" }, data: { a: "b" } } };
    expect((await runResource("redis-persistence", cm)).notApplicable).toBe(true);
  });
});

describe("sentinel-quorum", () => {
  it("passes quorum 2 of 3 Sentinels", async () => {
    expect((await runStackPolicy("sentinel-quorum", [redisConfigMap(GOOD_REDIS), sentinelStatefulSet(3)])).messages).toEqual([]);
  });
  it("flags quorum 1 of 3 (a minority can declare the primary down)", async () => {
    const { messages } = await runStackPolicy("sentinel-quorum", [redisConfigMap(GOOD_REDIS, ["sentinel monitor agent-redis h 6379 1"]), sentinelStatefulSet(3)]);
    expect(messages).toEqual([expect.stringMatching(/quorum 1 for agent-redis in agent-redis with 3 Sentinels: below a majority \(2\)/)]);
  });
  it("flags a quorum above the number of Sentinels", async () => {
    const { messages } = await runStackPolicy("sentinel-quorum", [redisConfigMap(GOOD_REDIS, ["sentinel monitor agent-redis h 6379 4"]), sentinelStatefulSet(3)]);
    expect(messages.join()).toMatch(/no failover ever starts/);
  });
});

describe("backup-cronjob", () => {
  it("passes a daily, Forbid, verified logical backup", async () => {
    expect((await runResource("backup-cronjob", cronJob())).messages).toEqual([]);
  });
  it("flags a missing concurrencyPolicy (Allow by default)", async () => {
    expect((await runResource("backup-cronjob", cronJob({ concurrencyPolicy: undefined }))).messages).toEqual([expect.stringMatching(/concurrencyPolicy is "Allow \(default\)"/)]);
  });
  it("flags a job without a verification step", async () => {
    const { messages } = await runResource("backup-cronjob", cronJob({ containers: [{ name: "upload", command: ["sh", "/scripts/upload.sh"] }] }));
    expect(messages).toEqual([expect.stringMatching(/no verification step/)]);
  });
  it("flags a monthly schedule against the daily RPO it serves, and honours a declared RPO", async () => {
    expect((await runResource("backup-cronjob", cronJob({ schedule: "0 2 1 * *" }))).messages).toEqual([expect.stringMatching(/logical backup schedule "0 2 1 \* \*" leaves up to .* more than the RPO 24h/)]);
    const declared = cronJob({ schedule: "0 */6 * * *", annotations: { "agent-dr/serves-rpo-seconds": "3600" } });
    expect((await runResource("backup-cronjob", declared)).messages.join()).toMatch(/more than the RPO 60m/);
  });
});

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

describe("bucket-replication", () => {
  const pg = postgresCr();
  it("passes primary -> DR-region bucket with RTC", async () => {
    const rs = [pg, ...bucketSet("p", "us-east-1"), ...bucketSet("d", "us-west-2"), replication("p", "d")];
    expect((await runStackPolicy("bucket-replication", rs)).messages).toEqual([]);
  });
  it("flags a source bucket that is not replicated when a class must survive region loss", async () => {
    const { messages } = await runStackPolicy("bucket-replication", [pg, ...bucketSet("p", "us-east-1")]);
    expect(messages).toEqual([expect.stringMatching(/S3 cross-region replication: backup bucket p is not replicated to another region/)]);
  });
  it("flags replication into the same region", async () => {
    const rs = [pg, ...bucketSet("p", "us-east-1"), ...bucketSet("d", "us-east-1"), replication("p", "d")];
    expect((await runStackPolicy("bucket-replication", rs)).messages.join()).toMatch(/in the same region \(us-east-1\)/);
  });
  it("reads the region from the provider when the resource has none", async () => {
    const d = bucketSet("d", "us-west-2").map((r) => ({ ...r, inputs: { ...r.inputs, region: undefined }, region: "us-west-2" }));
    const rs = [pg, ...bucketSet("p", "us-east-1"), ...d, replication("p", "d")];
    expect((await runStackPolicy("bucket-replication", rs)).messages).toEqual([]);
  });
  it("flags replication without RTC when a PostgreSQL region-loss RPO is tight", async () => {
    const rs = [pg, ...bucketSet("p", "us-east-1"), ...bucketSet("d", "us-west-2"), replication("p", "d", false)];
    expect((await runStackPolicy("bucket-replication", rs)).messages).toEqual([expect.stringMatching(/S3 Replication Time Control is off on p/)]);
  });
  it("requires nothing when no class must survive region loss (staging)", async () => {
    const staging = parseStackConfig({ regions: { primary: "us-east-1" }, dataClasses: Object.fromEntries(pgClasses.map((c) => [c.name, { scenarios: { "region-loss": { rpo: "unbounded", rto: "unbounded" } } }])) }, "staging");
    const cr = postgresCr({ classes: staging.dataClasses.filter((c) => c.store === "postgres") });
    expect((await runStackPolicy("bucket-replication", [cr, ...bucketSet("p", "us-east-1")])).messages).toEqual([]);
  });
});

describe("values still unknown in a preview", () => {
  const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  it("bucket-protection skips only the TLS check while the policy document is unknown", async () => {
    const set = bucketSet("b1", "us-east-1", ["bucketVersioning"]);
    set.find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy")!.inputs.policy = UNKNOWN;
    const { messages } = await runStackPolicy("bucket-protection", set);
    expect(messages).toEqual([expect.stringMatching(/lacks versioning/)]);
    expect(messages[0]).not.toMatch(/TLS/);
  });
  it("bucket-replication does not guess while the destination ARN is unknown", async () => {
    const rep = replication("p", "d");
    rep.inputs.rules[0].destination.bucket = UNKNOWN;
    const rs = [postgresCr(), ...bucketSet("p", "us-east-1"), ...bucketSet("d", "us-west-2"), rep];
    expect((await runStackPolicy("bucket-replication", rs)).messages).toEqual([]);
  });
});

describe("failover-health-check", () => {
  const record = (healthCheckId?: string): Res => ({
    type: "aws:route53/record:Record",
    name: "api-primary",
    inputs: { name: "api.example.com", type: "CNAME", ttl: 30, setIdentifier: "primary", failoverRoutingPolicies: [{ type: "PRIMARY" }], records: ["p.example.com"], ...(healthCheckId ? { healthCheckId } : {}) },
  });
  it("passes a PRIMARY record with a health check", async () => {
    expect((await runResource("failover-health-check", record("hc-1"))).messages).toEqual([]);
  });
  it("flags a PRIMARY record without one", async () => {
    expect((await runResource("failover-health-check", record())).messages).toEqual([expect.stringMatching(/PRIMARY failover record api.example.com has no healthCheckId/)]);
  });
  it("ignores SECONDARY records", async () => {
    const r = record();
    r.inputs.failoverRoutingPolicies = [{ type: "SECONDARY" }];
    expect((await runResource("failover-health-check", r)).messages).toEqual([]);
  });
});

describe("target-bounds", () => {
  const bounds = configWithDefaults<{ bounds: unknown }>(byName("target-bounds").configSchema!, {});
  it("passes the platform's published targets in prod", async () => {
    const rs = [postgresCr(), redisConfigMap(GOOD_REDIS)];
    expect((await runStackPolicy("target-bounds", rs, bounds)).messages).toEqual([]);
  });
  it("flags a prod conversation_history RPO looser than 60 s", async () => {
    const loose = parseStackConfig({ regions: { primary: "us-east-1", dr: "us-west-2" }, clusters: { primary: { context: "p" }, dr: { context: "d" } }, postgres: { standby: { peerCidrs: ["10.20.0.0/16"] } }, dataClasses: { conversation_history: { rpo: "5m" } } }, "prod");
    const rs = [postgresCr({ classes: loose.dataClasses.filter((c) => c.store === "postgres") }), redisConfigMap(GOOD_REDIS)];
    const { messages } = await runStackPolicy("target-bounds", rs, bounds);
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(messages.every((m) => /conversation_history \/ [a-z-]+ declares RPO 5m, above the prod bound of 60s/.test(m))).toBe(true);
  });
  it("flags a bounded class that no resource declares (tier missing)", async () => {
    const { messages } = await runStackPolicy("target-bounds", [postgresCr()], bounds);
    expect(messages).toEqual([expect.stringMatching(/session_state is bounded in prod but no resource declares its targets/)]);
  });
  it("a stricter organisation bound from config applies", async () => {
    const strict = { bounds: { prod: { analytics_logs: { rpoSeconds: 600 } } }, requireBoundedClasses: false };
    const { messages } = await runStackPolicy("target-bounds", [postgresCr(), redisConfigMap(GOOD_REDIS)], strict);
    // Every scenario of analytics_logs: 60m in four, 24h for credential-compromise.
    expect(messages.length).toBe(5);
    expect(messages[0]).toMatch(/analytics_logs \/ instance-loss declares RPO 60m, above the prod bound of 10m/);
  });
  it("default bounds leave staging's region loss unbounded", () => {
    expect(defaultBounds().staging.conversation_history.scenarios?.["region-loss"]).toEqual({});
    expect(defaultBounds().prod.agent_configurations.scenarios?.["region-loss"]).toEqual({ rpoSeconds: 60, rtoSeconds: 900 });
  });
});

describe("recovery-targets", () => {
  it("reports every class x scenario of a tier that is not deployed, naming the mechanism and the fix", async () => {
    // Targets declared (on the namespace here) but no postgresql resource: the budget calls the classes unprotected.
    const ns = primaryNamespace();
    ns.inputs.metadata.annotations = { ...ns.inputs.metadata.annotations, ...annotated(pgClasses.slice(0, 1)) };
    const { messages, urns } = await runStackPolicy("recovery-targets", [ns]);
    expect(messages).toHaveLength(5);
    expect(messages[0]).toMatch(/^conversation_history \/ instance-loss: target RPO 60s, RTO 15m; predicted RPO unbounded, RTO unbounded\. RPO unbounded > 60s: unprotected: no PostgreSQL tier is deployed\. Fix: enable the PostgreSQL tier/);
    expect(urns[0]).toBe(urnOf(ns));
  });
  it("holds a class whose declared targets accept total loss", async () => {
    const ns = primaryNamespace();
    const accepting = parseStackConfig(
      { regions: { primary: "us-east-1" }, dataClasses: { scratch: { store: "redis", rpo: "unbounded", rto: "unbounded" }, session_state: { enabled: false } } },
      "staging",
    ).dataClasses.filter((c) => c.name === "scratch");
    ns.inputs.metadata.annotations = { ...ns.inputs.metadata.annotations, ...annotated(accepting) };
    expect((await runStackPolicy("recovery-targets", [ns])).messages).toEqual([]);
  });
  it("only evaluates the configured scenarios", async () => {
    const ns = primaryNamespace();
    ns.inputs.metadata.annotations = { ...ns.inputs.metadata.annotations, ...annotated(pgClasses.slice(0, 1)) };
    expect((await runStackPolicy("recovery-targets", [ns], { scenarios: ["region-loss"] })).messages).toHaveLength(1);
  });
  it("is not applicable to a stack that declares no targets", async () => {
    expect((await runStackPolicy("recovery-targets", [bucketSet("b", "us-east-1")[0]])).notApplicable).toBe(true);
  });
  it("refuses to guess when the planning annotation is missing", async () => {
    await expect(runStackPolicy("recovery-targets", [postgresCr()])).rejects.toThrow(/agent-dr\/planning annotation/);
  });
});

describe("readers", () => {
  it("pgSeconds reads PostgreSQL time units", () => {
    expect([pgSeconds("55s"), pgSeconds("1min"), pgSeconds("60"), pgSeconds(30), pgSeconds("2h"), pgSeconds("500ms")]).toEqual([55, 60, 60, 30, 7200, 0.5]);
    expect(pgSeconds("soon")).toBeNaN();
  });
  it("redisDirectives keeps every occurrence, last one wins for single-valued", () => {
    const d = redisDirectives('appendonly no\n# c\nappendonly yes\nsave ""\nsave 60 1');
    expect(d.get("appendonly")).toEqual([["no"], ["yes"]]);
    expect(d.get("save")).toEqual([[""], ["60", "1"]]);
  });
});

describe("postgres-engine-safety", () => {
  const run = async (...rs: Res[]) => (await runStackPolicy("postgres-engine-safety", rs)).messages;
  it("passes the shape the tier renders (3 instances, one synchronous standby, Spilo's senders)", async () => {
    expect(await run(postgresCr())).toEqual([]);
    expect(await run(postgresCr({ parameters: { fsync: "on", full_page_writes: "true", max_wal_senders: "3" } }))).toEqual([]);
  });
  it("flags durability switched off, in any spelling PostgreSQL accepts", async () => {
    expect(await run(postgresCr({ parameters: { fsync: "off" } }))).toEqual([expect.stringMatching(/fsync = "off": .*Fix: set postgres.overrides.parameters.fsync to "on"/)]);
    expect(await run(postgresCr({ parameters: { fsync: "0" } }))).toHaveLength(1);
    expect(await run(postgresCr({ parameters: { full_page_writes: "no" } }))).toEqual([expect.stringMatching(/torn page/)]);
  });
  it("flags too few WAL senders, counting the stream of a standby cluster on the cluster it streams from", async () => {
    expect(await run(postgresCr({ parameters: { max_wal_senders: "2" } }))).toEqual([expect.stringMatching(/max_wal_senders 2 < 3 \(2 replica\(s\) \+ 1 for a replica being rebuilt\)/)]);
    const primary = postgresCr({ parameters: { max_wal_senders: "3" } });
    const standby = postgresCr({ parameters: { max_wal_senders: "3" } });
    standby.name = "agent-pg-prod-dr";
    standby.inputs.metadata = { ...standby.inputs.metadata, name: "agent-pg-prod-dr" };
    standby.inputs.spec.standby = { standby_host: "primary.example" };
    expect(await run(primary, standby)).toEqual([expect.stringMatching(/^postgresql agent-pg-prod: max_wal_senders 3 < 4 .*\+ 1 for the DR standby/)]);
  });
  it("flags synchronous standbys the cluster can not have, and a lag limit no replica meets", async () => {
    expect(await run(postgresCr({ patroni: { synchronous_node_count: 3 } }))).toEqual([expect.stringMatching(/synchronous_node_count 3 with 3 instances: .*Fix: set postgres.overrides.synchronousNodeCount to at most 2/)]);
    expect(await run(postgresCr({ instances: 1 }))).toEqual([expect.stringMatching(/synchronous_mode with 1 instance/)]);
    expect(await run(postgresCr({ patroni: { synchronous_mode: false, maximum_lag_on_failover: 0 } }))).toEqual([expect.stringMatching(/maximum_lag_on_failover 0/)]);
    expect(await run(postgresCr({ patroni: { maximum_lag_on_failover: 0 } }))).toEqual([]);
  });
});

describe("detection-stability", () => {
  const hc = (failureThreshold: number): Res => ({ type: "aws:route53/healthCheck:HealthCheck", name: "api-primary-check", inputs: { failureThreshold, requestInterval: 10, tags: { Name: "api-primary" } } });
  it("passes Sentinel at 2 s and Route53 at 2 failures", async () => {
    expect((await runStackPolicy("detection-stability", [redisConfigMap(GOOD_REDIS, ["sentinel monitor m h 6379 2", "sentinel down-after-milliseconds m 2000"]), hc(2)])).messages).toEqual([]);
  });
  it("flags a Sentinel that declares a primary dead after one late PING, and a health check that fails on one probe", async () => {
    const m = (await runStackPolicy("detection-stability", [redisConfigMap(GOOD_REDIS, ["sentinel monitor m h 6379 2", "sentinel down-after-milliseconds m 1999"]), hc(1)])).messages;
    expect(m).toEqual([expect.stringMatching(/down-after-milliseconds 1999 for m .*Fix: set redis.overrides.downAfterMilliseconds to at least 2000/), expect.stringMatching(/failureThreshold 1 .*Fix: set dns.overrides.failureThreshold to at least 2/)]);
  });
});

describe("backup-verification", () => {
  const drill = (schedule: string): Res => ({
    type: "kubernetes:batch/v1:CronJob",
    name: "restore-drill",
    inputs: {
      metadata: { name: "pg-restore-drill", namespace: "agent-dr", labels: { "agent-dr/job": "restore-drill" } },
      spec: { schedule, jobTemplate: { spec: { template: { spec: { initContainers: [{ name: "download", env: [{ name: "BACKUP_BUCKET", value: "bk" }, { name: "BACKUP_PREFIX", value: "logical-backups/c" }] }] } } } } },
    },
  });
  const lifecycle = (days: number): Res => ({ type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", name: "bk-lifecycle", inputs: { bucket: "bk", rules: [{ id: "dumps", status: "Enabled", filter: { prefix: "logical-backups/" }, expiration: { days } }] } });
  const lock = (days: number): Res => ({ type: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", name: "bk-lock", inputs: { bucket: "bk", objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: "GOVERNANCE", days } } } });
  const bucket: Res = { type: "aws:s3/bucket:Bucket", name: "bk", inputs: { bucket: "bk", tags: { environment: "prod", purpose: "postgres-backups" } } };
  const run = async (...rs: Res[]) => (await runStackPolicy("backup-verification", [bucket, ...rs])).messages;
  it("passes a weekly drill over 14 days of dumps locked 7 days", async () => {
    expect(await run(drill("0 4 * * 0"), lifecycle(14), lock(7))).toEqual([]);
  });
  it("flags a drill that comes around only after the proven dumps expired; the Fix depends on what can work", async () => {
    expect(await run(drill("0 4 * * 0"), lifecycle(7), lock(7))).toEqual([expect.stringMatching(/runs every 168h .* expire after 7 day\(s\).*Fix: set backup.overrides.restoreDrillSchedule to "0 4 \* \* \*"/)]);
    expect(await run(drill("0 4 * * *"), lifecycle(1), lock(7))).toEqual([expect.stringMatching(/expire after 1 day\(s\).*Fix: set backup.retentionDays to at least 2/)]);
  });
  it("flags a lock shorter than the drill period, and a prod bucket without a lock", async () => {
    expect(await run(drill("0 4 * * 0"), lifecycle(30), lock(3))).toEqual([expect.stringMatching(/Object Lock holds a version 3 day\(s\).*Fix: set backup.objectLock.days to at least 8/)]);
    expect(await run(drill("0 4 * * *"), lifecycle(30))).toEqual([expect.stringMatching(/bk \(prod\) has no Object Lock.*Fix: set backup.objectLock.enabled to true/)]);
  });
  it("a yearly drill is judged by its real gap (8784 h, a leap year), and the lock finding turns to the drill instead of a lock no retention allows", async () => {
    expect(await run(drill("0 0 1 1 *"), lifecycle(30), lock(7))).toEqual([
      expect.stringMatching(/runs every 8784h at worst, but dumps in bk expire after 30 day\(s\).*Fix: set backup.overrides.restoreDrillSchedule to "0 4 \* \* \*"/),
      expect.stringMatching(/Object Lock holds a version 7 day\(s\).*Fix: set backup.overrides.restoreDrillSchedule to "0 4 \* \* \*" \(daily; a 367-day lock would outlast the 30-day retention\)/),
    ]);
  });
});

describe("network-exposure", () => {
  const netpol = (cidr: string): Res => ({
    type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    name: "db",
    inputs: { metadata: { name: "agent-pg-prod-db" }, spec: { ingress: [{ from: [{ ipBlock: { cidr } }], ports: [{ port: 5432 }] }] } },
  });
  it.each(["10.20.0.0/16", "172.16.0.0/12", "192.168.1.0/24", "100.64.0.0/16", "2600:1f14:abc:de00::/56"])("passes the private peer range %s", async (cidr) => {
    expect((await runResource("network-exposure", netpol(cidr))).messages).toEqual([]);
  });
  it.each(["0.0.0.0/0", "10.0.0.0/7", "172.15.0.0/16", "8.8.8.0/24", "::/0", "2600::/32"])("flags %s", async (cidr) => {
    expect((await runResource("network-exposure", netpol(cidr))).messages).toEqual([expect.stringMatching(new RegExp(`ipBlock ${cidr.replace(/[./]/g, "\\$&")} .* on 5432`))]);
  });
});

it("every policy of the pack has tests above", () => {
  const tested = ["postgres-wal-archiving", "postgres-synchronous-mode", "patroni-timing", "redis-persistence", "sentinel-quorum", "backup-cronjob", "bucket-protection", "bucket-replication", "failover-health-check", "target-bounds", "recovery-targets", "postgres-engine-safety", "detection-stability", "backup-verification", "network-exposure"];
  // Tested with their fixtures in test/policies/k8s-policies.test.ts, test/policies/recovery-point-protection.test.ts, test/policies/signal-thresholds.test.ts and test/stack/llm-gateway-stack.test.ts.
  const testedElsewhere = ["network-default-deny", "network-ingress-scope", "workload-hardening", "rbac-least-privilege", "recovery-point-protection", "signal-thresholds", "llm-gateway-chain"];
  expect(policies.map((p) => p.name).sort()).toEqual([...tested, ...testedElsewhere].sort());
});

test("memory quantities as Kubernetes writes them, for the shared_buffers check", async () => {
  const { quantityBytes } = await import("../../dr/targets/quantity");
  expect([quantityBytes("2Gi"), quantityBytes("512Mi"), quantityBytes("1500M"), quantityBytes("1.5Gi"), quantityBytes("lots"), quantityBytes(undefined)]).toEqual([2 * 1024 ** 3, 512 * 1024 ** 2, 1.5e9, 1.5 * 1024 ** 3, undefined, undefined]);
});
