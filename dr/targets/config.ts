import { z } from "zod";
import { DEFAULT_DATA_CLASSES, ENVIRONMENT_DEFAULTS } from "./defaults";
import { formatDuration, parseDuration } from "./durations";
import { ConfigError, ConfigProblem } from "./errors";
import { SCENARIOS, Scenario, Store, Target } from "./scenarios";
import {
  BackupOverrides,
  DnsOverrides,
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
    standby: { enabled: boolean; streaming: boolean; maxLagSeconds: number; peerCidrs: string[] };
    clone?: { sourceCluster: string; targetTime: string };
    overrides: PostgresOverrides;
  };
  redis: { enabled: boolean; replicas: number; sentinels: number; drRegion: boolean; overrides: RedisOverrides };
  backup: { retentionDays: number; objectLock: { enabled: boolean; days: number }; overrides: BackupOverrides };
  dns: { overrides: DnsOverrides };
  failover: {
    regionPromotion: "automatic" | "manual";
    manualResponseSeconds: number;
    controller: { enabled: boolean; intervalSeconds: number; failureThreshold: number };
  };
  /** Always set by parseStackConfig; optional so that StackConfigs rebuilt from resources need not invent it. */
  signals?: {
    prometheusOperator: boolean;
    onCallWebhook?: string;
    runbookBaseUrl: string;
    overrides: Partial<Record<SignalAlert, number>>;
  };
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

  if (cfg.regions.dr !== undefined && cfg.regions.dr === cfg.regions.primary) {
    problems.push({ key: key("regions.dr"), value: cfg.regions.dr, expected: `expected a region other than the primary region ${cfg.regions.primary}` });
  }
  const hasDr = cfg.regions.dr !== undefined && cfg.regions.dr !== cfg.regions.primary;

  const postgresEnabled = cfg.postgres?.enabled ?? true;
  const redisEnabled = cfg.redis?.enabled ?? true;
  const dataClasses = resolveDataClasses(cfg, problems, key, { postgres: postgresEnabled, redis: redisEnabled });

  const standbyEnabled = cfg.postgres?.standby?.enabled ?? (hasDr && postgresEnabled);
  if (standbyEnabled && !hasDr) {
    problems.push({ key: key("postgres.standby.enabled"), value: true, expected: "expected false, or set agent-dr:regions.dr (a standby cluster lives in the DR region)" });
  }
  const streaming = cfg.postgres?.standby?.streaming ?? true;
  if (standbyEnabled && hasDr && streaming && (cfg.postgres?.standby?.peerCidrs ?? []).length === 0) {
    problems.push({
      key: key("postgres.standby.peerCidrs"),
      value: undefined,
      expected: "expected the DR cluster's pod CIDRs (e.g. [\"10.20.0.0/16\"]) so the primary's NetworkPolicy admits the standby's stream, or set agent-dr:postgres.standby.streaming to false (the standby then replays only the replicated archive)",
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

  const pgo = cfg.postgres?.overrides ?? {};
  if (pgo.parameters) {
    for (const managed of ["archive_timeout", "archive_mode", "synchronous_commit"]) {
      if (managed in pgo.parameters) {
        problems.push({
          key: key(`postgres.overrides.parameters.${managed}`),
          value: pgo.parameters[managed],
          expected: managed === "archive_timeout" ? "expected no value here; use agent-dr:postgres.overrides.archiveTimeoutSeconds" : `expected no value here; ${managed} is managed from the recovery targets`,
        });
      }
    }
  }

  if (problems.length > 0 || environment === undefined) throw new ConfigError(problems);

  const dataSizeGiB = cfg.postgres?.dataSizeGiB ?? (environment === "prod" ? 50 : 5);
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
      objectLock: { enabled: cfg.backup?.objectLock?.enabled ?? false, days: cfg.backup?.objectLock?.days ?? 7 },
      overrides: cfg.backup?.overrides ?? {},
    },
    dns: { overrides: cfg.dns?.overrides ?? {} },
    failover: {
      regionPromotion: cfg.failover?.regionPromotion ?? "manual",
      manualResponseSeconds: (cfg.failover?.manualResponseMinutes ?? 10) * 60,
      controller: {
        enabled: cfg.failover?.controller?.enabled ?? false,
        intervalSeconds: cfg.failover?.controller?.intervalSeconds ?? 10,
        failureThreshold: cfg.failover?.controller?.failureThreshold ?? 3,
      },
    },
    signals: {
      prometheusOperator: cfg.signals?.prometheusOperator ?? false,
      ...(cfg.signals?.onCallWebhook ? { onCallWebhook: cfg.signals.onCallWebhook } : {}),
      runbookBaseUrl: cfg.signals?.runbookBaseUrl ?? "",
      overrides: cfg.signals?.overrides ?? {},
    },
  };
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
    if (!store) problems.push({ key: at("store"), value: undefined, expected: `expected one of "postgres", "redis" for a new data class` });
    if (!rto) problems.push({ key: at("rto"), value: undefined, expected: "expected a duration for a new data class" });
    if (!rpo) problems.push({ key: at("rpo"), value: undefined, expected: "expected a duration for a new data class" });
    if (!store || !rto || !rpo) continue;
    if (!enabledStores[store]) {
      problems.push({ key: at("store"), value: store, expected: `expected a store that is enabled (agent-dr:${store}.enabled is false); disable the class with enabled: false` });
      continue;
    }
    const targets = {} as Record<Scenario, Target>;
    const notes: Partial<Record<Scenario, string>> = {};
    for (const scenario of SCENARIOS) {
      const userScenario = user.scenarios?.[scenario];
      const baseScenario = base?.scenarios?.[scenario];
      // A user-set headline target replaces the default's per-scenario exceptions only where the user names them.
      const scenarioRto = userScenario?.rto ?? (user.rto === undefined ? baseScenario?.rto : undefined) ?? rto;
      const scenarioRpo = userScenario?.rpo ?? (user.rpo === undefined ? baseScenario?.rpo : undefined) ?? rpo;
      const target = { rpoSeconds: parseDuration(scenarioRpo), rtoSeconds: parseDuration(scenarioRto) };
      // "unbounded" RPO declares accepted loss, which any RTO may go with.
      if (target.rpoSeconds > target.rtoSeconds && Number.isFinite(target.rpoSeconds)) {
        const where = userScenario?.rpo || (user.rpo === undefined && baseScenario?.rpo) ? `scenarios.${scenario}.rpo` : "rpo";
        problems.push({
          key: at(where),
          value: scenarioRpo,
          expected: `expected an RPO no larger than the RTO (${formatDuration(target.rtoSeconds)} for ${scenario}): data older than the time you may be down cannot be worth losing`,
        });
      }
      targets[scenario] = target;
      const note = userScenario?.note ?? baseScenario?.note;
      if (note) notes[scenario] = note;
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
  const path = issue.path.map(String).join(".");
  const full = (p: string) => `${CONFIG_NAMESPACE}:${p}`;
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((k) => ({
        key: full(path ? `${path}.${k}` : k),
        value: valueAt(raw, [...issue.path, k]),
        expected: `unknown key; expected one of: ${knownKeys(issue.path).join(", ") || "(see docs/CONFIGURATION.md)"}`,
      }));
    case "invalid_type":
      return [{ key: full(path), value: valueAt(raw, issue.path), expected: issue.input === undefined ? `required; expected ${issue.expected}` : `expected ${issue.expected}` }];
    case "invalid_value":
      return [{ key: full(path), value: valueAt(raw, issue.path), expected: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}` }];
    case "too_small":
      return [{ key: full(path), value: valueAt(raw, issue.path), expected: `expected at least ${String(issue.minimum)}` }];
    case "too_big":
      return [{ key: full(path), value: valueAt(raw, issue.path), expected: `expected at most ${String(issue.maximum)}` }];
    default:
      return [{ key: full(path), value: valueAt(raw, issue.path), expected: issue.message.replace(/^Invalid input: /, "") }];
  }
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  if (path.length > 0 && /kubeconfig/i.test(String(path[path.length - 1]))) return "(secret)";
  if (cur && typeof cur === "object" && "kubeconfig" in (cur as object)) return { ...(cur as object), kubeconfig: "(secret)" };
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
  return def?.type === "object" ? Object.keys(def.shape as object) : [];
}

function unwrap(schema: unknown): unknown {
  let s = schema as { _zod?: { def?: Record<string, unknown> } };
  while (s?._zod?.def && (s._zod.def.type === "optional" || s._zod.def.type === "default" || s._zod.def.type === "nullable")) {
    s = s._zod.def.innerType as typeof s;
  }
  return s;
}
