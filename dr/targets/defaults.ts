import type { Scenario, Store } from "./scenarios";

export interface DataClassDefault {
  store: Store;
  /** PostgreSQL database (postgres classes) that holds the class. */
  database?: string;
  description: string;
  rto: string;
  rpo: string;
  scenarios?: Partial<Record<Scenario, { rto?: string; rpo?: string; note: string }>>;
}

/**
 * The platform's published targets (DESIGN section 2). Where a scenario cannot physically meet the
 * headline target with this architecture, the default says so with a note instead of hiding it.
 */
/**
 * After stolen credentials or a hostile admin, a day of data may be lost and a day spent restoring
 * (incident response comes first): the point is that some recovery point survives at all, and the
 * budget shows which.
 */
const COMPROMISE = {
  rpo: "24h",
  rto: "24h",
  note: "Recovery from a compromised workload credential or account administrator restores the newest recovery point out of the attacker's reach.",
};

/**
 * A logical corruption (a bad migration, an accidental delete) raises no alarm: a person or an
 * application check reports it, on-call picks the point before it and starts the restore, and only
 * then does the restore run. The headline RTO of the faster classes can not include all that.
 */
const CORRUPTION_NOTE =
  "Nothing pages on a logical corruption: it is reported (agent-dr:failover.corruptionNoticedMinutes declares how soon), on-call picks the point before it and starts the restore, and only then does the restore run; the headline RTO can not include all three.";

export const DEFAULT_DATA_CLASSES: Record<string, DataClassDefault> = {
  conversation_history: {
    store: "postgres",
    database: "conversations",
    description: "Conversation history of every agent session",
    rto: "15m",
    rpo: "1m",
    scenarios: { "logical-corruption": { rto: "60m", note: CORRUPTION_NOTE }, "credential-compromise": COMPROMISE },
  },
  agent_configurations: {
    store: "postgres",
    database: "agent_config",
    description: "Agent prompts, tool definitions and model settings",
    rto: "5m",
    rpo: "0",
    scenarios: {
      "region-loss": {
        rpo: "1m",
        rto: "15m",
        note:
          "RPO 0 across regions needs a synchronous commit across regions (60-90 ms on every commit); the operator's standby cluster replicates asynchronously, so region loss can lose the last seconds of changes. Promoting a region waits for on-call approval by default, which 5 minutes does not hold.",
      },
      "logical-corruption": {
        rpo: "1m",
        rto: "60m",
        note: `A bad change is undone by a point-in-time clone of the whole cluster; a clone made at once reaches only WAL already in the archive. ${CORRUPTION_NOTE}`,
      },
      "credential-compromise": COMPROMISE,
    },
  },
  usage_billing_data: {
    store: "postgres",
    database: "billing",
    description: "Usage and billing records",
    rto: "60m",
    rpo: "5m",
    scenarios: { "credential-compromise": COMPROMISE },
  },
  analytics_logs: {
    store: "postgres",
    database: "analytics",
    description: "Analytics logs",
    rto: "240m",
    rpo: "60m",
    scenarios: { "credential-compromise": COMPROMISE },
  },
  /*
   * Session state in Redis: an agent session survives a primary loss if Sentinel fails over well
   * inside a user's patience (2 minutes) and at most the last 15 s of session updates are lost
   * (async replication is capped by min-replicas-max-lag, AOF everysec by one second). Sessions are
   * not copied across regions: after region loss, users start new sessions, which the note declares.
   */
  session_state: {
    store: "redis",
    description: "Agent session state (short-lived, rebuildable by starting a new session)",
    rto: "2m",
    rpo: "15s",
    scenarios: {
      "region-loss": {
        rpo: "unbounded",
        rto: "15m",
        note: "Session state is not replicated across regions; users start new sessions in the DR region once the platform has moved there.",
      },
      "logical-corruption": {
        rpo: "unbounded",
        rto: "30m",
        note: `Redis keeps no point-in-time history; corrupt sessions are dropped and started anew. ${CORRUPTION_NOTE}`,
      },
      "credential-compromise": {
        rpo: "unbounded",
        rto: "15m",
        note: "Redis keeps no copy outside the set: its password can erase every session. The password is rotated and users start new sessions.",
      },
    },
  },
  /*
   * The answers agents get from the models, through the LLM gateway (agent-dr:llm). Nothing is
   * stored, so RPO does not apply ("unbounded" here, 0 predicted); the RTO is the longest a user
   * waits for an answer (a provider's, or the degraded response with a hand-off to a person) while
   * providers fail. 30 s: a user waits that long for a chat answer, not longer.
   */
  agent_responses: {
    store: "llm-gateway",
    description: "Answers of the agents' model calls, served through the LLM gateway's fallback chain",
    rto: "30s",
    rpo: "unbounded",
    scenarios: {
      "llm-provider-outage": {
        note: "The gateway stores no data, so RPO does not apply; the RTO bounds how long a user waits for a provider's answer or the degraded response.",
      },
    },
  },
};

