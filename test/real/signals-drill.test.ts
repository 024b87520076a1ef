import { drillStack, runArchiveAlertDrill, SCRAPE_SECONDS, ArchiveDrillResult } from "../../drills/signals/archive-alert";

/**
 * The signals on real servers: PostgreSQL 15 archiving to s3rver, the Debian postgres_exporter
 * and redis_exporter scraped by a local Prometheus that evaluates the rendered rules. Wall time
 * about 2 minutes.
 */
jest.setTimeout(6 * 60 * 1000);

describe("signals drill (real PostgreSQL, s3rver, exporters, Prometheus)", () => {
  let result: ArchiveDrillResult;
  const { settings } = drillStack();

  beforeAll(async () => {
    result = await runArchiveAlertDrill((m) => process.stdout.write(`[signals-drill] ${m}\n`));
  });

  it("derives the drill's archive threshold from its 20 s RPO (archive_timeout 15 s)", () => {
    expect(result.archiveTimeoutSeconds).toBe(settings.postgres!.archiveTimeoutSeconds);
    expect(result.archiveTimeoutSeconds).toBe(15);
    expect(result.thresholdSeconds).toBe(20);
  });

  it("nothing fires while archive and replication are healthy", () => {
    expect(result.firingWhileHealthy).toEqual([]);
  });

  it("every postgres_exporter query runs on PostgreSQL 15", () => {
    expect(result.queryErrors).toEqual([]);
  });

  it("a real pg_basebackup moves the base backup metric to the backup's end", () => {
    expect(result.baseBackup.after).toBeGreaterThan(result.baseBackup.before);
    // The backup history file is written when the backup stops (file times have 1 s resolution).
    expect(result.baseBackup.after).toBeGreaterThanOrEqual(Math.floor(result.baseBackup.startedAt));
    expect(result.baseBackup.after).toBeLessThanOrEqual(result.baseBackup.endedAt + 1);
  });

  it("stopping the S3 endpoint fires PostgresWalArchiveBehind within its threshold (plus scrape and evaluation)", () => {
    // The oldest unarchived write is at most one archive_timeout (+ upload) older than the stop, so the
    // alert may come that much before the threshold, never later than threshold + two scrapes + slack.
    expect(result.fireAfterStopSeconds).toBeGreaterThanOrEqual(result.thresholdSeconds - result.archiveTimeoutSeconds - 5);
    expect(result.fireAfterStopSeconds).toBeLessThanOrEqual(result.thresholdSeconds + 2 * SCRAPE_SECONDS + 5);
  });

  it("restarting the endpoint clears the alert once the archiver catches up (next segment switch)", () => {
    expect(result.clearAfterRestartSeconds).toBeLessThanOrEqual(result.archiveTimeoutSeconds + 5 + 3 * SCRAPE_SECONDS + 10);
  });

  it("a Redis replica that stops processing fires RedisReplicaOffsetLag after its threshold", () => {
    expect(result.redisLagFireSeconds).toBeGreaterThanOrEqual(result.redisLagThresholdSeconds);
    expect(result.redisLagFireSeconds).toBeLessThanOrEqual(result.redisLagThresholdSeconds + 3 * SCRAPE_SECONDS + 5);
  });
});
