import type { PolicyConfigSchema } from "@pulumi/policy";
import { cronMaxGapSeconds } from "../../dr/settings/cron";
import type { ObservedResource } from "../observe";
import { dur } from "../lib/report";
import { annotations, labels, num, TYPES } from "../lib/resources";
import { JOB_KINDS, JOB_LABEL, VERIFIED_BY_RESTORE_ANNOTATION } from "../../contract/postgres";
import { resourcePolicy } from "../lib/define";

interface Config {
  logicalBackupRpoSeconds: number;
}

const configSchema: PolicyConfigSchema = {
  properties: {
    logicalBackupRpoSeconds: {
      type: "number",
      exclusiveMinimum: 0,
      default: 86400,
      description: "The RPO the logical backup serves when the job does not declare one (annotation agent-dr/serves-rpo-seconds): the platform promises a dump at most a day old.",
    },
  },
};

/** Annotation by which a backup job declares the RPO it serves, in seconds. */
export const SERVES_RPO_ANNOTATION = "agent-dr/serves-rpo-seconds";

const BACKUP_JOBS = new Set<string>([JOB_KINDS.logicalBackup, JOB_KINDS.restoreDrill]);

/** Is this CronJob one of the stack's backup jobs? */
export function isBackupJob(r: ObservedResource): boolean {
  const job = labels(r)[JOB_LABEL];
  return r.type === TYPES.cronJob && job !== undefined && BACKUP_JOBS.has(job);
}

/** Does the job's pod run a verification (a real restore), seen in its containers or declared? */
function verifies(r: ObservedResource): boolean {
  if (annotations(r)[VERIFIED_BY_RESTORE_ANNOTATION] === "true") return true;
  const pod = r.inputs.spec?.jobTemplate?.spec?.template?.spec ?? {};
  const containers: any[] = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  return containers.some((c) => /verif|restore/i.test([c.name ?? "", ...(c.command ?? []), ...(c.args ?? [])].join(" ")));
}

export function checkBackupCronJob(r: ObservedResource, config: Config, report: (m: string) => void): void {
  const spec = r.inputs.spec ?? {};
  const job = labels(r)[JOB_LABEL];
  if (spec.concurrencyPolicy !== "Forbid") {
    report(`backup CronJob ${job}: concurrencyPolicy is ${JSON.stringify(spec.concurrencyPolicy ?? "Allow (default)")}; two runs at once upload competing dumps and race on the newest key. Fix: concurrencyPolicy "Forbid".`);
  }
  if (job === JOB_KINDS.logicalBackup && !verifies(r)) {
    report(`backup CronJob ${job}: no verification step (no container that restores the dump, no agent-dr/verified-by-restore annotation); an unrestored dump is not a backup. Fix: restore into a scratch database and run sanity queries in the job.`);
  }
  if (job !== JOB_KINDS.logicalBackup) return;
  let period: number;
  try {
    period = cronMaxGapSeconds(String(spec.schedule));
  } catch (e) {
    report(`backup CronJob ${job}: schedule ${JSON.stringify(spec.schedule)} is not a cron expression (${(e as Error).message}).`);
    return;
  }
  const declared = num(annotations(r)[SERVES_RPO_ANNOTATION]);
  const rpo = Number.isFinite(declared) ? declared : config.logicalBackupRpoSeconds;
  if (period > rpo) {
    report(`logical backup schedule ${JSON.stringify(spec.schedule)} leaves up to ${dur(period)} between dumps, more than the RPO ${dur(rpo)} it serves. Fix: backup.overrides.logicalBackupSchedule at least daily (e.g. "0 2 * * *").`);
  }
}

export const backupCronJob = resourcePolicy<Config>({
  name: "backup-cronjob",
  description: "Backup CronJobs forbid concurrent runs; the logical backup verifies by restore and runs at least as often as the RPO it serves.",
  severity: "high",
  configSchema,
  skip: (r) => (isBackupJob(r) ? undefined : "only CronJobs labelled agent-dr/job: logical-backup or restore-drill"),
  check: (r, report, config) => checkBackupCronJob(r, config, report),
});