/**
 * Per-environment defaults: sizes, retention, and which measured tests run unasked. The DR tests,
 * the recovery probe and Chaos Mesh run by default in staging only: in prod a failover test is a
 * decision, not a cron default.
 */
export const ENVIRONMENT_DEFAULTS = {
  prod: { postgresInstances: 3, redisReplicas: 3, backupRetentionDays: 14, objectLockMode: "COMPLIANCE", objectLockDays: 10, dataSizeGiB: 50, probeEnabled: false, chaosEnabled: false },
  staging: { postgresInstances: 2, redisReplicas: 3, backupRetentionDays: 7, objectLockMode: "GOVERNANCE", objectLockDays: 3, dataSizeGiB: 5, probeEnabled: true, chaosEnabled: true },
} as const;

/**
 * Every other default of a stack key (docs/CONFIGURATION.md lists them), in one place. Timings
 * are not here: they are derived from the targets (dr/settings), never defaulted.
 */
export const STACK_DEFAULTS = {
  owner: "platform-team",
  /** The namespace the stack's workloads run in, in every cluster. */
  namespace: "agent-dr",
  postgres: {
    enabled: true,
    /** The operator is usually installed once per cluster by the platform, not by this stack. */
    installOperator: false,
    version: "15",
    /** The volume holds twice the data (room for bloat and WAL), never less than this. */
    minVolumeGiB: 10,
    volumePerDataGiB: 2,
    writeRateMiBPerSecond: 1,
    standby: { streaming: true, maxLagSeconds: 10 },
    /** One synchronous standby: RPO 0 for the classes that need it, one replica's latency on commit. */
    synchronousNodeCount: 1,
  },
  redis: { enabled: true, sentinels: 3 },
  backup: {
    objectLockEnabled: true,
    /** Daily at 02:00 UTC, outside business hours. */
    logicalBackupSchedule: "0 2 * * *",
  },
  dns: { failureThreshold: 3 },
  failover: {
    regionPromotion: "manual",
    /** How long on-call takes to act on a page, counted in every RTO that waits for a person. */
    manualResponseMinutes: 10,
    controller: { enabled: false, intervalSeconds: 10, failureThreshold: 3 },
  },
  llm: { replicas: 2, egressCidrs: ["0.0.0.0/0"] },
  chaos: {
    installChart: false,
    /** Chaos Mesh release whose CRDs schemas/chaos-mesh/ holds. */
    chartVersion: "2.8.3",
    namespace: "chaos-mesh",
  },
  probe: {
    /** One canary write per class a second: an outage is measured to about a second, at negligible load. */
    writeIntervalMs: 1000,
  },
  signals: { prometheusOperator: false, runbookBaseUrl: "" },
} as const;

/** Chaos Mesh release whose CRDs schemas/chaos-mesh/ holds. */
export const CHAOS_MESH_CHART_VERSION = STACK_DEFAULTS.chaos.chartVersion;

/** The recovery probe runs by default where ENVIRONMENT_DEFAULTS says (staging), like the DR tests it measures. */
export function probeEnabledByDefault(environment: "staging" | "prod"): boolean {
  return ENVIRONMENT_DEFAULTS[environment].probeEnabled;
}

export const PROBE_DEFAULT_WRITE_INTERVAL_MS = STACK_DEFAULTS.probe.writeIntervalMs;
