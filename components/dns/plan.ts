import type { DnsSettings } from "../../dr/settings";
import type { StackConfig } from "../../dr/targets";

/**
 * The custom metric behind the database writer's health check. Route53 checkers live outside the
 * VPC and can not reach a private endpoint, so the check follows a CloudWatch alarm on this metric
 * instead: 1 while the writer in that region accepts writes, 0 (or nothing) otherwise. It is
 * published from inside the cluster (the signals tier / failover controller).
 */
export const WRITER_HEALTH_METRIC = {
  namespace: "AgentDR/PostgreSQL",
  metricName: "WriterAvailable",
  /** Dimension names; values are the PostgreSQL cluster name and the region. */
  dimensions: ["Cluster", "Region"] as const,
} as const;

export const DEFAULT_HEALTH_PATH = "/healthz";
export const DEFAULT_HTTPS_PORT = 443;

export interface HttpsCheckPlan {
  kind: "https";
  key: string;
  fqdn: string;
  port: number;
  resourcePath: string;
  requestInterval: number;
  failureThreshold: number;
}

export interface AlarmCheckPlan {
  kind: "cloudwatch";
  key: string;
  alarmName: string;
  alarmRegion: string;
  /** Alarm: writer unavailable for failureThreshold consecutive periods of `period` seconds. */
  period: number;
  evaluationPeriods: number;
  dimensions: Record<string, string>;
}

export interface RecordPlan {
  key: string;
  zoneId: string;
  name: string;
  type: "CNAME";
  ttl: number;
  target: string;
  setIdentifier: string;
  failover: "PRIMARY" | "SECONDARY";
  /** Key of the health check this record carries. */
  healthCheck?: string;
}

export interface DnsPlan {
  checks: Array<HttpsCheckPlan | AlarmCheckPlan>;
  records: RecordPlan[];
}

/**
 * What Route53 must hold for the stack's endpoints. Public API: an HTTPS check per region target and
 * PRIMARY/SECONDARY CNAMEs. Private writer name: the same records in the private zone, checked
 * through CloudWatch alarms. Without a DR target only the PRIMARY record exists (the budget then
 * reports that region loss sends no client anywhere).
 */
export function planFailoverDns(config: StackConfig, dns: DnsSettings): DnsPlan {
  checkDnsSettings(dns);
  const checks: DnsPlan["checks"] = [];
  const records: RecordPlan[] = [];
  const primaryRegion = config.regions.primary;
  const drRegion = config.regions.dr;

  const api = config.endpoints.api;
  if (api) {
    const https = (key: string, fqdn: string): HttpsCheckPlan => ({
      kind: "https",
      key,
      fqdn,
      port: api.port ?? DEFAULT_HTTPS_PORT,
      resourcePath: api.healthPath ?? DEFAULT_HEALTH_PATH,
      requestInterval: dns.healthCheckIntervalSeconds,
      failureThreshold: dns.failureThreshold,
    });
    checks.push(https("api-primary", api.primaryTarget));
    records.push(record("api-primary", api.zoneId, api.name, api.primaryTarget, primaryRegion, "PRIMARY", dns.ttlSeconds, "api-primary"));
    if (api.drTarget && drRegion) {
      // The SECONDARY is checked too: if both regions fail, Route53 keeps answering with the PRIMARY
      // rather than sending everyone to a dead DR region.
      checks.push(https("api-secondary", api.drTarget));
      records.push(record("api-secondary", api.zoneId, api.name, api.drTarget, drRegion, "SECONDARY", dns.ttlSeconds, "api-secondary"));
    }
  }

  const writer = config.endpoints.databaseWriter;
  if (writer) {
    const alarm = (key: string, region: string): AlarmCheckPlan => ({
      kind: "cloudwatch",
      key,
      alarmName: `agent-dr-${config.environment}-${key}-unavailable`,
      alarmRegion: region,
      period: dns.healthCheckIntervalSeconds,
      evaluationPeriods: dns.failureThreshold,
      dimensions: { Cluster: config.postgres.clusterName, Region: region },
    });
    checks.push(alarm("db-writer-primary", primaryRegion));
    records.push(record("db-writer-primary", writer.privateZoneId, writer.name, writer.primaryTarget, primaryRegion, "PRIMARY", dns.ttlSeconds, "db-writer-primary"));
    if (writer.drTarget && drRegion) {
      checks.push(alarm("db-writer-secondary", drRegion));
      records.push(record("db-writer-secondary", writer.privateZoneId, writer.name, writer.drTarget, drRegion, "SECONDARY", dns.ttlSeconds, "db-writer-secondary"));
    }
  }
  return { checks, records };
}

function record(key: string, zoneId: string, name: string, target: string, region: string, failover: "PRIMARY" | "SECONDARY", ttl: number, healthCheck: string): RecordPlan {
  return { key, zoneId, name, type: "CNAME", ttl, target, setIdentifier: `${failover.toLowerCase()}-${region}`, failover, healthCheck };
}

/** Route53 accepts intervals of 10 or 30 s and thresholds 1-10; refuse anything else before AWS does. */
function checkDnsSettings(dns: DnsSettings): void {
  if (dns.healthCheckIntervalSeconds !== 10 && dns.healthCheckIntervalSeconds !== 30) {
    throw new Error(`agent-dr:dns.overrides.healthCheckIntervalSeconds: got ${dns.healthCheckIntervalSeconds}, expected 10 or 30 (the request intervals Route53 supports)`);
  }
  if (!Number.isInteger(dns.failureThreshold) || dns.failureThreshold < 1 || dns.failureThreshold > 10) {
    throw new Error(`agent-dr:dns.overrides.failureThreshold: got ${dns.failureThreshold}, expected a whole number from 1 to 10`);
  }
  if (!Number.isInteger(dns.ttlSeconds) || dns.ttlSeconds < 0) {
    throw new Error(`agent-dr:dns.overrides.ttlSeconds: got ${dns.ttlSeconds}, expected a whole number of seconds >= 0`);
  }
}
