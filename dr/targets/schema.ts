import { z } from "zod";
import { CronExpressionParser } from "cron-parser";
import { DURATION_EXPECTATION, DURATION_PATTERN } from "./durations";
import { SCENARIOS, STORES } from "./scenarios";
import { parseOidcProviderArn, principalArnProblem, regionProblem, roleArnProblem } from "./aws";
import { cidrProblem, hostedZoneIdProblem, hostnameProblem, httpsUrlProblem } from "./network";
import { postgresParameterProblem } from "./postgres-parameters";

/**
 * The stack configuration schema (keys under the `agent-dr` namespace of Pulumi config).
 * Every object is strict: an unknown key is an error, because a misspelled override that is
 * silently ignored is exactly how a recovery target quietly stops holding.
 */

const duration = z.string().regex(DURATION_PATTERN, { message: `expected ${DURATION_EXPECTATION}` });

/**
 * A string judged by a real parser or list (see aws.ts, network.ts): `problem` returns what is
 * expected, or undefined when the value is fine.
 */
const checked = (problem: (value: string) => string | undefined) =>
  z.string().superRefine((value, ctx) => {
    const expected = problem(value);
    if (expected !== undefined) ctx.addIssue({ code: "custom", message: expected });
  });

/** An AWS region the SDK's partition data lists; `role` names which of the stack's regions it is. */
const region = (role: string) => checked((value) => regionProblem(value, role));
const hostname = checked(hostnameProblem);
const hostedZoneId = checked(hostedZoneIdProblem);

/** A 5-field cron expression as Kubernetes CronJobs accept it. */
export const cronSchedule = z.string().superRefine((value, ctx) => {
  const fields = value.trim().split(/\s+/);
  if (fields.length !== 5) {
    ctx.addIssue({ code: "custom", message: `expected a 5-field cron expression such as "0 2 * * *" (got ${fields.length} fields)` });
    return;
  }
  try {
    CronExpressionParser.parse(value);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: `expected a valid 5-field cron expression such as "0 2 * * *" (${(e as Error).message})` });
  }
});

/**
 * An ISO-8601 time with a timezone that is a real instant: the shape alone lets 2026-02-30 or
 * 25:00 through, and the clone would then be refused by the operator, or restore to another time.
 */
function timestampProblem(value: string): string | undefined {
  const expected = "expected an ISO-8601 time with a timezone, e.g. 2026-11-26T10:00:00+00:00";
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):?(\d{2}))$/.exec(value);
  if (!m) return expected;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const probe = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const real = probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day && probe.getUTCHours() === hour && probe.getUTCMinutes() === minute && probe.getUTCSeconds() === second;
  if (!real) return `${expected} ("${value}" is no such date or time)`;
  if (m[8] !== "Z" && (Number(m[10]) > 23 || Number(m[11]) > 59)) return `${expected} (the offset ${m[8]} is not a timezone offset)`;
  return undefined;
}

const k8sName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "expected a Kubernetes name (lower-case letters, digits, '-')" })
  .max(63);

/**
 * The in-cluster measured DR tests (components/chaos): Chaos Mesh Schedules that inject the
 * CHAOS_FAULTS on the DR-test cadence while the recovery probe measures. On by default in staging
 * only; installChart installs Chaos Mesh namespace-scoped by its Helm chart.
 */
const chaos = z.strictObject({
  enabled: z.boolean().optional(),
  installChart: z.boolean().optional(),
  chartVersion: z.string().regex(/^\d+\.\d+\.\d+$/, { message: 'expected a Chaos Mesh chart version such as "2.8.3"' }).optional(),
  /** Namespace the chart is installed into (its controller and daemons run there). */
  namespace: k8sName.optional(),
});

const oidcArn = checked((value) => {
  const parsed = parseOidcProviderArn(value);
  return typeof parsed === "string" ? parsed : undefined;
});

/** The issuer of an EKS cluster's OIDC provider: https://<host>/<path>, or the same without the scheme as IAM names it. */
const issuerUrl = checked((value) => {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
  const problem = httpsUrlProblem(url);
  if (problem) return problem.replace("expected an https URL", "expected an OIDC issuer URL (https://host/path, or host/path)");
  return hostnameProblem(new URL(url).hostname);
});

const scenarioTarget = z.strictObject({
  rto: duration.optional(),
  rpo: duration.optional(),
  note: z.string().optional(),
});

