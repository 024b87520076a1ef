import type { Runbook, StepSpec } from "../engine";
import type { RunbookTargets } from "../../contract/runbooks";
import type { RunbookArgs } from "./args";
import { SHORT } from "./backoff";

/** The clone's cluster name: source, `-pitr-`, the target time in UTC to the minute (a valid Kubernetes name). */
export function cloneClusterName(source: string, targetTime: string): string {
  const t = Date.parse(targetTime);
  if (Number.isNaN(t)) return `${source}-pitr`;
  const stamp = new Date(t).toISOString().slice(0, 16).replace(/[-T:]/g, "");
  return `${source}-pitr-${stamp}`;
}

/** The stack option that provisions the same clone through Pulumi (config key agent-dr:postgres.clone). */
export function cloneStackCommands(t: RunbookTargets, targetTime: string): string[] {
  const cluster = t.postgres?.cluster ?? "<cluster>";
  return [
    `pulumi config set --stack ${t.stack} --path 'agent-dr:postgres.clone.sourceCluster' ${cluster}`,
    `pulumi config set --stack ${t.stack} --path 'agent-dr:postgres.clone.targetTime' '${targetTime}'`,
  ];
}

/** Logical corruption (bad migration, accidental delete): restore a copy as of a time before it, next to the live cluster. */
export function restorePointInTime(t: RunbookTargets, args: RunbookArgs = {}): Runbook {
  if (!t.postgres) throw new Error(`restore-point-in-time: stack ${t.stack} has no PostgreSQL tier; expected agent-dr:postgres.enabled true`);
  const targetTime = args.targetTime ?? "TARGET_TIME";
  const name = args.cloneName ?? cloneClusterName(t.postgres.cluster, targetTime);
  const spec = { region: "primary", source: t.postgres.cluster, name, targetTime };
  return {
    name: "restore-point-in-time",
    title: "Restore to a point in time (clone)",
    summary:
      "Run after logical corruption: creates a new cluster restored from the base backups and WAL archive of the live one, " +
      "stopped at `--target-time` (ISO-8601 with a timezone). The live cluster is not touched; copy the good rows back or " +
      "repoint clients once the clone is checked. The same clone can be provisioned through the stack option " +
      "`agent-dr:postgres.clone` (the CLI prints the commands).",
    component: "postgres",
    steps: [
      ...cloneSteps(spec, name),
      ...(args.cleanup
        ? [
            {
              name: "delete-clone",
              description: "Scheduled restore test only (--cleanup): the clone has proven the backups restore; delete it.",
              action: "postgres.deleteClone",
              params: spec,
              timeoutSeconds: 60,
              retries: 2,
              backoff: SHORT,
            },
          ]
        : []),
    ],
  };
}

/** Create the clone (deleted again if it never becomes writable) and wait until it takes writes. */
function cloneSteps(spec: Record<string, unknown>, name: string): StepSpec[] {
  return [
    {
      name: "create-clone",
      description: "Create a postgresql resource with spec.clone {cluster, timestamp} copying the source's size and version.",
      action: "postgres.applyClone",
      params: spec,
      timeoutSeconds: 60,
      retries: 2,
      backoff: SHORT,
      rollback: { action: "postgres.deleteClone", params: spec },
    },
    {
      name: "await-clone-writable",
      description: "Wait until the clone has replayed WAL to the target time, promoted, and commits a write. Bounded by restore time (data size / restore throughput + replay).",
      action: "postgres.awaitWritable",
      params: { region: "primary", cluster: name },
      timeoutSeconds: 3600,
      retries: 0,
      backoff: SHORT,
    },
  ];
}
