import { z } from "zod";
import { PATRONI } from "../engine-facts";
import { DEFAULT_DATA_CLASSES, ENVIRONMENT_DEFAULTS, PROBE_DEFAULT_WRITE_INTERVAL_MS, probeEnabledByDefault } from "./defaults";
import { formatDuration, parseDuration } from "./durations";
import { accountOfArn, awsRegion, issuerHostPath, parseOidcProviderArn, partitionOfArn } from "./aws";
import { ConfigError, ConfigProblem } from "./errors";
import { DEGRADED_LABEL, GATEWAY_LABEL, UNKNOWN_LABEL } from "../../contract/llm-gateway";
import { removedParameterProblem } from "./postgres-parameters";
import { quantityBytes } from "./quantity";
import { NETWORK_DEFAULTS, NetworkSettings, PRIVATE_IPV4_CIDRS } from "./network";
import { SCENARIOS, Scenario, scenarioApplies, Store, STORE_SCENARIOS, Target } from "./scenarios";
import {
  BackupOverrides,
  DnsOverrides,
  LlmOverrides,
  PostgresOverrides,
  RawStackConfig,
  RedisOverrides,
  SignalAlert,
  stackConfigSchema,
} from "./schema";

export const CONFIG_NAMESPACE = "agent-dr";

export type Environment = "staging" | "prod";

export interface DataClass {
  name: string;
  store: Store;
  /** PostgreSQL database holding the class (postgres classes only). */
  database?: string;
  description: string;
  targets: Record<Scenario, Target>;
  /** Why a scenario's target differs from the headline, where it does. */
  notes: Partial<Record<Scenario, string>>;
}

export interface ClusterAccess {
  kubeconfig?: string;
  context?: string;
  namespace: string;
}

export interface StackConfig {
  stack: string;
  environment: Environment;
  owner: string;
  regions: { primary: string; dr?: string };
  clusters: { primary: ClusterAccess; dr?: ClusterAccess };
  dataClasses: DataClass[];
  endpoints: NonNullable<RawStackConfig["endpoints"]>;
  oidc?: NonNullable<RawStackConfig["oidc"]>;
  postgres: {
    enabled: boolean;
    clusterName: string;
    instances: number;
    installOperator: boolean;
    version: "15" | "16" | "17";
    volumeSize: string;
    dataSizeBytes: number;
    writeRateBytesPerSecond: number;
    /** primaryCidrs: the primary region's VPC CIDRs, where the DR standby streams to (its egress on 5432). */
    standby: { enabled: boolean; streaming: boolean; maxLagSeconds: number; peerCidrs: string[]; primaryCidrs: string[] };
    clone?: { sourceCluster: string; targetTime: string };
    overrides: PostgresOverrides;
  };
  redis: { enabled: boolean; replicas: number; sentinels: number; drRegion: boolean; overrides: RedisOverrides };
  backup: {
    retentionDays: number;
    objectLock: { enabled: boolean; days: number; mode: "COMPLIANCE" | "GOVERNANCE" };
    /** May reconfigure the buckets and administer the keys (the principals that run `pulumi up`); empty: any IAM admin of the account. */
    administrators: string[];
    /** Alone may destroy recovery points; empty: nobody (the locks and versions expire only by the lifecycle). */
    breakGlassPrincipals: string[];
    /** The DR copy's own account: the role Pulumi assumes there, and that account's id. */
    drAccount?: { roleArn: string; externalId?: string; accountId: string };
    overrides: BackupOverrides;
  };
  dns: { overrides: DnsOverrides };
  failover: {
    regionPromotion: "automatic" | "manual";
    manualResponseSeconds: number;
    /** Declared: how long a logical corruption goes before it is reported to on-call (absent: no bound). */
    corruptionNoticedSeconds?: number;
    controller: { enabled: boolean; intervalSeconds: number; failureThreshold: number };
  };
  /** What the NetworkPolicies admit besides the stack (NETWORK_DEFAULTS where a key is not set). */
  network: NetworkSettings;
  /** The LLM gateway in every region the agent API runs in (absent: no agent-dr:llm key, or enabled false). */
  llm?: LlmConfig;
  /** The in-cluster measured DR tests (agent-dr:chaos): Chaos Mesh fault Schedules in the primary region. */
  chaos: ChaosConfig;
  /** The recovery probe in the primary region (agent-dr:probe; on by default in staging only, see probeEnabledByDefault). */
  probe: { enabled: boolean; writeIntervalMs: number };
  signals: {
    prometheusOperator: boolean;
    onCallWebhook?: string;
    /** A subscription to the alarm topic made outside the stack, named by who answers it. */
    onCallSubscriber?: string;
    runbookBaseUrl: string;
    overrides: Partial<Record<SignalAlert, number>>;
  };
}

