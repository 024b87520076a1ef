import { cronMaxGapSeconds } from "../../dr/settings/cron";
import { dur } from "../lib/report";
import { StackResource } from "../lib/policy-resources";
import { labels, num, TYPES } from "../lib/resources";
import { JOB_KINDS, JOB_LABEL } from "../../contract/postgres";
import { bucketLabel, sideCars } from "./bucket-protection";
import { stackPolicyOver } from "../lib/define";

const DAY = 86400;

/** Days after which the lifecycle expires current objects under a prefix; Infinity when nothing expires them. */
function expiryDays(resources: StackResource[], bucket: StackResource, prefix: string): number {
  let days = Infinity;
  for (const lc of sideCars(resources, TYPES.bucketLifecycle, bucket)) {
    for (const rule of lc.inputs.rules ?? []) {
      if (rule.status !== "Enabled") continue;
      const p: string = rule.filter?.prefix ?? rule.prefix ?? "";
      const d = num(rule.expiration?.days);
      if (prefix.startsWith(p) && Number.isFinite(d)) days = Math.min(days, d);
    }
  }
  return days;
}

const env = (job: StackResource, name: string): string | undefined => {
  const pod = job.inputs.spec?.jobTemplate?.spec?.template?.spec ?? {};
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    const v = (c.env ?? []).find((e: any) => e.name === name)?.value;
    if (typeof v === "string") return v;
  }
  return undefined;
};

/**
 * A backup is known good only when a restore has proven it. The restore drill must come around
 * before the last proven dump expires (or else a chain that broke is noticed when nothing good is
 * left), and Object Lock must hold a proven recovery point at least until the next drill proves a
 * newer one. A prod bucket without Object Lock leaves every recovery point to whoever can delete it.
 */
export function checkBackupVerification(resources: StackResource[], report: (m: string, urn?: string) => void): void {
  const buckets = resources.filter((r) => r.type === TYPES.bucket);
  for (const job of resources.filter((r) => r.type === TYPES.cronJob && labels(r)[JOB_LABEL] === JOB_KINDS.restoreDrill)) {
    let gap: number;
    try {
      gap = cronMaxGapSeconds(String(job.inputs.spec?.schedule));
    } catch {
      continue; // backup-cronjob reports a schedule that is not cron.
    }
    const bucket = buckets.find((b) => bucketLabel(b) === env(job, "BACKUP_BUCKET"));
    if (!bucket) continue;
    const prefix = `${(env(job, "BACKUP_PREFIX") ?? "").replace(/\/+$/, "")}/`;
    const days = expiryDays(resources, bucket, prefix);
    if (!Number.isFinite(gap)) {
      report(`restore drill ${job.inputs.metadata?.name}: schedule ${JSON.stringify(job.inputs.spec?.schedule)} does not run twice within 9 years, so a dump chain that stopped restoring is never noticed. Fix: set backup.overrides.restoreDrillSchedule to "0 4 * * *" (daily).`, job.urn);
      continue;
    }
    if (gap >= days * DAY) {
      const fix = days > 1 ? `set backup.overrides.restoreDrillSchedule to "0 4 * * *" (daily)` : `set backup.retentionDays to at least ${Math.ceil(gap / DAY) + 1}`;
      report(`restore drill ${job.inputs.metadata?.name}: runs every ${dur(gap)} at worst, but dumps in ${bucketLabel(bucket)} expire after ${days} day(s): a dump chain that stopped restoring is noticed only after every proven dump is gone. Fix: ${fix}.`, job.urn);
    }
    for (const lock of sideCars(resources, TYPES.bucketObjectLock, bucket)) {
      const lockDays = num(lock.inputs.rule?.defaultRetention?.days);
      // The Fix adds a day: the newest base backup a restore needs is up to a day old when the drill
      // finds the damage (the credential-compromise budget asks the same of the lock).
      if (lock.inputs.objectLockEnabled === "Enabled" && Number.isFinite(lockDays) && lockDays * DAY < gap) {
        const need = Math.ceil(gap / DAY) + 1;
        // A lock may not outlast the retention (the config refuses it): past the retention, a more frequent drill is the way.
        const fix = need <= days ? `set backup.objectLock.days to at least ${need}` : `set backup.overrides.restoreDrillSchedule to "0 4 * * *" (daily; a ${need}-day lock would outlast the ${days}-day retention)`;
        report(`backup bucket ${bucketLabel(bucket)}: Object Lock holds a version ${lockDays} day(s), but the restore drill proves a newer dump only every ${dur(gap)}: the last proven recovery point can be deleted before another is proven. Fix: ${fix}.`, lock.urn);
      }
    }
  }
  for (const b of buckets) {
    if (b.inputs.tags?.environment !== "prod" || !/backup/.test(b.inputs.tags?.purpose ?? bucketLabel(b))) continue;
    const lock = sideCars(resources, TYPES.bucketObjectLock, b).find((l) => l.inputs.objectLockEnabled === "Enabled");
    if (!lock && b.inputs.objectLockEnabled !== true) {
      report(`backup bucket ${bucketLabel(b)} (prod) has no Object Lock: any principal allowed s3:DeleteObjectVersion, or lifecycle rules anyone rewrites, can remove every recovery point in the region. Fix: set backup.objectLock.enabled to true.`, b.urn);
    }
  }
}

export const backupVerification = stackPolicyOver([TYPES.bucket, TYPES.cronJob], "no backup bucket and no backup CronJob in the stack", checkBackupVerification, {
  name: "backup-verification",
  severity: "high",
  description: "The restore drill proves a dump before the last proven one expires or loses its Object Lock; prod backup buckets have Object Lock.",
});
