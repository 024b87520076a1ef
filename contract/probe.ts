/**
 * The recovery probe: a process that writes sequenced canary records to each data class's store,
 * records every acknowledged write, and when a store recovers from an outage reports the write gap
 * (measured RTO) and the acknowledged writes that are missing (measured RPO). The local drills and
 * the in-cluster DR tests run the same probe, so both measure with one instrument.
 *
 * This module names what the probe component, the fault-injection schedules, the signals and the
 * drills share; it imports nothing of ours (cron-parser reads the fault schedules).
 */
import { CronExpressionParser } from "cron-parser";

export const PROBE_NAME = "agent-dr-recovery-probe";
/** Port of the probe's Prometheus endpoint (`/metrics`) and its readiness (`/healthz`). */
export const PROBE_METRICS_PORT = 9464;
/** Pod label value (app.kubernetes.io/name) of the probe; NetworkPolicies and Chaos selectors use it. */
export const PROBE_APP_LABEL = PROBE_NAME;

/** Table the probe writes its canaries to, in each Postgres class's database. */
export const PROBE_TABLE = "dr_probe_writes";
/** Key prefix of the probe's canaries in Redis (they expire; see PROBE_KEY_TTL_SECONDS). */
export const PROBE_KEY_PREFIX = "dr-probe:";
export const PROBE_KEY_TTL_SECONDS = 3600;
/** Prefix, in the primary region's backup bucket, of the probe's JSON reports (`<prefix><env>/<iso time>-<class>-<scenario>.json`). */
export const PROBE_REPORT_PREFIX = "recovery-probe/";

/**
 * Metric names. Every series carries the labels in PROBE_LABELS; target and predicted are
 * companion gauges with the same labels, so an alert compares measured against them with
 * `on (class, scenario)`.
 */
export const PROBE_METRICS = {
  /** Gauge: the write gap of the last measured outage, in seconds. */
  measuredRtoSeconds: "agent_dr_probe_measured_rto_seconds",
  /** Gauge: the span of acknowledged writes lost in the last measured outage, in seconds (0 when none). */
  measuredRpoSeconds: "agent_dr_probe_measured_rpo_seconds",
  /** Gauge: acknowledged writes missing after the last measured outage. */
  lostAcknowledgedWrites: "agent_dr_probe_lost_acknowledged_writes",
  /** Gauge: the class's declared target for the scenario, in seconds (from the stack's targets). */
  targetRtoSeconds: "agent_dr_probe_target_rto_seconds",
  targetRpoSeconds: "agent_dr_probe_target_rpo_seconds",
  /** Gauge: the budget's prediction for the class and scenario, in seconds. */
  predictedRtoSeconds: "agent_dr_probe_predicted_rto_seconds",
  predictedRpoSeconds: "agent_dr_probe_predicted_rpo_seconds",
  /** Gauge: Unix time the last outage measurement completed (absent until one did). */
  lastMeasurementTimestamp: "agent_dr_probe_last_measurement_timestamp_seconds",
  /** Counter: canary writes attempted / acknowledged (labels class, store, outcome="ok"|"error"). */
  writesTotal: "agent_dr_probe_writes_total",
} as const;

export const PROBE_LABELS = ["class", "scenario", "store"] as const;

/**
 * The faults the staging schedules inject (Chaos Mesh), what each one is a rehearsal of, and which
 * store's classes it measures. The probe labels a measured outage with the scenario of the fault
 * whose window it started in, or "unplanned" when no scheduled fault explains it.
 */
export const CHAOS_FAULTS = {
  "postgres-leader-kill": { scenario: "instance-loss", store: "postgres", description: "kill the Patroni leader pod" },
  "postgres-leader-partition": { scenario: "instance-loss", store: "postgres", description: "cut the Patroni leader off from its replicas and the DCS" },
  "redis-primary-kill": { scenario: "instance-loss", store: "redis", description: "kill the Redis primary pod" },
  "llm-provider-egress-block": { scenario: "llm-provider-outage", store: "llm-gateway", description: "block the gateway's egress to the primary model provider" },
} as const;
export type ChaosFault = keyof typeof CHAOS_FAULTS;
export const CHAOS_FAULT_NAMES = Object.keys(CHAOS_FAULTS) as ChaosFault[];