export interface ChaosConfig {
  /** Default: staging only (a fault in prod is a decision, not a cron default). */
  enabled: boolean;
  installChart: boolean;
  chartVersion: string;
  namespace: string;
}

/** Chaos Mesh release whose CRDs schemas/chaos-mesh/ holds. */
export const CHAOS_MESH_CHART_VERSION = "2.8.3";

export interface LlmProviderConfig {
  name: string;
  provider: string;
  baseUrl: string;
  model: string;
  /** A Pulumi secret in the stack file; the component wraps it in pulumi.secret. */
  apiKey: string;
}

export interface LlmConfig {
  providers: LlmProviderConfig[];
  failoverStatusCodes?: number[];
  degraded?: { message: string; handoffWebhook: string };
  replicas: number;
  egressCidrs: string[];
  overrides: LlmOverrides;
}

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

  const postgresEnabled = cfg.postgres?.enabled ?? true;
  const redisEnabled = cfg.redis?.enabled ?? true;
  // The gateway exists only where agent-dr:llm declares its providers (there is no default chain).
  const llmEnabled = cfg.llm !== undefined && cfg.llm.enabled !== false;
  const dataClasses = resolveDataClasses(cfg, problems, key, { postgres: postgresEnabled, redis: redisEnabled, "llm-gateway": llmEnabled });
  if (llmEnabled) llmProblems(cfg, problems, key);

  const standbyEnabled = cfg.postgres?.standby?.enabled ?? (hasDr && postgresEnabled);
  if (standbyEnabled && !hasDr) {
    problems.push({ key: key("postgres.standby.enabled"), value: true, expected: "expected false, or set agent-dr:regions.dr (a standby cluster lives in the DR region)" });
  }
  const streaming = cfg.postgres?.standby?.streaming ?? true;
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

  const namespace = "agent-dr";
  const primaryAccess = resolveAccess(cfg.clusters?.primary, "clusters.primary", problems, key, namespace);
  let drAccess: ClusterAccess | undefined;
  if (cfg.clusters?.dr) {
    if (!hasDr) problems.push({ key: key("clusters.dr"), value: "(cluster access)", expected: "expected no DR cluster without agent-dr:regions.dr" });
    drAccess = resolveAccess(cfg.clusters.dr, "clusters.dr", problems, key, namespace);
  } else if (hasDr && (standbyEnabled || redisDr)) {
    problems.push({ key: key("clusters.dr"), value: undefined, expected: "expected cluster access for the DR region ({ context } or a secret { kubeconfig }), because a standby or DR Redis runs there" });
  }

  if (cfg.oidc) oidcProblems(cfg, hasDr, drInPartition, problems, key);
  consistencyProblems(cfg, { hasDr, standbyEnabled, environment: environment ?? "staging", dataSizeGiB: cfg.postgres?.dataSizeGiB ?? envDefaults.dataSizeGiB }, problems, key);
  backupProblems(cfg, hasDr, envDefaults.backupRetentionDays, problems, key);
  failoverProblems(cfg, hasDr, problems, key);
  chaosProblems(cfg, environment, problems, key);

  // Parameters (names, values, the ones the recovery settings own) were judged by the schema, against PostgreSQL 15.
  const pgo = cfg.postgres?.overrides ?? {};
  const major = Number(cfg.postgres?.version ?? "15");
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

  const dataSizeGiB = cfg.postgres?.dataSizeGiB ?? envDefaults.dataSizeGiB;
  return {
    stack,
    environment,
    owner: cfg.owner ?? "platform-team",
    regions: { primary: cfg.regions.primary, ...(hasDr ? { dr: cfg.regions.dr } : {}) },
    clusters: { primary: primaryAccess, ...(drAccess ? { dr: drAccess } : {}) },
    dataClasses,
    endpoints: cfg.endpoints ?? {},
    ...(cfg.oidc ? { oidc: cfg.oidc } : {}),
    postgres: {
      enabled: postgresEnabled,
      clusterName: cfg.postgres?.clusterName ?? `agent-pg-${environment}`,
      instances: cfg.postgres?.instances ?? envDefaults.postgresInstances,
      installOperator: cfg.postgres?.installOperator ?? false,
      version: cfg.postgres?.version ?? "15",
      volumeSize: cfg.postgres?.volumeSize ?? `${Math.max(10, Math.ceil(dataSizeGiB * 2))}Gi`,
      dataSizeBytes: dataSizeGiB * GIB,
      writeRateBytesPerSecond: (cfg.postgres?.writeRateMiBPerSecond ?? 1) * MIB,
      standby: {
        enabled: standbyEnabled,
        streaming,
        maxLagSeconds: cfg.postgres?.standby?.maxLagSeconds ?? 10,
        peerCidrs: cfg.postgres?.standby?.peerCidrs ?? [],
        primaryCidrs: cfg.postgres?.standby?.primaryCidrs ?? [...PRIVATE_IPV4_CIDRS],
      },
      ...(cfg.postgres?.clone ? { clone: cfg.postgres.clone } : {}),
      overrides: pgo,
    },
    redis: {
      enabled: redisEnabled,
      replicas: cfg.redis?.replicas ?? envDefaults.redisReplicas,
      sentinels: cfg.redis?.sentinels ?? 3,
      drRegion: redisDr,
      overrides: cfg.redis?.overrides ?? {},
    },
    backup: {
      retentionDays: cfg.backup?.retentionDays ?? envDefaults.backupRetentionDays,
      objectLock: {
        enabled: cfg.backup?.objectLock?.enabled ?? true,
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
      regionPromotion: cfg.failover?.regionPromotion ?? "manual",
      manualResponseSeconds: (cfg.failover?.manualResponseMinutes ?? 10) * 60,
      ...(cfg.failover?.corruptionNoticedMinutes !== undefined ? { corruptionNoticedSeconds: cfg.failover.corruptionNoticedMinutes * 60 } : {}),
      controller: {
        enabled: cfg.failover?.controller?.enabled ?? false,
        intervalSeconds: cfg.failover?.controller?.intervalSeconds ?? 10,
        failureThreshold: cfg.failover?.controller?.failureThreshold ?? 3,
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
            replicas: cfg.llm!.replicas ?? 2,
            egressCidrs: cfg.llm!.egressCidrs ?? ["0.0.0.0/0"],
            overrides: cfg.llm!.overrides ?? {},
          },
        }
      : {}),
    chaos: {
      enabled: cfg.chaos?.enabled ?? environment === "staging",
      installChart: cfg.chaos?.installChart ?? false,
      chartVersion: cfg.chaos?.chartVersion ?? CHAOS_MESH_CHART_VERSION,
      namespace: cfg.chaos?.namespace ?? "chaos-mesh",
    },
    probe: {
      enabled: cfg.probe?.enabled ?? probeEnabledByDefault(environment ?? "staging"),
      writeIntervalMs: cfg.probe?.writeIntervalMs ?? PROBE_DEFAULT_WRITE_INTERVAL_MS,
    },
    signals: {
      prometheusOperator: cfg.signals?.prometheusOperator ?? false,
      ...(cfg.signals?.onCallWebhook ? { onCallWebhook: cfg.signals.onCallWebhook } : {}),
      ...(cfg.signals?.onCallSubscriber ? { onCallSubscriber: cfg.signals.onCallSubscriber } : {}),
      runbookBaseUrl: cfg.signals?.runbookBaseUrl ?? "",
      overrides: cfg.signals?.overrides ?? {},
    },
  };
}