const dataClass = z.strictObject({
  enabled: z.boolean().optional(),
  store: z.enum(STORES).optional(),
  database: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, { message: "expected a PostgreSQL database name (lower-case letters, digits, '_')" })
    // NAMEDATALEN - 1: PostgreSQL truncates a longer identifier, so the database would have another name.
    .max(63, { message: "expected a PostgreSQL database name of at most 63 characters" })
    .optional(),
  description: z.string().optional(),
  rto: duration.optional(),
  rpo: duration.optional(),
  scenarios: z.partialRecord(z.enum(SCENARIOS), scenarioTarget).optional(),
});

const clusterAccess = z.strictObject({
  /** kubeconfig contents; keep it a Pulumi secret (`pulumi config set --secret --path clusters.primary.kubeconfig`). */
  kubeconfig: z.string().min(1).optional(),
  /** A context of the ambient kubeconfig. */
  context: z.string().min(1).optional(),
  namespace: k8sName.optional(),
});

const publicEndpoint = z.strictObject({
  /** The name clients use, e.g. api.agents.example.com. */
  name: hostname,
  zoneId: hostedZoneId,
  /** Load balancer host name of the platform in each region. */
  primaryTarget: hostname,
  drTarget: hostname.optional(),
  // Route53 health checks take a ResourcePath of at most 255 characters.
  healthPath: z.string().regex(/^\/\S*$/, { message: "expected a path starting with / and without white space" }).max(255).optional(),
  port: z.number().int().min(1).max(65535).optional(),
});

const privateEndpoint = z.strictObject({
  name: hostname,
  privateZoneId: hostedZoneId,
  primaryTarget: hostname,
  drTarget: hostname.optional(),
});

/**
 * postgresql.conf values: YAML hands over strings, numbers and booleans; the operator wants strings.
 * A boolean becomes on/off, PostgreSQL's own spelling, which every boolean parameter accepts.
 */
const postgresParameterValue = z
  .union([z.string(), z.number(), z.boolean()], { error: "expected a string, number or boolean (a postgresql.conf value)" })
  .transform((v) => (typeof v === "boolean" ? (v ? "on" : "off") : String(v)));

/** Each value judged against PostgreSQL 15's own catalogue (postgres-parameters.ts). */
const postgresParameters = z
  .record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_.]*$/, { message: "expected a PostgreSQL parameter name (letters, digits, '_', and '.' for an extension's prefix)" }), postgresParameterValue)
  .superRefine((params, ctx) => {
    for (const [name, value] of Object.entries(params)) {
      const expected = postgresParameterProblem(name, value);
      if (expected !== undefined) ctx.addIssue({ code: "custom", path: [name], message: expected });
    }
  });

const postgresOverrides = z.strictObject({
  archiveTimeoutSeconds: z.number().int().min(0).max(86400).optional(),
  synchronousMode: z.boolean().optional(),
  synchronousNodeCount: z.number().int().min(1).max(8).optional(),
  ttlSeconds: z.number().int().min(1).max(3600).optional(),
  loopWaitSeconds: z.number().int().min(1).max(3600).optional(),
  retryTimeoutSeconds: z.number().int().min(1).max(3600).optional(),
  maximumLagOnFailoverBytes: z.number().int().min(0).optional(),
  failsafeMode: z.boolean().optional(),
  baseBackupSchedule: cronSchedule.optional(),
  /** Extra postgresql.conf parameters: name, type, unit and range checked here, the rest by a real PostgreSQL in the tests. */
  parameters: postgresParameters.optional(),
});

const redisOverrides = z.strictObject({
  appendonly: z.boolean().optional(),
  appendfsync: z.enum(["always", "everysec", "no"]).optional(),
  downAfterMilliseconds: z.number().int().min(100).max(3_600_000).optional(),
  failoverTimeoutMilliseconds: z.number().int().min(1000).max(3_600_000).optional(),
  minReplicasToWrite: z.number().int().min(0).max(8).optional(),
  minReplicasMaxLagSeconds: z.number().int().min(1).max(3600).optional(),
  quorum: z.number().int().min(1).max(9).optional(),
});

