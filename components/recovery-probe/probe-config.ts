import { computeBudget } from "../../dr/budget";
import type { DrSettings } from "../../dr/settings";
import type { StackConfig } from "../../dr/targets";
import { CHAOS_FAULTS, type ProbeClassConfig, type ProbeConfig } from "../../contract/probe";
import { ownerRole, poolerName, POSTGRES_PORT } from "../../contract/postgres";
import { MASTER_NAME, redisNames, SENTINEL_PORT, REDIS_PREFIX } from "../../contract/redis";

export interface ProbeConfigInput {
  config: StackConfig;
  settings: DrSettings;
  namespace: string;
  /** The primary region's backup bucket and its key (absent: reports only in the log). */
  reportBucket?: string;
  reportKmsKeyArn?: string;
  /** The scheduled faults the probe attributes outages to (the Chaos schedules pass theirs). */
  faults: ProbeConfig["faults"];
}

const seconds = (n: number): number | null => (Number.isFinite(n) ? n : null);

/** Scenarios a store's scheduled faults rehearse: what the probe in this region can observe. */
function observableScenarios(store: string): string[] {
  return [...new Set(Object.values(CHAOS_FAULTS).filter((f) => f.store === store).map((f) => f.scenario))];
}

/**
 * What the probe measures and against what: one entry per Postgres and Redis class, its endpoint as
 * the platform's clients reach it (the pooler, the Sentinel Service), and per observable scenario
 * the class's target and the budget's prediction, read from dr/budget (never recomputed here).
 * Names and numbers only: the credentials come from Secrets through the environment.
 */
export function probeConfig(i: ProbeConfigInput): ProbeConfig {
  const { config, settings } = i;
  const rows = computeBudget(config.dataClasses, settings).rows;
  const svc = (name: string) => `${name}.${i.namespace}.svc`;
  const classes: ProbeClassConfig[] = [];
  for (const c of config.dataClasses) {
    let endpoint: ProbeClassConfig["endpoint"];
    if (c.store === "postgres" && settings.postgres && c.database) {
      const cluster = config.postgres.clusterName;
      // Through the pooler when there is one: what the agents' writes go through is what must recover.
      const host = settings.postgres.poolerInstances > 0 ? poolerName(cluster) : cluster;
      endpoint = { host: svc(host), port: POSTGRES_PORT, database: c.database, user: ownerRole(c.database) };
    } else if (c.store === "redis" && settings.redis) {
      endpoint = { host: svc(redisNames(REDIS_PREFIX).sentinelClient), port: SENTINEL_PORT, masterName: MASTER_NAME };
    } else {
      continue;
    }
    const scenarios: ProbeClassConfig["scenarios"] = {};
    for (const scenario of observableScenarios(c.store)) {
      const row = rows.find((r) => r.dataClass === c.name && r.scenario === scenario);
      if (!row) continue;
      scenarios[scenario] = {
        targetRtoSeconds: seconds(row.target.rtoSeconds),
        targetRpoSeconds: seconds(row.target.rpoSeconds),
        predictedRtoSeconds: seconds(row.predicted.rtoSeconds),
        predictedRpoSeconds: seconds(row.predicted.rpoSeconds),
      };
    }
    classes.push({ class: c.name, store: c.store, endpoint, scenarios });
  }
  return {
    environment: config.environment,
    region: config.regions.primary,
    writeIntervalMs: config.probe.writeIntervalMs,
    classes,
    faults: i.faults,
    ...(i.reportBucket && i.reportKmsKeyArn ? { reportBucket: i.reportBucket, reportKmsKeyArn: i.reportKmsKeyArn } : {}),
  };
}
