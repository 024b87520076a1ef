import type { Runbook } from "../engine";
import type { RunbookTargets } from "../../contract/runbooks";
import type { RunbookArgs } from "./args";
import { SHORT } from "./backoff";

/** Planned leader change inside the primary region (the monthly staging test, or before node maintenance). */
export function postgresSwitchover(t: RunbookTargets, args: RunbookArgs = {}): Runbook {
  if (!t.postgres) throw new Error(`postgres-switchover: stack ${t.stack} has no PostgreSQL tier; expected agent-dr:postgres.enabled true`);
  const ref = { region: "primary", cluster: t.postgres.cluster };
  return {
    name: "postgres-switchover",
    title: "Planned PostgreSQL switchover",
    summary:
      "Moves the leader to a replica with Patroni's switchover (no data loss: the candidate catches up first). " +
      "Run monthly in staging to prove the path, and before draining the leader's node.",
    component: "postgres",
    steps: [
      {
        name: "check-healthy",
        description: "A leader and at least one running replica exist, so there is somewhere to switch to.",
        action: "postgres.assertHealthy",
        params: { ...ref, minReplicas: 1 },
        timeoutSeconds: 60,
        retries: 0,
        backoff: SHORT,
      },
      {
        name: "switchover",
        description: "Patroni switchover (POST /switchover on the leader), then wait until another member leads.",
        action: "postgres.switchover",
        params: { ...ref, ...(args.candidate ? { candidate: args.candidate } : {}) },
        timeoutSeconds: 120,
        retries: 0,
        backoff: SHORT,
      },
      {
        name: "await-writable",
        description: "The new leader commits a write.",
        action: "postgres.awaitWritable",
        params: ref,
        timeoutSeconds: 60,
        retries: 0,
        backoff: SHORT,
      },
      {
        name: "reconnect-pooler",
        description: "Restart the pooler so it drops sessions opened against the old leader.",
        action: "pooler.restart",
        params: ref,
        timeoutSeconds: 180,
        retries: 2,
        backoff: SHORT,
      },
      {
        name: "replicas-rejoined",
        description: "The old leader has rejoined as a replica (pg_rewind if needed), so redundancy is back.",
        action: "postgres.assertHealthy",
        params: { ...ref, minReplicas: 1 },
        timeoutSeconds: 180,
        retries: 0,
        backoff: SHORT,
      },
    ],
  };
}