const backupOverrides = z.strictObject({
  crossRegionReplication: z.boolean().optional(),
  replicationTimeControl: z.boolean().optional(),
  logicalBackupSchedule: cronSchedule.optional(),
  restoreDrillSchedule: cronSchedule.optional(),
});

const dnsOverrides = z.strictObject({
  ttlSeconds: z.number().int().min(0).max(172800).optional(),
  healthCheckIntervalSeconds: z.union([z.literal(10), z.literal(30)], { message: "expected 10 or 30 (the request intervals Route53 supports)" }).optional(),
  failureThreshold: z.number().int().min(1).max(10).optional(),
});

/** The alerts of components/signals; `signals.overrides` may replace the threshold each derives from the targets. */
export const SIGNAL_ALERTS = [
  "PostgresWalArchiveBehind",
  "PostgresWalArchiveFailing",
  "PostgresReplicaLagHigh",
  "PostgresReplicaBeyondFailoverLag",
  "PostgresReplicasMissing",
  "PostgresSyncStandbyMissing",
  "PostgresStandbyClusterLagHigh",
  "PostgresStandbyClusterNotStreaming",
  "PostgresBaseBackupStale",
  "LogicalBackupStale",
  "RestoreDrillStale",
  "RedisReplicationLinkDown",
  "RedisReplicaOffsetLag",
  "RedisRdbSaveFailing",
  "RedisRdbSaveOverdue",
  "RedisAofWriteFailing",
  "RedisAofRewriteFailing",
  "RedisSentinelQuorumLost",
  "S3ReplicationLatencyHigh",
  "S3ReplicationBacklog",
  "S3ReplicationFailed",
  "Route53HealthCheckFailing",
  "LlmDegradedResponses",
  "LlmHandoffFailing",
  "LlmProviderFailing",
  "LlmFallbackActive",
  "LlmLatencyP99AboveBudget",
  "RecoveryMeasuredAboveTarget",
  "RecoveryMeasuredAbovePrediction",
] as const;
export type SignalAlert = (typeof SIGNAL_ALERTS)[number];

const signals = z.strictObject({
  /** The cluster runs the Prometheus operator: rules ship as a PrometheusRule instead of a ConfigMap. */
  prometheusOperator: z.boolean().optional(),
  /** The failover controller's on-call webhook, subscribed to the alarm topic (keep it a Pulumi secret). */
  onCallWebhook: checked((v) => httpsUrlProblem(v)).optional(),
  /**
   * Who answers the alarm topic when the subscription is made outside the stack (e.g. a pager's own
   * AWS integration subscribes to the topic): without this or onCallWebhook the alarms page nobody.
   */
  onCallSubscriber: z.string().trim().min(3).optional(),
  /** Prefix of runbook links (e.g. https://github.com/org/repo/blob/main/); default: repository-relative paths. */
  runbookBaseUrl: checked((v) => httpsUrlProblem(v, true, true)).optional(),
  /** Alert name -> threshold in the alert's unit (docs/SIGNALS.md), replacing the derived one for every class. */
  overrides: z
    .strictObject(Object.fromEntries(SIGNAL_ALERTS.map((a) => [a, z.number().positive().optional()])) as { [K in SignalAlert]: z.ZodOptional<z.ZodNumber> })
    .optional(),
});

/** A label key as Kubernetes takes it: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
const labelKey = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, { message: 'expected a Kubernetes label key such as "app.kubernetes.io/name"' });
const labelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, { message: "expected a Kubernetes label value (at most 63 letters, digits, '-', '_' or '.')" });

/** The cluster's network around the stack's pods: what the NetworkPolicies admit besides the stack itself (docs/CONFIGURATION.md, Network). */
const network = z.strictObject({
  /** Namespace of the Prometheus that scrapes the exporters. */
  monitoringNamespace: k8sName.optional(),
  /** Labels of the Prometheus pods in it; never empty (an empty selector is the whole namespace). */
  monitoringPodLabels: z
    .record(labelKey, labelValue)
    .refine((l) => Object.keys(l).length > 0, { message: "expected at least one label: an empty selector admits every pod of the monitoring namespace" })
    .optional(),
  /** Where the Kubernetes API server's endpoints are (the kubernetes Service's addresses), on 443 and 6443. */
  apiServerCidrs: z.array(checked(cidrProblem)).min(1).optional(),
  /** Where S3, STS, KMS and Route53 are reached on 443. */
  awsApiCidrs: z.array(checked(cidrProblem)).min(1).optional(),
});