/**
 * Keys that are each valid alone but together describe a stack that can not work: a DR region
 * that is the primary's cluster, a failover record whose secondary is its primary (or itself), a
 * writer name that stays in the lost region, a volume smaller than its data, a clone of a cluster
 * whose archive is not in this stack's bucket, or of a time that has not happened yet.
 */
function consistencyProblems(cfg: RawStackConfig, ctx: { hasDr: boolean; standbyEnabled: boolean; environment: string; dataSizeGiB: number }, problems: ConfigProblem[], key: (p: string) => string): void {
  const p = cfg.clusters?.primary;
  const d = cfg.clusters?.dr;
  if (ctx.hasDr && p && d && ((p.context !== undefined && p.context === d.context) || (p.kubeconfig !== undefined && p.kubeconfig === d.kubeconfig))) {
    problems.push({
      key: key(p.context !== undefined && p.context === d.context ? "clusters.dr.context" : "clusters.dr.kubeconfig"),
      value: p.context !== undefined && p.context === d.context ? d.context : "(the primary's kubeconfig)",
      expected: `expected the DR region's (${cfg.regions.dr}) own cluster, not the primary region's: a standby in the primary's cluster is lost with it`,
    });
  }
  for (const [name, e] of [["api", cfg.endpoints?.api], ["databaseWriter", cfg.endpoints?.databaseWriter]] as const) {
    if (!e) continue;
    const lower = (v?: string) => v?.replace(/\.$/, "").toLowerCase();
    if (lower(e.primaryTarget) === lower(e.name)) {
      problems.push({ key: key(`endpoints.${name}.primaryTarget`), value: e.primaryTarget, expected: `expected the address that serves ${e.name}, not the record's own name (a CNAME to itself never resolves)` });
    }
    if (e.drTarget !== undefined && lower(e.drTarget) === lower(e.name)) {
      problems.push({ key: key(`endpoints.${name}.drTarget`), value: e.drTarget, expected: `expected the DR region's address, not the record's own name (a CNAME to itself never resolves)` });
    } else if (e.drTarget !== undefined && lower(e.drTarget) === lower(e.primaryTarget)) {
      problems.push({ key: key(`endpoints.${name}.drTarget`), value: e.drTarget, expected: `expected the DR region's (${cfg.regions.dr ?? "DR"}) address, not the primary target: failing over to it sends clients back to the lost region` });
    }
  }
  const writer = cfg.endpoints?.databaseWriter;
  if (writer && ctx.hasDr && ctx.standbyEnabled && writer.drTarget === undefined) {
    problems.push({
      key: key("endpoints.databaseWriter.drTarget"),
      value: undefined,
      expected: `expected the DR standby's writer address (its pooler in ${cfg.regions.dr}): without it ${writer.name} keeps pointing at the lost region after the standby is promoted`,
    });
  }
  const data = ctx.dataSizeGiB;
  const volume = cfg.postgres?.volumeSize;
  if (volume !== undefined) {
    const gib = quantityBytes(volume)! / 1024 ** 3;
    // The data plus max_wal_size's 1 GiB of WAL (PostgreSQL's default) must fit, or the volume fills before the data is all there.
    if (gib < data + 1) {
      problems.push({ key: key("postgres.volumeSize"), value: volume, expected: `expected at least ${Math.ceil(data + 1)}Gi: the data (agent-dr:postgres.dataSizeGiB ${data}) plus 1 GiB of WAL (max_wal_size) must fit` });
    }
  }
  const clone = cfg.postgres?.clone;
  if (clone) {
    const own = cfg.postgres?.clusterName ?? `agent-pg-${ctx.environment}`;
    if (clone.sourceCluster !== own) {
      problems.push({
        key: key("postgres.clone.sourceCluster"),
        value: clone.sourceCluster,
        expected: `expected "${own}", the cluster this stack archives: a clone reads its source's base backups and WAL from this stack's backup bucket, and no other cluster archives there`,
      });
    }
    const at = Date.parse(clone.targetTime);
    if (Number.isFinite(at) && at > Date.now()) {
      problems.push({ key: key("postgres.clone.targetTime"), value: clone.targetTime, expected: "expected a time in the past: a point-in-time clone replays archived WAL up to it, and WAL of the future does not exist yet" });
    }
  }
}

