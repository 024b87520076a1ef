import type { StackConfig } from "./config";

/**
 * What the budget needs that no setting holds: the environment and regions of the stack, the data
 * volume and write rate it plans for, how fast on-call answers, how long backups are kept. The
 * platform writes it on the primary namespace so the policy pack (which sees resources, not stack
 * config) runs the budget on the same assumptions as `npm run plan`.
 */
export const PLANNING_ANNOTATION = "agent-dr/planning";

export interface Planning {
  stack: string;
  environment: StackConfig["environment"];
  owner: string;
  regions: StackConfig["regions"];
  endpoints: StackConfig["endpoints"];
  postgres: {
    clusterName: string;
    instances: number;
    dataSizeBytes: number;
    writeRateBytesPerSecond: number;
    standby: StackConfig["postgres"]["standby"];
  };
  redis: { replicas: number; sentinels: number; drRegion: boolean };
  backup: { retentionDays: number };
  failover: StackConfig["failover"];
  /** A subscription to the alarm topic made outside the stack (the stack's own webhook subscription is a resource). */
  signals?: { onCallSubscriber?: string };
}

export function planningOf(config: StackConfig): Planning {
  return {
    stack: config.stack,
    environment: config.environment,
    owner: config.owner,
    regions: config.regions,
    endpoints: config.endpoints,
    postgres: {
      clusterName: config.postgres.clusterName,
      instances: config.postgres.instances,
      dataSizeBytes: config.postgres.dataSizeBytes,
      writeRateBytesPerSecond: config.postgres.writeRateBytesPerSecond,
      standby: config.postgres.standby,
    },
    redis: { replicas: config.redis.replicas, sentinels: config.redis.sentinels, drRegion: config.redis.drRegion },
    backup: { retentionDays: config.backup.retentionDays },
    failover: config.failover,
    signals: config.signals.onCallSubscriber ? { onCallSubscriber: config.signals.onCallSubscriber } : {},
  };
}

export function serializePlanning(config: StackConfig): string {
  return JSON.stringify(planningOf(config));
}

/** Parse the annotation; a malformed one is an error naming the annotation, never a silent default. */
export function parsePlanning(json: string): Planning {
  let parsed: any;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new Error(`annotation ${PLANNING_ANNOTATION}: expected JSON, got ${JSON.stringify(json.slice(0, 80))} (${(e as Error).message})`);
  }
  for (const key of ["environment", "regions", "postgres", "backup", "failover"]) {
    if (parsed?.[key] === undefined) throw new Error(`annotation ${PLANNING_ANNOTATION}: missing "${key}"`);
  }
  return parsed as Planning;
}