/**
 * The LLM gateway (components/llm-gateway): an ordered fallback chain of model providers, each an
 * OpenAI-compatible endpoint Portkey knows, and the degraded last step. The API keys are Pulumi
 * secrets (`pulumi config set --secret --path 'llm.providers[0].apiKey' ...`) and become a
 * Kubernetes Secret, never a ConfigMap.
 */
export const LLM_PROVIDER_KINDS = ["openai", "azure-openai", "anthropic", "mistral-ai", "groq", "together-ai", "deepseek", "fireworks-ai", "openrouter"] as const;

const llmProvider = z.strictObject({
  /** Our name for the provider (labels, metrics, messages). */
  name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, { message: "expected a short name (lower-case letters, digits, '-')" }),
  /** Portkey's provider id: how the gateway speaks to it. */
  provider: z.enum(LLM_PROVIDER_KINDS),
  /** Base URL of the provider's API, e.g. https://api.openai.com/v1 (Portkey's custom_host). */
  baseUrl: checked((v) => httpsUrlProblem(v)),
  /** The provider's model that answers the agents' requests (Portkey's override_params.model). */
  model: z.string().min(1).max(200),
  /** Keep it a Pulumi secret. */
  apiKey: z.string().min(1),
});

const llmOverrides = z.strictObject({
  /** Per-attempt timeout (Portkey request_timeout). */
  requestTimeoutSeconds: z.number().min(1).max(600).optional(),
  /** Retries of one provider before the chain moves on (Portkey retry.attempts). */
  retries: z.number().int().min(0).max(5).optional(),
});

const llm = z.strictObject({
  enabled: z.boolean().optional(),
  /** Tried in this order; the first that answers serves the request. */
  providers: z.array(llmProvider).min(1),
  /** HTTP statuses on which the chain moves to the next provider (408 is the gateway's own per-attempt timeout, 500 a refused connection). */
  failoverStatusCodes: z.array(z.number().int().min(400).max(599)).min(1).optional(),
  /** The last step when every provider fails: a defined answer to the user and a hand-off to a human queue. */
  degraded: z
    .strictObject({
      message: z.string().min(1).max(2000),
      /** The human queue's webhook (keep it a Pulumi secret if its URL carries a token). */
      handoffWebhook: checked((v) => httpsUrlProblem(v)),
    })
    .optional(),
  /** Gateway pods per region (at least 2 in prod: the pack's llm-gateway-chain). */
  replicas: z.number().int().min(1).max(20).optional(),
  /** Where the providers are reached on 443 (the gateway's egress); default: anywhere on 443 (providers publish no fixed CIDRs). */
  egressCidrs: z.array(checked(cidrProblem)).min(1).optional(),
  overrides: llmOverrides.optional(),
});

