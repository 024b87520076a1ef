import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DrSettings } from "../dr/settings";
import type { StackConfig } from "../dr/targets";
import { BackupBuckets } from "./backup";
import { drTestsEnabledByDefault, FailoverController } from "./controller";
import { FailoverDns } from "./dns";
import { FAULT_INJECTORS, FaultSchedules, stackFaultSchedule, stackFaultTargets } from "./chaos";
import { LlmGateway } from "./llm-gateway";
import { NamespaceNetwork } from "./network";
import { buildPostgresTier, PostgresTier } from "./postgres/tier";
import { clusterProvider } from "./providers";
import { RecoveryProbe } from "./recovery-probe";
import { RedisSentinel } from "./redis";
import { Signals } from "./signals";
import { baseLabels } from "./tags";
import { PLANNING_ANNOTATION, serializePlanning } from "../dr/targets/planning";
import { REPLICATION_RULE_ID } from "../contract/backup";
import type { RegionCluster, RegionRole } from "../contract/region-cluster";

export interface AgentPlatformArgs {
  /** Validated stack config (dr/targets). */
  config: StackConfig;
  /** Settings derived from the targets, overrides applied (dr/settings). */
  settings: DrSettings;
}


/**
 * The agent platform's disaster recovery for one environment: composes the tiers (PostgreSQL,
 * Redis, backups, DNS) on the primary region's cluster and, where configured, the DR region's.
 */
export class AgentPlatform extends pulumi.ComponentResource {
  readonly primary: RegionCluster;
  readonly dr?: RegionCluster;
  /** Backup buckets (primary and DR region), their KMS keys and the IRSA role ARNs of the PostgreSQL pods and jobs. */
  readonly backup: BackupBuckets;
  /** Route53 health checks and failover records of the platform endpoints. */
  readonly dns: FailoverDns;
  /** Sentinel-managed Redis for session state in the primary region, and the (empty) set in the DR region. */
  readonly redis?: RedisSentinel;
  readonly drRedis?: RedisSentinel;
  /** PostgreSQL: the primary cluster, the DR-region standby (prod) and a point-in-time clone when asked for. */
  readonly postgres?: PostgresTier;
  /** Alert rules and CloudWatch alarms that watch the live RPO/RTO exposure against the targets. */
  readonly signals: Signals;
  /** Failover controller (agent-dr:failover.controller.enabled) and the scheduled DR tests. */
  readonly failoverController?: FailoverController;
  /** The LLM gateway in every region the agent API runs in (agent-dr:llm). */
  readonly llmGateways: LlmGateway[] = [];
  /** Chaos Mesh fault Schedules in the primary region (agent-dr:chaos; staging by default). */
  readonly faultSchedules?: FaultSchedules;
  /** The recovery probe in the primary region (agent-dr:probe; staging by default). */
  readonly recoveryProbe?: RecoveryProbe;