/**
 * The OIDC providers must be the ones IRSA will meet: IAM names a provider after its issuer (host
 * and path), and an ARN only works in its own partition. A mismatch makes every role's trust
 * policy name a provider that never signs the pods' tokens.
 */
function oidcProblems(cfg: RawStackConfig, hasDr: boolean, drInPartition: boolean, problems: ConfigProblem[], key: (p: string) => string): void {
  const oidc = cfg.oidc!;
  const pairs: Array<[string, string, string | undefined, string | undefined, string | undefined]> = [
    ["providerArn", "issuerUrl", oidc.providerArn, oidc.issuerUrl, cfg.regions.primary],
    ["drProviderArn", "drIssuerUrl", oidc.drProviderArn, oidc.drIssuerUrl, drInPartition ? cfg.regions.dr : undefined],
  ];
  for (const [arnKey, issuerKey, arn, issuer, region] of pairs) {
    if ((arn === undefined) !== (issuer === undefined)) {
      const [missing, present] = arn === undefined ? [arnKey, issuerKey] : [issuerKey, arnKey];
      problems.push({ key: key(`oidc.${missing}`), value: undefined, expected: `expected it together with agent-dr:oidc.${present}: the provider ARN and its issuer describe one provider` });
      continue;
    }
    if (arn === undefined || issuer === undefined) continue;
    const parsed = parseOidcProviderArn(arn);
    if (typeof parsed === "string") continue; // the schema reported it
    if (parsed.issuer !== issuerHostPath(issuer)) {
      problems.push({
        key: key(`oidc.${issuerKey}`),
        value: issuer,
        expected: `expected the issuer agent-dr:oidc.${arnKey} is named after (${parsed.issuer}): IAM names an OIDC provider by its issuer's host and path`,
      });
    }
    const partition = region ? awsRegion(region)?.partition : undefined;
    if (partition && parsed.partition !== partition) {
      problems.push({ key: key(`oidc.${arnKey}`), value: arn, expected: `expected an ARN in ${partition}, the partition of ${region} (this one is in ${parsed.partition})` });
    }
    // An EKS issuer names its cluster's region (oidc.eks.<region>.amazonaws.com): the wrong one is another region's cluster.
    const eksRegion = /^oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//.exec(parsed.issuer)?.[1];
    if (region && eksRegion && eksRegion !== region) {
      problems.push({ key: key(`oidc.${issuerKey}`), value: issuer, expected: `expected the issuer of the EKS cluster in ${region} (this one is a cluster's in ${eksRegion}): IRSA roles trust the provider of the cluster their pods run in` });
    }
  }
  const primaryArn = parseOidcProviderArn(oidc.providerArn);
  const drArn = oidc.drProviderArn !== undefined ? parseOidcProviderArn(oidc.drProviderArn) : undefined;
  if (typeof primaryArn !== "string" && drArn !== undefined && typeof drArn !== "string" && drArn.accountId !== primaryArn.accountId) {
    problems.push({
      key: key("oidc.drProviderArn"),
      value: oidc.drProviderArn,
      expected: `expected a provider in the workload account ${primaryArn.accountId} (agent-dr:oidc.providerArn's): the stack creates every IRSA role there, and a role trusts only providers of its own account`,
    });
  }
  const standby = cfg.postgres?.standby?.enabled ?? (hasDr && (cfg.postgres?.enabled ?? true));
  if (hasDr && cfg.clusters?.dr && (cfg.postgres?.enabled ?? true) && standby && oidc.drProviderArn === undefined && oidc.drIssuerUrl === undefined) {
    problems.push({
      key: key("oidc.drProviderArn"),
      value: undefined,
      expected: `expected the DR cluster's OIDC provider ARN and issuer (agent-dr:oidc.drIssuerUrl), because the standby cluster in ${cfg.regions.dr} reads the DR bucket through IRSA`,
    });
  }
}

