import type { DrSettings } from "../../../dr/settings";
import { planFailoverDns } from "../../dns/plan";
import type { SignalAlert, StackConfig } from "../../../dr/targets";
import { CloudWatchInputs, deriveCloudWatchAlarms } from "./cloudwatch";
import { checkOverridesUsed } from "./grouping";
import type { CronJobNames } from "./job-rules";
import { describeTarget, ProtectedTarget, SignalSource } from "./model";
import { alertRules } from "./prometheus-rules";
import { REPLICATION_RULE_ID } from "../../../contract/backup";
import { logicalBackupCronJobName, restoreDrillCronJobName } from "../../../contract/postgres";

export interface ClassSignal {
  alert: SignalAlert;
  source: SignalSource;
  mechanism: string;
  target: string;
  threshold: number;
  unit: string;
  /** CloudWatch alarms: how long the condition must hold before the alarm pages (period x evaluation periods). */
  heldSeconds?: number;
  runbook: string;
}

export interface ClassSignals {
  dataClass: string;
  signals: ClassSignal[];
}

/** What the Signals component is wired to; the default is what AgentPlatform wires (see platform.ts). */
export interface SignalsWiring {
  jobs: CronJobNames;
  cloudWatch: CloudWatchInputs<string>;
}

/** The wiring AgentPlatform uses: the backup tier's CronJobs, its replication rule, the DNS tier's health checks. */
export function defaultWiring(config: StackConfig, settings: DrSettings): SignalsWiring {
  const healthChecks = planFailoverDns(config, settings.dns).checks.map((c) => ({ key: c.key, id: c.key }));
  return {
    jobs: { namespace: config.clusters.primary.namespace, ...defaultCronJobNames(config) },
    cloudWatch: {
      healthChecks,
      ...(settings.backup.crossRegionReplication ? { replication: { sourceBucket: "primary", destinationBucket: "dr", ruleId: REPLICATION_RULE_ID } } : {}),
    },
  };
}

/** CronJob names the signals watch unless told otherwise: as PostgresCluster names them (cronJobNames there). */
export function defaultCronJobNames(config: StackConfig): { logicalBackup: string; restoreDrill: string } {
  return { logicalBackup: logicalBackupCronJobName(config.postgres.clusterName), restoreDrill: restoreDrillCronJobName(config.postgres.clusterName) };
}

/**
 * Per data class, the signals that watch it (Prometheus rules and CloudWatch alarms). A class with
 * an empty list is watched by nothing: the plan shows it and the policy pack flags it. Throws
 * ConfigError for overrides of alerts this stack does not have.
 */
export function signalsByDataClass(config: StackConfig, settings: DrSettings, wiring: SignalsWiring = defaultWiring(config, settings)): ClassSignals[] {
  const rules = alertRules(config, settings, wiring.jobs);
  const alarms = deriveCloudWatchAlarms(config, settings, wiring.cloudWatch);
  checkOverridesUsed(config, new Set([...rules.map((r) => r.alert), ...alarms.map((a) => a.alert)]));
  const out = new Map<string, ClassSignal[]>(config.dataClasses.map((c) => [c.name, []]));
  const add = (targets: Record<string, ProtectedTarget>, s: Omit<ClassSignal, "target">) => {
    for (const [c, t] of Object.entries(targets)) {
      const list = out.get(c);
      // Route53 alarms repeat per health check; one line per alert and source is enough for the plan
      // (an alert evaluated in both regions, like the LLM gateway's, is listed once per region, as the resources declare it).
      if (list && !list.some((x) => x.alert === s.alert && x.threshold === s.threshold && x.source === s.source)) list.push({ ...s, target: describeTarget(t) });
    }
  };
  for (const r of rules) {
    add(r.classTargets, { alert: r.alert, source: r.source, mechanism: r.mechanism, threshold: r.threshold, unit: r.unit, runbook: r.runbook });
  }
  for (const a of alarms) {
    add(a.classTargets, { alert: a.alert, source: "cloudwatch", mechanism: a.mechanism, threshold: a.threshold, unit: a.metricName === "ReplicationLatency" ? "seconds" : "count", heldSeconds: a.period * a.evaluationPeriods, runbook: a.runbook });
  }
  return [...out.entries()].map(([dataClass, signals]) => ({ dataClass, signals }));
}

/** Classes no signal watches (for the advisory policy). */
export function unwatchedDataClasses(config: StackConfig, settings: DrSettings, wiring?: SignalsWiring): string[] {
  return signalsByDataClass(config, settings, wiring).filter((c) => c.signals.length === 0).map((c) => c.dataClass);
}
