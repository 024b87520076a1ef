import { PATRONI } from "../engine-facts";
import { ENVIRONMENT_DEFAULTS, STACK_DEFAULTS } from "./defaults";
import { accountOfArn, awsRegion } from "./aws";
import { ConfigError, ConfigProblem } from "./errors";
import { backupProblems, chaosProblems, consistencyProblems, failoverProblems, llmProblems, oidcProblems } from "./cross-key-problems";
import { removedParameterProblem } from "./postgres-parameters";
import { NETWORK_DEFAULTS, PRIVATE_IPV4_CIDRS } from "./network";
import { resolveAccess, resolveDataClasses, resolveEnvironment } from "./resolve";
import { stackConfigSchema } from "./schema";
import { describeIssue } from "./schema-messages";
import { CONFIG_NAMESPACE, type ClusterAccess, type StackConfig } from "./stack-config";

export * from "./stack-config";

const GIB = 1024 * 1024 * 1024;
const MIB = 1024 * 1024;

/**
 * Validate raw stack config (the object of `agent-dr:*` keys) and resolve every default.
 * Throws ConfigError naming each bad key, its value and what is expected; nothing else runs first.
 */
export function parseStackConfig(raw: unknown, stack: string): StackConfig {
  const parsed = stackConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.flatMap((issue) => describeIssue(issue, raw)));
  }
  const cfg = parsed.data;
  const problems: ConfigProblem[] = [];
  const key = (path: string) => `${CONFIG_NAMESPACE}:${path}`;

  const environment = resolveEnvironment(cfg, stack, problems);
  const envDefaults = ENVIRONMENT_DEFAULTS[environment ?? "staging"];

  // Both regions passed the schema (listed in the SDK's partition data) by the time these run.
  const primaryPartition = awsRegion(cfg.regions.primary)!.partition;
  if (cfg.regions.dr !== undefined && cfg.regions.dr === cfg.regions.primary) {
    problems.push({ key: key("regions.dr"), value: cfg.regions.dr, expected: `expected a region other than the primary region ${cfg.regions.primary}` });
  } else if (cfg.regions.dr !== undefined && awsRegion(cfg.regions.dr)!.partition !== primaryPartition) {
    problems.push({
      key: key("regions.dr"),
      value: cfg.regions.dr,
      expected: `expected a region in the primary region's partition (${cfg.regions.primary} is in ${primaryPartition}, ${cfg.regions.dr} in ${awsRegion(cfg.regions.dr)!.partition}): S3 replication, KMS keys and IAM roles do not cross partitions`,
    });
  }
  const hasDr = cfg.regions.dr !== undefined && cfg.regions.dr !== cfg.regions.primary;
  // A DR region in another partition is reported once, on regions.dr, not again on every DR key that follows it.
  const drInPartition = hasDr && awsRegion(cfg.regions.dr!)!.partition === primaryPartition;

  const postgresEnabled = cfg.postgres?.enabled ?? STACK_DEFAULTS.postgres.enabled;
  const redisEnabled = cfg.redis?.enabled ?? STACK_DEFAULTS.redis.enabled;
  // The gateway exists only where agent-dr:llm declares its providers (there is no default chain).
  const llmEnabled = cfg.llm !== undefined && cfg.llm.enabled !== false;
  const dataClasses = resolveDataClasses(cfg, problems, key, { postgres: postgresEnabled, redis: redisEnabled, "llm-gateway": llmEnabled });
  if (llmEnabled) llmProblems(cfg, problems, key);

  const standbyEnabled = cfg.postgres?.standby?.enabled ?? (hasDr && postgresEnabled);
  if (standbyEnabled && !hasDr) {
    problems.push({ key: key("postgres.standby.enabled"), value: true, expected: "expected false, or set agent-dr:regions.dr (a standby cluster lives in the DR region)" });
  }
  const streaming = cfg.postgres?.standby?.streaming ?? STACK_DEFAULTS.postgres.standby.streaming;
  if (standbyEnabled && hasDr && streaming && (cfg.postgres?.standby?.peerCidrs ?? []).length === 0) {
    problems.push({
      key: key("postgres.standby.peerCidrs"),
      value: undefined,
      expected: "expected the DR cluster's pod CIDRs (e.g. [\"10.20.0.0/16\"]): they become the replication load balancer's loadBalancerSourceRanges (it is refused without them: it would take connections to PostgreSQL from anything that routes to it) and the only addresses from which the primary's NetworkPolicy admits the standby's stream; or set agent-dr:postgres.standby.streaming to false (the standby then replays only the replicated archive)",
    });
  }
  const redisDr = cfg.redis?.drRegion ?? (hasDr && redisEnabled);
  if (redisDr && !hasDr) {
    problems.push({ key: key("redis.drRegion"), value: true, expected: "expected false, or set agent-dr:regions.dr" });
  }
  if (cfg.endpoints?.api?.drTarget && !hasDr) {
    problems.push({ key: key("endpoints.api.drTarget"), value: cfg.endpoints.api.drTarget, expected: "expected no DR target without agent-dr:regions.dr" });
  }
  if (cfg.endpoints?.databaseWriter?.drTarget && !hasDr) {
    problems.push({ key: key("endpoints.databaseWriter.drTarget"), value: cfg.endpoints.databaseWriter.drTarget, expected: "expected no DR target without agent-dr:regions.dr" });
  }

  const namespace = STACK_DEFAULTS.namespace;
  const primaryAccess = resolveAccess(cfg.clusters?.primary, "clusters.primary", problems, key, namespace);
  let drAccess: ClusterAccess | undefined;
  if (cfg.clusters?.dr) {
    if (!hasDr) problems.push({ key: key("clusters.dr"), value: "(cluster access)", expected: "expected no DR cluster without agent-dr:regions.dr" });
    drAccess = resolveAccess(cfg.clusters.dr, "clusters.dr", problems, key, namespace);
  } else if (hasDr && (standbyEnabled || redisDr)) {
    problems.push({ key: key("clusters.dr"), value: undefined, expected: "expected cluster access for the DR region ({ context } or a secret { kubeconfig }), because a standby or DR Redis runs there" });
  }

  const clusterName = cfg.postgres?.clusterName ?? `agent-pg-${environment ?? "staging"}`;
  const dataSizeGiB = cfg.postgres?.dataSizeGiB ?? envDefaults.dataSizeGiB;
  const chaosEnabled = cfg.chaos?.enabled ?? (environment !== undefined && ENVIRONMENT_DEFAULTS[environment].chaosEnabled);
  if (cfg.oidc) oidcProblems(cfg, { hasDr, drInPartition, postgresEnabled, standbyEnabled }, problems, key);
  consistencyProblems(cfg, { hasDr, standbyEnabled, clusterName, dataSizeGiB }, problems, key);
  backupProblems(cfg, hasDr, envDefaults.backupRetentionDays, problems, key);
  failoverProblems(cfg, hasDr, problems, key);
  chaosProblems(cfg, chaosEnabled, problems, key);

  // Parameters (names, values, the ones the recovery settings own) were judged by the schema, against PostgreSQL 15.
  const pgo = cfg.postgres?.overrides ?? {};
  const major = Number(cfg.postgres?.version ?? STACK_DEFAULTS.postgres.version);
  for (const name of Object.keys(pgo.parameters ?? {})) {
    const removed = removedParameterProblem(name, major);
    if (removed) problems.push({ key: key(`postgres.overrides.parameters.${name}`), value: pgo.parameters![name], expected: removed });
  }
  // Patroni 3.2+ raises these to its floors without a word: an override below one would not be what runs.
  for (const [k, floor] of [["ttlSeconds", PATRONI.minTtlSeconds], ["loopWaitSeconds", PATRONI.minLoopWaitSeconds], ["retryTimeoutSeconds", PATRONI.minRetryTimeoutSeconds]] as const) {
    const v = pgo[k];
    if (v !== undefined && v < floor) {
      problems.push({ key: key(`postgres.overrides.${k}`), value: v, expected: `expected at least ${floor}: Patroni 3.2+ silently raises a lower value to ${floor}, so ${v} would not be what runs (set ${floor} or more)` });
    }
  }

  if (problems.length > 0 || environment === undefined) throw new ConfigError(problems);

  return {
    stack,
    environment,
    owner: cfg.owner ?? STACK_DEFAULTS.owner,
    regions: { primary: cfg.regions.primary, ...(hasDr ? { dr: cfg.regions.dr } : {}) },
    clusters: { primary: primaryAccess, ...(drAccess ? { dr: drAccess } : {}) },
    dataClasses,
    endpoints: cfg.endpoints ?? {},
    ...(cfg.oidc ? { oidc: cfg.oidc } : {}),
    postgres: {
      enabled: postgresEnabled,
      clusterName,
      instances: cfg.postgres?.instances ?? envDefaults.postgresInstances,
      installOperator: cfg.postgres?.installOperator ?? STACK_DEFAULTS.postgres.installOperator,
      version: cfg.postgres?.version ?? STACK_DEFAULTS.postgres.version,
      volumeSize: cfg.postgres?.volumeSize ?? `${Math.max(STACK_DEFAULTS.postgres.minVolumeGiB, Math.ceil(dataSizeGiB * STACK_DEFAULTS.postgres.volumePerDataGiB))}Gi`,
      dataSizeBytes: dataSizeGiB * GIB,
      writeRateBytesPerSecond: (cfg.postgres?.writeRateMiBPerSecond ?? STACK_DEFAULTS.postgres.writeRateMiBPerSecond) * MIB,
      standby: {
        enabled: standbyEnabled,
        streaming,
        maxLagSeconds: cfg.postgres?.standby?.maxLagSeconds ?? STACK_DEFAULTS.postgres.standby.maxLagSeconds,
        peerCidrs: cfg.postgres?.standby?.peerCidrs ?? [],
        primaryCidrs: cfg.postgres?.standby?.primaryCidrs ?? [...PRIVATE_IPV4_CIDRS],
      },
      ...(cfg.postgres?.clone ? { clone: cfg.postgres.clone } : {}),
      overrides: pgo,
    },
    redis: {
      enabled: redisEnabled,
      replicas: cfg.redis?.replicas ?? envDefaults.redisReplicas,
      sentinels: cfg.redis?.sentinels ?? STACK_DEFAULTS.redis.sentinels,
      drRegion: redisDr,
      overrides: cfg.redis?.overrides ?? {},
    },
    backup: {
      retentionDays: cfg.backup?.retentionDays ?? envDefaults.backupRetentionDays,
      objectLock: {
        enabled: cfg.backup?.objectLock?.enabled ?? STACK_DEFAULTS.backup.objectLockEnabled,
        days: cfg.backup?.objectLock?.days ?? Math.min(envDefaults.objectLockDays, cfg.backup?.retentionDays ?? envDefaults.backupRetentionDays),
        mode: cfg.backup?.objectLock?.mode ?? envDefaults.objectLockMode,
      },
      administrators: cfg.backup?.administrators ?? [],
      breakGlassPrincipals: cfg.backup?.breakGlassPrincipals ?? [],
      ...(cfg.backup?.drAccount ? { drAccount: { ...cfg.backup.drAccount, accountId: accountOfArn(cfg.backup.drAccount.roleArn)! } } : {}),
      overrides: cfg.backup?.overrides ?? {},
    },
    dns: { overrides: cfg.dns?.overrides ?? {} },
    failover: {
      regionPromotion: cfg.failover?.regionPromotion ?? STACK_DEFAULTS.failover.regionPromotion,
      manualResponseSeconds: (cfg.failover?.manualResponseMinutes ?? STACK_DEFAULTS.failover.manualResponseMinutes) * 60,
      ...(cfg.failover?.corruptionNoticedMinutes !== undefined ? { corruptionNoticedSeconds: cfg.failover.corruptionNoticedMinutes * 60 } : {}),
      controller: {
        enabled: cfg.failover?.controller?.enabled ?? STACK_DEFAULTS.failover.controller.enabled,
        intervalSeconds: cfg.failover?.controller?.intervalSeconds ?? STACK_DEFAULTS.failover.controller.intervalSeconds,
        failureThreshold: cfg.failover?.controller?.failureThreshold ?? STACK_DEFAULTS.failover.controller.failureThreshold,
      },
    },
    network: {
      monitoringNamespace: cfg.network?.monitoringNamespace ?? NETWORK_DEFAULTS.monitoringNamespace,
      monitoringPodLabels: cfg.network?.monitoringPodLabels ?? { ...NETWORK_DEFAULTS.monitoringPodLabels },
      apiServerCidrs: cfg.network?.apiServerCidrs ?? [...NETWORK_DEFAULTS.apiServerCidrs],
      awsApiCidrs: cfg.network?.awsApiCidrs ?? [...NETWORK_DEFAULTS.awsApiCidrs],
    },
    ...(llmEnabled
      ? {
          llm: {
            providers: cfg.llm!.providers.map((p) => ({ ...p })),
            ...(cfg.llm!.failoverStatusCodes ? { failoverStatusCodes: [...cfg.llm!.failoverStatusCodes] } : {}),
            ...(cfg.llm!.degraded ? { degraded: { ...cfg.llm!.degraded } } : {}),
            replicas: cfg.llm!.replicas ?? STACK_DEFAULTS.llm.replicas,
            egressCidrs: cfg.llm!.egressCidrs ?? [...STACK_DEFAULTS.llm.egressCidrs],
            overrides: cfg.llm!.overrides ?? {},
          },
        }
      : {}),
    chaos: {
      enabled: chaosEnabled,
      installChart: cfg.chaos?.installChart ?? STACK_DEFAULTS.chaos.installChart,
      chartVersion: cfg.chaos?.chartVersion ?? STACK_DEFAULTS.chaos.chartVersion,
      namespace: cfg.chaos?.namespace ?? STACK_DEFAULTS.chaos.namespace,
    },
    probe: {
      enabled: cfg.probe?.enabled ?? ENVIRONMENT_DEFAULTS[environment].probeEnabled,
      writeIntervalMs: cfg.probe?.writeIntervalMs ?? STACK_DEFAULTS.probe.writeIntervalMs,
    },
    signals: {
      prometheusOperator: cfg.signals?.prometheusOperator ?? STACK_DEFAULTS.signals.prometheusOperator,
      ...(cfg.signals?.onCallWebhook ? { onCallWebhook: cfg.signals.onCallWebhook } : {}),
      ...(cfg.signals?.onCallSubscriber ? { onCallSubscriber: cfg.signals.onCallSubscriber } : {}),
      runbookBaseUrl: cfg.signals?.runbookBaseUrl ?? STACK_DEFAULTS.signals.runbookBaseUrl,
      overrides: cfg.signals?.overrides ?? {},
    },
  };
}