/** Replication settings that need a DR region, refused here rather than when the buckets are declared. */
function backupProblems(cfg: RawStackConfig, hasDr: boolean, defaultRetentionDays: number, problems: ConfigProblem[], key: (p: string) => string): void {
  const o = cfg.backup?.overrides ?? {};
  const lock = cfg.backup?.objectLock;
  const retention = cfg.backup?.retentionDays ?? defaultRetentionDays;
  if (lock?.days !== undefined && lock.enabled && lock.days > retention) {
    problems.push({
      key: key("backup.objectLock.days"),
      value: lock.days,
      expected: `expected at most agent-dr:backup.retentionDays (${retention}): the lifecycle expires versions after ${retention} days but the lock would keep them ${lock.days}, so the stated retention would not be what S3 keeps (raise retentionDays, or lower the lock days)`,
    });
  }
  const drAccount = cfg.backup?.drAccount;
  if (drAccount) {
    const workload = cfg.oidc ? accountOfArn(cfg.oidc.providerArn) : undefined;
    const own = accountOfArn(drAccount.roleArn);
    if (!hasDr) {
      problems.push({ key: key("backup.drAccount"), value: drAccount.roleArn, expected: "expected no backup account without agent-dr:regions.dr (the DR copy is what lives there)" });
    } else if (!cfg.oidc) {
      problems.push({ key: key("backup.drAccount"), value: drAccount.roleArn, expected: "expected agent-dr:oidc too: the workload account is read from its provider ARN, and the backup account's policies name that account's roles" });
    } else if (own === workload) {
      problems.push({ key: key("backup.drAccount.roleArn"), value: drAccount.roleArn, expected: `expected a role in another account than the workload account ${workload} (a copy in the same account falls with it)` });
    } else if (partitionOfArn(drAccount.roleArn) !== partitionOfArn(cfg.oidc.providerArn)) {
      problems.push({ key: key("backup.drAccount.roleArn"), value: drAccount.roleArn, expected: `expected a role in the workload account's partition (${partitionOfArn(cfg.oidc.providerArn)}): S3 replicates only within one partition` });
    }
    if (o.crossRegionReplication === false) {
      problems.push({ key: key("backup.overrides.crossRegionReplication"), value: false, expected: "expected true or unset with agent-dr:backup.drAccount (replication is what fills the backup account's copy)" });
    }
  }
  if (o.crossRegionReplication === true && !hasDr) {
    problems.push({ key: key("backup.overrides.crossRegionReplication"), value: true, expected: "expected false or unset without agent-dr:regions.dr (there is no DR bucket to replicate to)" });
  }
  if (o.replicationTimeControl === true && !(o.crossRegionReplication ?? hasDr)) {
    problems.push({ key: key("backup.overrides.replicationTimeControl"), value: true, expected: "expected false or unset while cross-region replication is off (RTC is a property of replication)" });
  }
}

/**
 * Options that would be silently ignored: an automatic region promotion needs the failover
 * controller to do it (and a DR region to promote), or the stack runs manual while its owner
 * believes otherwise.
 */
