import type { ChaosFault } from "../../contract/probe";
import type { RunbookName } from "../../contract/runbooks";

/** One scheduled DR test: a CronJob running a runbook with its arguments. */
export interface DrTest {
  /** CronJob name suffix. */
  name: string;
  runbook: RunbookName;
  schedule: string;
  /** Extra CLI arguments for the runbook. */
  args: string[];
  description: string;
  /**
   * The scheduled fault this test injects (contract/probe CHAOS_FAULTS), for a fault no Chaos Mesh
   * selector can target: the test runs only where the stack's fault schedule lists the fault
   * (components/chaos faultSchedule, from which the recovery probe attributes outages), on that
   * fault's cron, and only inside its window (--in-fault-window).
   */
  fault?: ChaosFault;
}

/**
 * The platform's DR test schedule (UTC, outside business hours, spread so no two overlap):
 * weekly base-backup restore (a point-in-time clone five minutes back, checked and deleted),
 * weekly Sentinel failover (planned) and weekly Redis primary kill (unplanned: a fault of the
 * recovery probe's schedule, at 02:00 with the Chaos Mesh faults); monthly planned Postgres
 * switchover and restore of the daily dump into a fresh database. The monthly "LLM API outage"
 * test is no runbook: it is the LLM gateway's own CronJob (components/llm-gateway/render/outage-test.ts,
 * 05:00 UTC on the 8th), enabled by drTestsEnabledByDefault like these.
 */
export function drTestSchedule(): DrTest[] {
  return [
    {
      name: "backup-restore",
      runbook: "restore-point-in-time",
      schedule: "0 3 * * 1",
      args: ["--target-time", "now-5m", "--cleanup"],
      description: "Weekly: restore the base backups and WAL into a fresh clone, check it takes writes, delete it.",
    },
    {
      name: "sentinel-failover",
      runbook: "redis-failover",
      schedule: "0 3 * * 3",
      args: ["--planned"],
      description: "Weekly: a planned Sentinel failover, clients must follow and the old primary rejoin.",
    },
    {
      name: "redis-primary-kill",
      runbook: "redis-primary-kill",
      // Friday 02:00: the faults' hour (components/chaos/schedule.ts), on the one weekday none of them uses.
      schedule: "0 2 * * 5",
      args: ["--in-fault-window"],
      description:
        "Weekly: kill the Redis primary the Sentinels name (its pod deleted, grace period 0), Sentinel must fail over on its own, clients follow, the killed server rejoins as a replica; the recovery probe measures the outage.",
      fault: "redis-primary-kill",
    },
    {
      name: "postgres-switchover",
      runbook: "postgres-switchover",
      schedule: "0 4 1 * *",
      args: [],
      description: "Monthly: a planned Patroni switchover and pooler reconnect.",
    },
    {
      name: "dump-restore",
      runbook: "verify-backups",
      schedule: "0 4 15 * *",
      args: [],
      description: "Monthly: restore the latest daily dump into a fresh database and check it.",
    },
  ];
}

/**
 * How late a fault-injecting DR test's CronJob may still start (its other tests may start up to an
 * hour late): a Job created later would inject outside the fault's window, which the runbook
 * refuses anyway (--in-fault-window), so it is better not created at all.
 */
export const FAULT_TEST_STARTING_DEADLINE_SECONDS = 120;

/** DR tests run by default in staging only: in prod a failover test is a decision, not a cron default. */
export function drTestsEnabledByDefault(environment: "staging" | "prod"): boolean {
  return environment === "staging";
}
