import type { RecoveryPointProtection } from "./protection";
/**
 * The settings that decide recovery: derived from targets (dr/settings/derive), or observed in
 * the resources of a stack (the policy pack extracts the same shape). The budget reads only this.
 */

export interface PatroniTimings {
  ttlSeconds: number;
  loopWaitSeconds: number;
  retryTimeoutSeconds: number;
}

export interface PostgresSettings {
  instances: number;
  /** Members are spread across zones (topology spread / anti-affinity on the zone key). */
  spreadAcrossZones: boolean;
  patroni: PatroniTimings;
  maximumLagOnFailoverBytes: number;
  synchronousMode: boolean;
  synchronousModeStrict: boolean;
  synchronousNodeCount: number;
  /** synchronous_commit per database's owner role: "on" pays the round trip, "local" does not. */
  synchronousCommit: Record<string, "on" | "remote_apply" | "remote_write" | "local" | "off">;
  failsafeMode: boolean;
  /** Patroni primary_start_timeout: how long a crashed primary may take to restart in place before failover. */
  primaryStartTimeoutSeconds: number;
  archiveMode: boolean;
  archiveTimeoutSeconds: number;
  baseBackupSchedule: string;
  poolerInstances: number;
  /** Assumptions the budget needs to turn bytes into seconds. */
  writeRateBytesPerSecond: number;
  dataSizeBytes: number;
  standby: {
    enabled: boolean;
    /** The standby streams from the primary region (in addition to replaying the replicated archive). */
    streaming: boolean;
    /** The standby can catch up from the archive replicated into the DR region. */
    archiveFallback: boolean;
    /** Streaming lag the budget credits; watched by an alert so the assumption is checked live. */
    maxLagSeconds: number;
  };
}

export interface RedisSettings {
  replicas: number;
  sentinels: number;
  quorum: number;
  downAfterMilliseconds: number;
  failoverTimeoutMilliseconds: number;
  parallelSyncs: number;
  appendonly: boolean;
  appendfsync: "always" | "everysec" | "no";
  /** RDB save points as [seconds, changes]. */
  save: Array<[number, number]>;
  minReplicasToWrite: number;
  minReplicasMaxLagSeconds: number;
  /** A Redis set runs in the DR region too (empty until used). */
  drRegion: boolean;
}

export interface BackupSettings {
  crossRegionReplication: boolean;
  replicationTimeControl: boolean;
  /** Absent when no logical backup CronJob exists. */
  logicalBackupSchedule?: string;
  restoreDrillSchedule: string;
  retentionDays: number;
  /** The logical backup is verified by a real restore. */
  verifiedByRestore: boolean;
  /** What protects the recovery points against a principal that means harm (absent: unknown, treated as unprotected). */
  protection?: RecoveryPointProtection;
}

export interface DnsSettings {
  ttlSeconds: number;
  healthCheckIntervalSeconds: number;
  failureThreshold: number;
  /** A SECONDARY record exists for the platform endpoint. */
  hasSecondary: boolean;
}

export interface FailoverSettings {
  /** Region promotion runs automatically (failover controller enabled) or waits for a human. */
  regionPromotion: "automatic" | "manual";
  manualResponseSeconds: number;
  /**
   * From Route53 marking the primary unhealthy to the page: the health-check alarm's period x
   * evaluationPeriods. Infinity when no alarm watches the health check (nobody is paged).
   */
  pageDelaySeconds: number;
  /**
   * Who receives the alarm topic's notifications: the onCallWebhook subscription or the declared
   * outside subscriber. Absent: the alarms fire into a topic nobody reads, so nobody is paged.
   */
  pagedVia?: string;
  /** Declared: a logical corruption is reported to on-call within this long (absent: no bound). */
  corruptionNoticedSeconds?: number;
  controllerIntervalSeconds: number;
  controllerFailureThreshold: number;
}

/** One provider of the chain as the gateway will call it (no key: the budget never needs it). */
export interface LlmProviderSettings {
  name: string;
  provider: string;
  baseUrl: string;
  model: string;
}

/** The LLM gateway's fallback chain (Portkey strategy mode "fallback"), as rendered. */
export interface LlmGatewaySettings {
  /** Tried in order; the degraded responder (when present) comes after them. */
  providers: LlmProviderSettings[];
  /** Per-attempt timeout: Portkey's request_timeout, per provider target. */
  requestTimeoutSeconds: number;
  /** Retries of one provider (Portkey retry.attempts) before the chain moves on. */
  retries: number;
  /** Statuses on which a provider is retried (Portkey retry.on_status_codes). */
  retryStatusCodes: number[];
  /** Statuses on which the chain moves to the next target (strategy.on_status_codes). */
  failoverStatusCodes: number[];
  /** The chain ends in the degraded responder: a defined answer and a hand-off to a human queue. */
  degradedResponse: boolean;
  /** The degraded responder posts every request it answers to the human queue's webhook. */
  handoff: boolean;
  /** Gateway pods per region, spread over zones. */
  replicas: number;
  /** Regions that run a gateway (every region the agent API runs in). */
  regions: string[];
}

export interface DrSettings {
  environment: string;
  regions: { primary: string; dr?: string };
  postgres?: PostgresSettings;
  redis?: RedisSettings;
  backup: BackupSettings;
  dns: DnsSettings;
  failover: FailoverSettings;
  /** Absent when the stack has no LLM gateway. */
  llm?: LlmGatewaySettings;
}