function failoverProblems(cfg: RawStackConfig, hasDr: boolean, problems: ConfigProblem[], key: (p: string) => string): void {
  if (cfg.failover?.regionPromotion !== "automatic") return;
  if (cfg.failover.controller?.enabled !== true) {
    problems.push({ key: key("failover.regionPromotion"), value: "automatic", expected: 'expected "manual" unless agent-dr:failover.controller.enabled is true (no controller would promote the DR region; the promotion would silently stay manual)' });
  } else if (!hasDr) {
    problems.push({ key: key("failover.regionPromotion"), value: "automatic", expected: 'expected "manual" or unset without agent-dr:regions.dr (there is no DR region to promote)' });
  }
}

/** A chain that names one provider twice would try it twice and call it a fallback. */
/** Chart settings with the tests off would be ignored silently. */
function chaosProblems(cfg: RawStackConfig, environment: Environment | undefined, problems: ConfigProblem[], key: (p: string) => string): void {
  const enabled = cfg.chaos?.enabled ?? environment === "staging";
  if (enabled) return;
  for (const k of ["installChart", "chartVersion", "namespace"] as const) {
    const v = cfg.chaos?.[k];
    if (v === undefined || v === false) continue;
    problems.push({ key: key(`chaos.${k}`), value: v, expected: `expected unset (or installChart false) while agent-dr:chaos.enabled is false${cfg.chaos?.enabled === undefined ? " (the default in this environment)" : ""}: no fault Schedule would use Chaos Mesh, the setting would be ignored` });
  }
}

function llmProblems(cfg: RawStackConfig, problems: ConfigProblem[], key: (p: string) => string): void {
  const providers = cfg.llm!.providers;
  providers.forEach((p, i) => {
    const first = providers.findIndex((q) => q.name === p.name);
    if (first !== i) problems.push({ key: key(`llm.providers[${i}].name`), value: p.name, expected: `expected a name no other provider has (providers[${first}] is already "${p.name}")` });
    // The gateway meter labels its series by these names beside its own two (docs/LLM-GATEWAY.md, Signals).
    if ([DEGRADED_LABEL, GATEWAY_LABEL, UNKNOWN_LABEL].includes(p.name)) problems.push({ key: key(`llm.providers[${i}].name`), value: p.name, expected: `expected another name: "${DEGRADED_LABEL}", "${GATEWAY_LABEL}" and "${UNKNOWN_LABEL}" are the gateway meter's own labels` });
    const same = providers.findIndex((q) => q.baseUrl === p.baseUrl && q.model === p.model);
    if (same !== i) problems.push({ key: key(`llm.providers[${i}].baseUrl`), value: p.baseUrl, expected: `expected another endpoint or model than providers[${same}] (the same endpoint and model fail together, so it is no fallback)` });
  });
}

function resolveEnvironment(cfg: RawStackConfig, stack: string, problems: ConfigProblem[]): Environment | undefined {
  if (cfg.environment) return cfg.environment;
  if (stack === "staging" || stack === "prod") return stack;
  problems.push({
    key: `${CONFIG_NAMESPACE}:environment`,
    value: undefined,
    expected: `expected "staging" or "prod" (the stack "${stack}" does not name an environment)`,
  });
  return undefined;
}

function resolveAccess(
  raw: { kubeconfig?: string; context?: string; namespace?: string } | undefined,
  path: string,
  problems: ConfigProblem[],
  key: (p: string) => string,
  namespace: string,
): ClusterAccess {
  if (raw?.kubeconfig && raw?.context) {
    problems.push({ key: key(`${path}.context`), value: raw.context, expected: "expected either kubeconfig or context, not both" });
  }
  return {
    ...(raw?.kubeconfig ? { kubeconfig: raw.kubeconfig } : {}),
    ...(raw?.context ? { context: raw.context } : {}),
    namespace: raw?.namespace ?? namespace,
  };
}