export const stackConfigSchema = z.strictObject({
  environment: z.enum(["staging", "prod"]).optional(),
  owner: z.string().min(1).optional(),
  regions: z.strictObject({ primary: region("primary region"), dr: region("DR region").optional() }),
  clusters: z.strictObject({ primary: clusterAccess, dr: clusterAccess.optional() }).optional(),
  dataClasses: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, { message: "expected a snake_case data class name" }), dataClass).optional(),
  endpoints: z.strictObject({ api: publicEndpoint.optional(), databaseWriter: privateEndpoint.optional() }).optional(),
  /** EKS OIDC providers for IAM roles for service accounts (IRSA), per region's cluster. */
  oidc: z
    .strictObject({
      providerArn: oidcArn,
      issuerUrl,
      drProviderArn: oidcArn.optional(),
      drIssuerUrl: issuerUrl.optional(),
    })
    .optional(),
  postgres: z
    .strictObject({
      enabled: z.boolean().optional(),
      clusterName: k8sName.optional(),
      instances: z.number().int().min(1).max(9).optional(),
      installOperator: z.boolean().optional(),
      version: z.enum(["15", "16", "17"]).optional(),
      volumeSize: z.string().regex(/^[1-9]\d*(Mi|Gi|Ti)$/, { message: 'expected a non-zero Kubernetes quantity such as "100Gi"' }).optional(),
      dataSizeGiB: z.number().positive().optional(),
      writeRateMiBPerSecond: z.number().positive().optional(),
      standby: z
        .strictObject({
          enabled: z.boolean().optional(),
          streaming: z.boolean().optional(),
          maxLagSeconds: z.number().positive().optional(),
          /** Source CIDRs of the DR cluster's pods: the primary's NetworkPolicy admits the stream from them. */
          peerCidrs: z.array(checked(cidrProblem)).optional(),
          /** The primary region's VPC CIDRs (where its replication load balancer listens): the DR standby's egress on 5432. */
          primaryCidrs: z.array(checked(cidrProblem)).min(1).optional(),
        })
        .optional(),
      clone: z
        .strictObject({
          sourceCluster: k8sName,
          targetTime: checked(timestampProblem),
        })
        .optional(),
      overrides: postgresOverrides.optional(),
    })
    .optional(),
  redis: z
    .strictObject({
      enabled: z.boolean().optional(),
      replicas: z.number().int().min(1).max(9).optional(),
      sentinels: z.number().int().min(1).max(9).optional(),
      drRegion: z.boolean().optional(),
      overrides: redisOverrides.optional(),
    })
    .optional(),
  backup: z
    .strictObject({
      retentionDays: z.number().int().min(1).max(3650).optional(),
      objectLock: z
        .strictObject({
          enabled: z.boolean(),
          days: z.number().int().min(1).max(3650).optional(),
          mode: z.enum(["COMPLIANCE", "GOVERNANCE"]).optional(),
        })
        .optional(),
      /** Principals (IAM ARNs) that run `pulumi up` for this stack: they alone may reconfigure the buckets and administer the keys. */
      administrators: z.array(checked(principalArnProblem)).optional(),
      /** Principals (IAM ARNs) that alone may destroy recovery points (delete versions, bypass governance retention). */
      breakGlassPrincipals: z.array(checked(principalArnProblem)).optional(),
      /**
       * A separate backup account for the DR copy: Pulumi assumes roleArn to create the DR bucket and
       * its key there, and replication hands the replicas to that account (owner override).
       */
      drAccount: z
        .strictObject({
          roleArn: checked(roleArnProblem),
          externalId: z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, "expected 2 to 1224 characters of letters, digits and +=,.@:/-_ (STS's external id)").optional(),
        })
        .optional(),
      overrides: backupOverrides.optional(),
    })
    .optional(),
  dns: z.strictObject({ overrides: dnsOverrides.optional() }).optional(),
  signals: signals.optional(),
  failover: z
    .strictObject({
      regionPromotion: z.enum(["automatic", "manual"]).optional(),
      /** From the page to a person acting on it; a person needs at least a minute to read a page and decide. */
      manualResponseMinutes: z.number().min(1).optional(),
      /**
       * The longest a logical corruption (a bad migration, an accidental delete) goes before it is
       * reported to on-call. Nothing in the stack can detect it, so it is a declared assumption;
       * unset, the logical-corruption RTO is unbounded.
       */
      corruptionNoticedMinutes: z.number().positive().optional(),
      controller: z
        .strictObject({
          enabled: z.boolean().optional(),
          intervalSeconds: z.number().int().min(1).optional(),
          failureThreshold: z.number().int().min(1).optional(),
        })
        .optional(),
    })
    .optional(),
  network: network.optional(),
  llm: llm.optional(),
  chaos: chaos.optional(),
  /** The recovery probe (components/recovery-probe): canary writes measuring each outage's RTO and lost writes. */
  probe: z
    .strictObject({
      enabled: z.boolean(),
      // Under 100 ms the probe would add load for nothing (the measurement is good to one interval); over 60 s it would miss short outages.
      writeIntervalMs: z.number().int().min(100).max(60_000).optional(),
    })
    .optional(),
});

export type RawStackConfig = z.infer<typeof stackConfigSchema>;
export type PostgresOverrides = z.infer<typeof postgresOverrides>;
export type RedisOverrides = z.infer<typeof redisOverrides>;
export type BackupOverrides = z.infer<typeof backupOverrides>;
export type DnsOverrides = z.infer<typeof dnsOverrides>;
export type SignalsConfig = z.infer<typeof signals>;
export type NetworkConfig = z.infer<typeof network>;
export type LlmRawConfig = z.infer<typeof llm>;
export type ChaosRawConfig = z.infer<typeof chaos>;
export type LlmOverrides = z.infer<typeof llmOverrides>;
