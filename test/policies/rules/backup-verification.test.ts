import { runStackPolicy, type Res } from "../../harness/policy-run";

describe("backup-verification", () => {
  const drill = (schedule: string): Res => ({
    type: "kubernetes:batch/v1:CronJob",
    name: "restore-drill",
    inputs: {
      metadata: { name: "pg-restore-drill", namespace: "agent-dr", labels: { "agent-dr/job": "restore-drill" } },
      spec: { schedule, jobTemplate: { spec: { template: { spec: { initContainers: [{ name: "download", env: [{ name: "BACKUP_BUCKET", value: "bk" }, { name: "BACKUP_PREFIX", value: "logical-backups/c" }] }] } } } } },
    },
  });
  const lifecycle = (days: number): Res => ({ type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", name: "bk-lifecycle", inputs: { bucket: "bk", rules: [{ id: "dumps", status: "Enabled", filter: { prefix: "logical-backups/" }, expiration: { days } }] } });
  const lock = (days: number): Res => ({ type: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", name: "bk-lock", inputs: { bucket: "bk", objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: "GOVERNANCE", days } } } });
  const bucket: Res = { type: "aws:s3/bucket:Bucket", name: "bk", inputs: { bucket: "bk", tags: { environment: "prod", purpose: "postgres-backups" } } };
  const run = async (...rs: Res[]) => (await runStackPolicy("backup-verification", [bucket, ...rs])).messages;
  it("passes a weekly drill over 14 days of dumps locked 7 days", async () => {
    expect(await run(drill("0 4 * * 0"), lifecycle(14), lock(7))).toEqual([]);
  });
  it("flags a drill that comes around only after the proven dumps expired; the Fix depends on what can work", async () => {
    expect(await run(drill("0 4 * * 0"), lifecycle(7), lock(7))).toEqual([expect.stringMatching(/runs every 168h .* expire after 7 day\(s\).*Fix: set backup.overrides.restoreDrillSchedule to "0 4 \* \* \*"/)]);
    expect(await run(drill("0 4 * * *"), lifecycle(1), lock(7))).toEqual([expect.stringMatching(/expire after 1 day\(s\).*Fix: set backup.retentionDays to at least 2/)]);
  });
  it("flags a lock shorter than the drill period, and a prod bucket without a lock", async () => {
    expect(await run(drill("0 4 * * 0"), lifecycle(30), lock(3))).toEqual([expect.stringMatching(/Object Lock holds a version 3 day\(s\).*Fix: set backup.objectLock.days to at least 8/)]);
    expect(await run(drill("0 4 * * *"), lifecycle(30))).toEqual([expect.stringMatching(/bk \(prod\) has no Object Lock.*Fix: set backup.objectLock.enabled to true/)]);
  });
  it("a yearly drill is judged by its real gap (8784 h, a leap year), and the lock finding turns to the drill instead of a lock no retention allows", async () => {
    expect(await run(drill("0 0 1 1 *"), lifecycle(30), lock(7))).toEqual([
      expect.stringMatching(/runs every 8784h at worst, but dumps in bk expire after 30 day\(s\).*Fix: set backup.overrides.restoreDrillSchedule to "0 4 \* \* \*"/),
      expect.stringMatching(/Object Lock holds a version 7 day\(s\).*Fix: set backup.overrides.restoreDrillSchedule to "0 4 \* \* \*" \(daily; a 367-day lock would outlast the 30-day retention\)/),
    ]);
  });
});