  constructor(name: string, args: AgentPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agent-dr:platform:AgentPlatform", name, {}, opts);
    const { config } = args;

    this.primary = this.regionCluster(`${name}-primary`, config, "primary");
    if (config.regions.dr && config.clusters.dr) {
      this.dr = this.regionCluster(`${name}-dr`, config, "dr");
    }
    // Before the tiers that archive into it: they take bucket names and role ARNs from here.
    this.backup = new BackupBuckets(`${name}-backup`, { config, settings: args.settings }, { parent: this });
    this.dns = new FailoverDns(`${name}-dns`, { config, settings: args.settings }, { parent: this });
    const redisSettings = args.settings.redis;
    if (redisSettings) {
      const redisArgs = (cluster: RegionCluster, regionRole: RegionRole) => ({
        cluster,
        regionRole,
        settings: redisSettings,
        dataClasses: config.dataClasses.filter((c) => c.store === "redis"),
        labels: baseLabels(config, "redis"),
      });
      this.redis = new RedisSentinel(`${name}-redis`, redisArgs(this.primary, "primary"), { parent: this });
      if (redisSettings.drRegion && this.dr) this.drRedis = new RedisSentinel(`${name}-redis-dr`, redisArgs(this.dr, "dr"), { parent: this });
    }

    // The agent API runs in each region the stack has a cluster in; so does its gateway to the models.
    const llmSettings = args.settings.llm;
    if (llmSettings && config.llm) {
      for (const [cluster, role] of [[this.primary, "primary"], ...(this.dr ? [[this.dr, "dr"]] : [])] as Array<[RegionCluster, string]>) {
        this.llmGateways.push(
          new LlmGateway(
            `${name}-llm${role === "primary" ? "" : "-dr"}`,
            {
              cluster,
              settings: llmSettings,
              llm: config.llm,
              dataClasses: config.dataClasses.filter((c) => c.store === "llm-gateway"),
              ...(config.network ? { network: config.network } : {}),
              labels: baseLabels(config, "llm-gateway"),
              // The monthly LLM outage test joins the DR test schedule where the others run (staging by default), in the primary region.
              outageTest: drTestsEnabledByDefault(config.environment) && role === "primary",
              prometheusOperator: config.signals.prometheusOperator,
            },
            { parent: this },
          ),
        );
      }
    }

    this.postgres = buildPostgresTier(name, { config, settings: args.settings, primary: this.primary, ...(this.dr ? { dr: this.dr } : {}), backup: this.backup }, this);

    // Last: the signals watch what the tiers above created.
    const replication =
      this.backup.dr && this.backup.replicationRoleArn
        ? { sourceBucket: this.backup.primary.bucketName, destinationBucket: this.backup.dr.bucketName, ruleId: REPLICATION_RULE_ID }
        : undefined;
    this.signals = new Signals(
      `${name}-signals`,
      { config, settings: args.settings, primary: this.primary, ...(this.dr ? { dr: this.dr } : {}), ...(replication ? { replication } : {}), healthCheckIds: this.dns.healthCheckIds, ...(this.postgres?.primary.cronJobNames ? { cronJobs: this.postgres.primary.cronJobNames } : {}) },
      { parent: this },
    );

    // Off by default; the DR test CronJobs default to staging only (components/controller/schedule.ts).
    const drTests = drTestsEnabledByDefault(config.environment);
    if (config.failover.controller.enabled || drTests) {
      this.failoverController = new FailoverController(
        `${name}-failover`,
        { config, primary: this.primary, ...(this.dr ? { dr: this.dr } : {}), controller: config.failover.controller.enabled, drTests },
        { parent: this },
      );
    }

    // The measured DR tests: faults on the tiers above, in the primary region only. The faults no
    // Chaos Mesh selector can target are injected by the DR test CronJobs above (FAULT_INJECTORS).
    const faults = stackFaultSchedule(config);
    if (config.chaos.enabled && faults.some((f) => FAULT_INJECTORS[f.fault] === "chaos-mesh")) {
      this.faultSchedules = new FaultSchedules(
        `${name}-chaos`,
        {
          provider: this.primary.provider,
          faults,
          targets: stackFaultTargets(config),
          ...(config.chaos.installChart ? { install: { chartVersion: config.chaos.chartVersion, namespace: config.chaos.namespace } } : {}),
          labels: baseLabels(config, "chaos"),
        },
        { parent: this, dependsOn: [...(this.postgres ? [this.postgres.primary] : []), ...this.llmGateways] },
      );
    }

    // After the tiers it writes to: their Secrets and Services are the probe's way in. It reads the
    // same fault schedule as the Schedules above, so an outage in a fault's window is attributed to it.
    if (config.probe.enabled && (args.settings.postgres || args.settings.redis)) {
      this.recoveryProbe = new RecoveryProbe(
        `${name}-probe`,
        {
          config,
          settings: args.settings,
          cluster: this.primary,
          reportBucket: { name: this.backup.primary.bucketName, arn: this.backup.primary.bucketArn, kmsKeyArn: this.backup.primary.kmsKeyArn },
          faults: config.chaos.enabled ? faults : [],
        },
        { parent: this },
      );
    }

    this.registerOutputs({
      primaryNamespace: this.primary.namespace,
      drNamespace: this.dr?.namespace,
      llmGatewayUrls: this.llmGateways.map((g) => g.url),
    });
  }

  private regionCluster(name: string, config: StackConfig, role: RegionRole): RegionCluster {
    const access = role === "primary" ? config.clusters.primary : config.clusters.dr!;
    const region = role === "primary" ? config.regions.primary : config.regions.dr!;
    const provider = clusterProvider(`${name}-k8s`, access, this);
    const ns = new k8s.core.v1.Namespace(
      `${name}-ns`,
      {
        metadata: {
          name: access.namespace,
          labels: { ...baseLabels(config, "namespace"), "agent-dr/region": region, "agent-dr/region-role": role },
          // The policy pack runs the budget from resources; this carries the assumptions no setting holds.
          ...(role === "primary" ? { annotations: { [PLANNING_ANNOTATION]: serializePlanning(config) } } : {}),
        },
      },
      { parent: this, provider },
    );
    // Deny everything in and out of the namespace but DNS; each tier adds what its pods need.
    new NamespaceNetwork(`${name}-network`, { namespace: ns.metadata.name, provider, labels: baseLabels(config, "network") }, { parent: this });
    return { region, provider, namespace: ns.metadata.name };
  }
}
