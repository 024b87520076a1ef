import type { DrSettings } from "../../../dr/settings";
import { scheduleGapSeconds } from "./cron-gap";
import type { SignalAlert, StackConfig } from "../../../dr/targets";
import { runbookLink } from "./grouping";
import { groupAll, overridableRule } from "./rule-builder";
import { AlertRule, describeTarget, formatSeconds } from "./model";
import { backupGraceSeconds } from "./postgres-rules";

/** Names of the CronJobs the backup tier creates (kube-state-metrics labels them by namespace and cronjob). */
export interface CronJobNames {
  namespace: string;
  logicalBackup?: string;
  restoreDrill?: string;
}

/**
 * Last-success age of a CronJob from kube-state-metrics, also when it never succeeded: then the
 * age counts from its creation, so a job that has failed since day one still alerts.
 */
export function cronJobAgeExpr(namespace: string, cronjob: string): string {
  const sel = `{namespace="${namespace}",cronjob="${cronjob}"}`;
  const ok = `max by (namespace, cronjob) (kube_cronjob_status_last_successful_time${sel})`;
  const created = `max by (namespace, cronjob) (kube_cronjob_created${sel})`;
  return `(time() - ${ok}) or ((time() - ${created}) unless on (namespace, cronjob) ${ok})`;
}

/** Alerts on the logical backup CronJob (dump + verifying restore) and the restore drill. */
export function jobRules(config: StackConfig, settings: DrSettings, jobs: CronJobNames): AlertRule[] {
  const classes = config.dataClasses.filter((c) => c.store === "postgres");
  if (!settings.postgres || classes.length === 0) return [];
  const rules: AlertRule[] = [];
  const dataSize = settings.postgres.dataSizeBytes;

  const add = (alert: SignalAlert, cronjob: string | undefined, schedule: string | undefined, kind: "RPO" | "RTO", runbook: string, what: string) => {
    if (!cronjob || !schedule) return;
    const g = groupAll(classes, kind, ["logical-corruption"]);
    if (!g) return;
    const gap = scheduleGapSeconds(schedule);
    // Dump and verifying restore: two passes over the data.
    const grace = backupGraceSeconds(dataSize, 2);
    rules.push(
      overridableRule(
        config,
        g,
        alert,
        {
          value: gap + grace,
          why: `Longest gap of "${schedule}" (${gap}s) plus ${grace}s for dumping and restoring ${Math.round(dataSize / 2 ** 30)} GiB at the planned throughput and starting the job; it backs the ${describeTarget(g.target)}.`,
        },
        (threshold) => ({
          source: "prometheus-primary",
          mechanism: alert === "LogicalBackupStale" ? "logical-backup" : "restore-drill",
          severity: alert === "LogicalBackupStale" ? "critical" : "warning",
          threshold,
          unit: "seconds",
          forSeconds: 0,
          expr: `(${cronJobAgeExpr(jobs.namespace, cronjob)}) > ${threshold}`,
          summary: `${what} has not succeeded for more than ${formatSeconds(threshold)} (CronJob ${cronjob})`,
          description: `Last success {{ $value | humanizeDuration }} ago; schedule "${schedule}".`,
          runbook: runbookLink(config, runbook),
        }),
      ),
    );
  };

  add("LogicalBackupStale", jobs.logicalBackup, settings.backup.logicalBackupSchedule, "RPO", "verify-backups", "The verified logical backup");
  add("RestoreDrillStale", jobs.restoreDrill, settings.backup.restoreDrillSchedule, "RTO", "verify-backups", "The restore drill");
  return rules;
}
