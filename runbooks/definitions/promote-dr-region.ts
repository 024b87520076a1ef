import type { Runbook, StepSpec } from "../engine";
import type { RunbookTargets } from "../../contract/runbooks";
import type { RunbookArgs } from "./args";
import { PATIENT, SHORT } from "./backoff";

/**
 * Region loss: Patroni and Sentinel fail over inside a region, nothing promotes the DR region.
 * This does, and only after checking the primary region really has no writable leader.
 */
export function promoteDrRegion(t: RunbookTargets, args: RunbookArgs = {}): Runbook {
  if (!t.postgres?.standbyCluster || !t.regions.dr) {
    throw new Error(`promote-dr-region: stack ${t.stack} has no DR standby cluster; expected agent-dr:regions.dr set and agent-dr:postgres.standby.enabled true`);
  }
  const primary = { region: "primary", cluster: t.postgres.cluster };
  const standby = { region: "dr", cluster: t.postgres.standbyCluster };
  const steps: StepSpec[] = [];
  if (!args.force) {
    steps.push({
      name: "confirm-primary-lost",
      description: "Refuse to continue while the primary region still has a leader that takes writes: two primaries would split the data.",
      action: "postgres.assertPrimaryLost",
      params: primary,
      timeoutSeconds: 30,
      retries: 2,
      backoff: SHORT,
    });
  }
  steps.push(
    {
      name: "promote-standby",
      description: "Remove the standby section of the DR cluster (operator: spec.standby; Patroni: standby_cluster) so its standby leader promotes itself.",
      action: "postgres.promoteStandby",
      params: standby,
      timeoutSeconds: 60,
      retries: 2,
      backoff: SHORT,
    },
    {
      name: "await-writable",
      description: "Wait until the DR leader has finished promotion and commits a write.",
      action: "postgres.awaitWritable",
      params: standby,
      timeoutSeconds: 300,
      retries: 0,
      backoff: SHORT,
    },
  );
  if (t.failoverEndpoint) {
    steps.push({
      name: "switch-endpoint",
      description: `Make ${t.failoverEndpoint.name} answer with the DR region. Route53 does this by itself once the primary health check fails; the step forces it only when that check still reports healthy.`,
      action: "endpoint.switchTo",
      params: { to: "dr" },
      timeoutSeconds: 180,
      retries: 1,
      backoff: PATIENT,
      rollback: { action: "endpoint.unforce", params: {} },
    });
  }
  steps.push({
    name: "reconnect-pooler",
    description: "Restart the DR cluster's pooler so no connection stays on a pre-promotion session, then check a write goes through.",
    action: "pooler.restart",
    params: standby,
    timeoutSeconds: 180,
    retries: 2,
    backoff: SHORT,
    verify: { action: "postgres.awaitWritable", params: standby },
  });
  return {
    name: "promote-dr-region",
    title: "Promote the DR region",
    summary:
      "Run when the primary region is lost (region-loss scenario). Promotes the PostgreSQL standby cluster in the DR region, " +
      "moves the failover endpoint and reconnects the pooler. The failover controller runs it after the region health check " +
      "fails its threshold, or asks for approval first when region promotion is manual.",
    component: "postgres-region",
    steps,
  };
}