function resolveDataClasses(
  cfg: RawStackConfig,
  problems: ConfigProblem[],
  key: (p: string) => string,
  enabledStores: Record<Store, boolean>,
): DataClass[] {
  const names = new Set([...Object.keys(DEFAULT_DATA_CLASSES), ...Object.keys(cfg.dataClasses ?? {})]);
  const classes: DataClass[] = [];
  for (const name of names) {
    const base = DEFAULT_DATA_CLASSES[name];
    const user = cfg.dataClasses?.[name] ?? {};
    if (user.enabled === false) continue;
    const at = (p: string) => key(`dataClasses.${name}.${p}`);
    const store = user.store ?? base?.store;
    const rto = user.rto ?? base?.rto;
    const rpo = user.rpo ?? base?.rpo;
    if (!store) problems.push({ key: at("store"), value: undefined, expected: `expected one of "postgres", "redis", "llm-gateway" for a new data class` });
    if (!rto) problems.push({ key: at("rto"), value: undefined, expected: "expected a duration for a new data class" });
    if (!rpo) problems.push({ key: at("rpo"), value: undefined, expected: "expected a duration for a new data class" });
    if (!store || !rto || !rpo) continue;
    if (!enabledStores[store] && base !== undefined && cfg.dataClasses?.[name] === undefined && store === "llm-gateway") continue;
    if (!enabledStores[store]) {
      problems.push({ key: at("store"), value: store, expected: `expected a store that is enabled (${store === "llm-gateway" ? "agent-dr:llm is unset or its enabled is false" : `agent-dr:${store}.enabled is false`}); disable the class with enabled: false` });
      continue;
    }
    const targets = {} as Record<Scenario, Target>;
    const notes: Partial<Record<Scenario, string>> = {};
    // A headline RPO above the RTO fails every scenario it reaches: one problem naming them all.
    const rpoAboveRto = new Map<string, { value: string; misses: Map<string, string[]> }>();
    // The same clash told from the RTO's side: the user lowered an RTO below an RPO they never wrote (a default).
    const rtoBelowRpo = new Map<string, { value: string; misses: Map<string, string[]> }>();
    for (const scenario of SCENARIOS) {
      const userScenario = user.scenarios?.[scenario];
      const baseScenario = base?.scenarios?.[scenario];
      // A user-set headline target replaces the default's per-scenario exceptions only where the user names them.
      const scenarioRto = userScenario?.rto ?? (user.rto === undefined ? baseScenario?.rto : undefined) ?? rto;
      const scenarioRpo = userScenario?.rpo ?? (user.rpo === undefined ? baseScenario?.rpo : undefined) ?? rpo;
      const target = { rpoSeconds: parseDuration(scenarioRpo), rtoSeconds: parseDuration(scenarioRto) };
      // "unbounded" RPO declares accepted loss, which any RTO may go with; a scenario that does not concern the store has no row to fail.
      if (target.rpoSeconds > target.rtoSeconds && Number.isFinite(target.rpoSeconds) && scenarioApplies(store, scenario)) {
        const rpoWritten = userScenario?.rpo !== undefined || user.rpo !== undefined;
        const rtoWritten = userScenario?.rto !== undefined || user.rto !== undefined;
        if (!rpoWritten && rtoWritten) {
          const where = userScenario?.rto !== undefined ? `scenarios.${scenario}.rto` : "rto";
          const entry = rtoBelowRpo.get(where) ?? { value: scenarioRto, misses: new Map<string, string[]>() };
          const rpoText = formatDuration(target.rpoSeconds);
          entry.misses.set(rpoText, [...(entry.misses.get(rpoText) ?? []), scenario]);
          rtoBelowRpo.set(where, entry);
        } else {
          const where = userScenario?.rpo || (user.rpo === undefined && baseScenario?.rpo) ? `scenarios.${scenario}.rpo` : "rpo";
          const entry = rpoAboveRto.get(where) ?? { value: scenarioRpo, misses: new Map<string, string[]>() };
          const rto = formatDuration(target.rtoSeconds);
          entry.misses.set(rto, [...(entry.misses.get(rto) ?? []), scenario]);
          rpoAboveRto.set(where, entry);
        }
      }
      // A scenario that does not concern the store has no target: the class's headline RTO must not
      // reach settings derived from that scenario (a 30 s gateway RTO is no region-loss RTO).
      if (!scenarioApplies(store, scenario) && (userScenario?.rto !== undefined || userScenario?.rpo !== undefined)) {
        problems.push({ key: at(`scenarios.${scenario}`), value: userScenario, expected: `no target: ${scenario} does not concern the ${store} store (its scenarios: ${STORE_SCENARIOS[store].join(", ")})` });
      }
      targets[scenario] = scenarioApplies(store, scenario) ? target : { rpoSeconds: Infinity, rtoSeconds: Infinity };
      const note = userScenario?.note ?? baseScenario?.note;
      if (note) notes[scenario] = note;
    }
    for (const [where, { value, misses }] of rpoAboveRto) {
      problems.push({
        key: at(where),
        value,
        expected: `expected an RPO no larger than the RTO (${[...misses].map(([rto, scenarios]) => `${rto} for ${scenarios.join(", ")}`).join("; ")}): data older than the time you may be down cannot be worth losing`,
      });
    }
    for (const [where, { value, misses }] of rtoBelowRpo) {
      problems.push({
        key: at(where),
        value,
        expected: `expected an RTO no smaller than the class's RPO (default ${[...misses].map(([rpo, scenarios]) => `${rpo} for ${scenarios.join(", ")}`).join("; ")}): data older than the time you may be down cannot be worth losing; raise the RTO, or set the RPO too`,
      });
    }
    const database = store === "postgres" ? user.database ?? base?.database ?? name : undefined;
    classes.push({
      name,
      store,
      ...(database ? { database } : {}),
      description: user.description ?? base?.description ?? name,
      targets,
      notes,
    });
  }
  return classes;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): ConfigProblem[] {
  // peerCidrs[1], not peerCidrs.1: a list index, as the other messages write it.
  const path = issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i > 0 ? "." : ""}${String(p)}`)).join("");
  const full = (p: string) => `${CONFIG_NAMESPACE}:${p}`;
  const at = { key: full(path), value: valueAt(raw, issue.path) };
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((k) => ({
        key: full(path ? `${path}.${k}` : k),
        value: valueAt(raw, [...issue.path, k]),
        expected: `unknown key; expected one of: ${knownKeys(issue.path).join(", ") || "(see docs/CONFIGURATION.md)"}`,
      }));
    case "invalid_type":
      return [{ ...at, expected: `${issue.input === undefined ? "required; " : ""}expected ${TYPE_NAMES[issue.expected] ?? issue.expected}` }];
    case "invalid_value":
      return [{ ...at, expected: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}` }];
    case "invalid_key":
      // The key itself is wrong: say what a key must look like (the record's key schema's message).
      return [{ ...at, expected: `invalid key "${String(issue.path[issue.path.length - 1])}"; ${issue.issues.map((i) => i.message).join("; ")}` }];
    case "too_small":
      return [{ ...at, expected: boundText(issue.origin, issue.minimum, issue.inclusive !== false, "small") }];
    case "too_big":
      return [{ ...at, expected: boundText(issue.origin, issue.maximum, issue.inclusive !== false, "big") }];
    default:
      return [{ ...at, expected: issue.message.replace(/^Invalid input: /, "") }];
  }
}