/**
 * One scheduled fault: its 5-field cron (UTC) and how long after each start the fault lasts, so the
 * probe attributes an outage that begins in [start, start + durationSeconds) to it. The fault
 * Schedules and the probe's config both read one list (components/chaos faultSchedule).
 */
export interface FaultScheduleEntry {
  fault: ChaosFault;
  schedule: string;
  durationSeconds: number;
}

/**
 * The latest start of a scheduled fault at or before `at` (its cron, UTC). The probe attributes an
 * outage to the fault whose window holds it and the runbook that injects a fault acts only inside
 * its window: both take the window's start from here, so they can not read it differently.
 */
export function latestFaultStart(schedule: string, at: Date): Date {
  // prev() is strictly before currentDate: one ms later includes a start at `at` exactly.
  return CronExpressionParser.parse(schedule, { currentDate: new Date(at.getTime() + 1), tz: "UTC" }).prev().toDate();
}

/** What the probe measures, per class; the stack writes it into the probe's ConfigMap (no secrets). */
export interface ProbeClassConfig {
  class: string;
  store: "postgres" | "redis" | "llm-gateway";
  /** Postgres: database and the pooler's host:port; Redis: Sentinel service host:port and master name; gateway: its URL. */
  endpoint: { host: string; port: number; database?: string; masterName?: string; path?: string; user?: string };
  /** Per scenario the probe can observe here: target and prediction in seconds (null when unbounded/not applicable). */
  scenarios: Record<string, { targetRtoSeconds: number | null; targetRpoSeconds: number | null; predictedRtoSeconds: number | null; predictedRpoSeconds: number | null }>;
}

export interface ProbeConfig {
  environment: "staging" | "prod";
  region: string;
  /** ms between canary writes per class. */
  writeIntervalMs: number;
  classes: ProbeClassConfig[];
  /** The scheduled faults (fault name -> 5-field cron, UTC, and how long the fault lasts), so a gap is attributed to its scenario. */
  faults: FaultScheduleEntry[];
  /** Bucket for the JSON reports (absent: reports only in the log). */
  reportBucket?: string;
  /** The bucket's KMS key ARN: every upload names it (SSE-KMS), as the bucket policy demands. */
  reportKmsKeyArn?: string;
}

/**
 * Environment variables the probe reads its credentials from (the Deployment fills them from the
 * existing Secrets by secretKeyRef; the ConfigMap never holds them).
 */
export const PROBE_ENV = {
  configFile: "PROBE_CONFIG_FILE",
  redisPassword: "PROBE_REDIS_PASSWORD",
  sentinelPassword: "PROBE_SENTINEL_PASSWORD",
} as const;

/** The env variable holding the password of a Postgres class's user (class names may hold `-`/`.`). */
export function probePostgresPasswordEnv(dataClass: string): string {
  return `PROBE_PG_PASSWORD_${dataClass.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** One measured outage, as written to the report bucket and exported as metrics. */
export interface ProbeMeasurement {
  class: string;
  store: string;
  scenario: string;
  fault?: ChaosFault;
  /** ISO time of the first failed write and of the first acknowledged write after it. */
  outageStartedAt: string;
  recoveredAt: string;
  measuredRtoSeconds: number;
  measuredRpoSeconds: number;
  lostAcknowledgedWrites: number;
  acknowledgedWrites: number;
  targetRtoSeconds: number | null;
  targetRpoSeconds: number | null;
  predictedRtoSeconds: number | null;
  predictedRpoSeconds: number | null;
}
