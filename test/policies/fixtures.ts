/** Hand-made resources in the shapes the tiers render, shared by the rule tests in test/policies/rules. */
import { parseStackConfig, serializeTargets, TARGETS_ANNOTATION } from "../../dr/targets";
import type { DataClass } from "../../dr/targets";
import { type Res } from "../harness/policy-run";
import { PLANNING_ANNOTATION, serializePlanning } from "../../dr/targets/planning";

export const prodConfig = parseStackConfig(
  {
    regions: { primary: "us-east-1", dr: "us-west-2" },
    clusters: { primary: { context: "p" }, dr: { context: "d" } },
    endpoints: { api: { name: "api.example.com", zoneId: "Z1", primaryTarget: "p.example.com", drTarget: "d.example.com" } },
    postgres: { standby: { peerCidrs: ["10.20.0.0/16"] } },
  },
  "prod",
);

export const pgClasses = prodConfig.dataClasses.filter((c) => c.store === "postgres");

export const redisClasses = prodConfig.dataClasses.filter((c) => c.store === "redis");

export const annotated = (classes: DataClass[]) => ({ [TARGETS_ANNOTATION]: serializeTargets(classes) });

export function postgresCr(patch: { patroni?: Record<string, unknown>; parameters?: Record<string, unknown>; instances?: number; classes?: DataClass[] } = {}): Res {
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

export function redisConfigMap(redisConf: string[], sentinelConf: string[] = ["sentinel monitor agent-redis redis-0.redis 6379 2"]): Res {
  return {
    type: "kubernetes:core/v1:ConfigMap",
    name: "agent-redis-config",
    inputs: {
      metadata: { name: "agent-redis", namespace: "agent-dr", labels: { "agent-dr/config": "redis", "agent-dr/environment": "prod" }, annotations: annotated(redisClasses) },
      data: { "redis.conf": redisConf.join("\n"), "sentinel.conf": sentinelConf.join("\n") },
    },
  };
}

export const GOOD_REDIS = ["port 6379", "appendonly yes", "appendfsync everysec", "save 300 100", "save 60 10000", 'logfile ""'];

export function sentinelStatefulSet(replicas: number): Res {
  return {
    type: "kubernetes:apps/v1:StatefulSet",
    name: "agent-redis-sentinel",
    inputs: {
      metadata: { name: "agent-redis-sentinel", namespace: "agent-dr" },
      spec: { replicas, template: { spec: { containers: [{ name: "sentinel", command: ["sh", "/config/sentinel-start.sh"] }] } } },
    },
  };
}

export function cronJob(patch: { schedule?: string; concurrencyPolicy?: string | undefined; containers?: any[]; annotations?: Record<string, string> } = {}): Res {
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

export function bucketSet(name: string, region: string, omit: string[] = []): Res[] {
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

export function replication(source: string, dest: string, rtc = true): Res {
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

export const primaryNamespace = (config = prodConfig): Res => ({
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