/** zod's type names as a person reads them ("int" is z.number().int()). */
const TYPE_NAMES: Record<string, string> = {
  int: "a whole number",
  number: "a number",
  string: "a string",
  boolean: "a boolean (true or false)",
  object: "a mapping",
  array: "a list",
};

/** "expected a number greater than 0", "expected at least 1", "expected at most 255 characters". */
function boundText(origin: string, bound: number | bigint, inclusive: boolean, side: "small" | "big"): string {
  const n = String(bound);
  if (origin === "string") return side === "small" ? `expected at least ${n} character${n === "1" ? "" : "s"}` : `expected at most ${n} characters`;
  if (origin === "array" || origin === "set") return side === "small" ? `expected at least ${n} item${n === "1" ? "" : "s"}` : `expected at most ${n} items`;
  if (!inclusive) return side === "small" ? `expected a number greater than ${n}` : `expected a number less than ${n}`;
  return side === "small" ? `expected at least ${n}` : `expected at most ${n}`;
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  if (path.length > 0 && /kubeconfig|apiKey/i.test(String(path[path.length - 1]))) return "(secret)";
  if (cur && typeof cur === "object" && "kubeconfig" in (cur as object)) return { ...(cur as object), kubeconfig: "(secret)" };
  if (cur && typeof cur === "object" && "apiKey" in (cur as object)) return { ...(cur as object), apiKey: "(secret)" };
  // The chain as a whole (llm, llm.providers): every key in it shown as "(secret)".
  if (cur && typeof cur === "object" && JSON.stringify(cur).includes('"apiKey"')) return JSON.parse(JSON.stringify(cur, (k, v) => (k === "apiKey" ? "(secret)" : v)));
  return cur;
}

/** The keys the schema allows at a path, for "did you mean" style messages. */
function knownKeys(path: PropertyKey[]): string[] {
  let schema: unknown = stackConfigSchema;
  for (const p of path) {
    schema = unwrap(schema);
    const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return [];
    if (def.type === "object") schema = (def.shape as Record<string, unknown>)[String(p)];
    else if (def.type === "record") schema = def.valueType;
    else return [];
  }
  schema = unwrap(schema);
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
  if (def?.type === "object") return Object.keys(def.shape as object);
  // A record keyed by an enum (scenarios): its keys are the enum's values.
  const keyDef = def?.type === "record" ? (def.keyType as { _zod?: { def?: { type?: string; entries?: Record<string, string> } } })._zod?.def : undefined;
  return keyDef?.type === "enum" ? Object.values(keyDef.entries ?? {}) : [];
}

function unwrap(schema: unknown): unknown {
  let s = schema as { _zod?: { def?: Record<string, unknown> } };
  while (s?._zod?.def && (s._zod.def.type === "optional" || s._zod.def.type === "default" || s._zod.def.type === "nullable")) {
    s = s._zod.def.innerType as typeof s;
  }
  return s;
}
