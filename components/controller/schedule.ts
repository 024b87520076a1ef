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
}

/**
 * The platform's DR test schedule (UTC, outside business hours, spread so no two overlap):
 * weekly base-backup restore (a point-in-time clone five minutes back, checked and deleted) and
 * weekly Sentinel failover; monthly planned Postgres switchover and restore of the daily dump
 * into a fresh database. The monthly "LLM API outage" test is no runbook: it is the LLM gateway's
 * own CronJob (components/llm-gateway/render/outage-test.ts, 05:00 UTC on the 8th), enabled by
 * drTestsEnabledByDefault like these.
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

/** DR tests run by default in staging only: in prod a failover test is a decision, not a cron default. */
export function drTestsEnabledByDefault(environment: "staging" | "prod"): boolean {
  return environment === "staging";
}
