import type { NetworkSettings } from "./network";
import type { Scenario, Store, Target } from "./scenarios";
import type { BackupOverrides, DnsOverrides, LlmOverrides, PostgresOverrides, RawStackConfig, RedisOverrides, SignalAlert } from "./schema";

/** The resolved stack configuration: what parseStackConfig returns, every default filled in. */
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
  /** The recovery probe in the primary region (agent-dr:probe; on by default in staging only, see ENVIRONMENT_DEFAULTS). */
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
