import type { Runbook } from "../engine";
import type { RunbookTargets } from "../../contract/runbooks";
import { SHORT } from "./backoff";

/** The weekly restore test, on demand: a backup is only a backup once it has been restored. */
export function verifyBackups(t: RunbookTargets): Runbook {
  if (!t.postgres) throw new Error(`verify-backups: stack ${t.stack} has no PostgreSQL tier; expected agent-dr:postgres.enabled true`);
  return {
    name: "verify-backups",
    title: "Verify backups by restoring them",
    summary:
      "Restores the latest daily logical backup into a fresh database and checks it (the backup tier's restore check). " +
      "Scheduled weekly in staging by the DR test schedule; run it by hand after changing anything about backups.",
    component: "backup",
    steps: [
      {
        name: "restore-check",
        description: `Run the restore check${t.restoreCheckCronJob ? ` (a Job from CronJob ${t.restoreCheckCronJob})` : ""} and wait for its verdict.`,
        action: "backup.verifyRestore",
        params: { region: "primary", cluster: t.postgres.cluster },
        timeoutSeconds: 3600,
        retries: 1,
        backoff: SHORT,
      },
    ],
  };
}
