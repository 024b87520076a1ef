import * as pulumi from "@pulumi/pulumi";
import { deriveSettings } from "./dr/settings";
import { AgentPlatform } from "./components/platform";
import { signalsByDataClass } from "./components/signals";
import { loadStackConfig } from "./components/stack-config";

/**
 * The program: validate the stack config, derive the settings, declare the platform, and return
 * the stack's outputs. A function rather than top-level code, so one process can run it once per
 * configuration (the offline planner and the tests do) without reloading the Pulumi SDK.
 */
export function agentDrStack() {
  // Config is validated before any resource is declared: a bad key stops the program here.
  const config = loadStackConfig();
  const settings = deriveSettings(config);
  // Threshold overrides for alerts this stack does not have are refused here too, before any resource.
  signalsByDataClass(config, settings);
  const platform = new AgentPlatform("agent-dr", { config, settings });

  const environment = config.environment;
  const regions = config.regions;
  const primaryNamespace = platform.primary.namespace;
  const drNamespace = platform.dr?.namespace;
  /** The timing settings in force, so a reviewer sees what the targets turned into. */
  const derivedSettings = settings;
  /** Backup buckets, keys and IRSA roles (role ARNs are not secret: they grant nothing without the cluster's token). */
  const backup = pulumi.output({
    primaryBucket: platform.backup.primary.bucketName,
    primaryBucketArn: platform.backup.primary.bucketArn,
    primaryKmsKeyArn: platform.backup.primary.kmsKeyArn,
    drBucket: platform.backup.dr?.bucketName,
    drBucketArn: platform.backup.dr?.bucketArn,
    drKmsKeyArn: platform.backup.dr?.kmsKeyArn,
    replicationRoleArn: platform.backup.replicationRoleArn,
    postgresPodRoleArn: platform.backup.postgresPodRoleArn,
    logicalBackupRoleArn: platform.backup.logicalBackupRoleArn,
    restoreDrillRoleArn: platform.backup.restoreDrillRoleArn,
    drPostgresPodRoleArn: platform.backup.drPostgresPodRoleArn,
  });
  /** Route53 health check ids and failover record names by key (api-primary, api-secondary, db-writer-*). */
  const dnsHealthCheckIds = pulumi.output(platform.dns.healthCheckIds);
  const dnsRecords = pulumi.output(platform.dns.recordNames);
  /** Where session-state clients find the Redis primary (Sentinel protocol; docs/REDIS.md), per region. */
  const redis = platform.redis
    ? pulumi.output({
        masterName: platform.redis.masterName,
        sentinels: platform.redis.sentinels,
        sentinelService: platform.redis.sentinelService,
        secretName: platform.redis.secretName,
        drSentinels: platform.drRedis?.sentinels,
      })
    : undefined;

  return { environment, regions, primaryNamespace, drNamespace, derivedSettings, backup, dnsHealthCheckIds, dnsRecords, redis };
}
