import type { ResourceValidationPolicy } from "@pulumi/policy";
import type { ObservedResource } from "../observe";
import { pgBool } from "../lib/conf-files";
import { num, objectName, TYPES } from "../lib/resources";

/** Spilo's max_wal_senders when the manifest does not set it. */
const SPILO_MAX_WAL_SENDERS = 10;

/**
 * Settings that are valid PostgreSQL and Patroni but switch off what every recovery path assumes:
 * durable commits, torn-page protection, a sender for every replica, a synchronous standby that
 * exists, a replica that may be promoted. Each message names the mechanism and a setting that fixes it.
 */
export function checkPostgresEngineSafety(r: ObservedResource, reportRaw: (m: string) => void): void {
  const report = (m: string) => reportRaw(`postgresql ${objectName(r)}: ${m}`);
  const spec = r.inputs.spec ?? {};
  const params: Record<string, unknown> = spec.postgresql?.parameters ?? {};
  const patroni: Record<string, unknown> = spec.patroni ?? {};
  const instances = num(spec.numberOfInstances ?? 1);

  if (params.fsync !== undefined && pgBool(params.fsync) === false) {
    report(`fsync = ${JSON.stringify(params.fsync)}: commits are acknowledged before they reach disk, so an OS crash or power loss can lose acknowledged commits and corrupt the cluster beyond what any replica or archive can repair. Fix: set postgres.overrides.parameters.fsync to "on" (PostgreSQL's default).`);
  }
  if (params.full_page_writes !== undefined && pgBool(params.full_page_writes) === false) {
    report(`full_page_writes = ${JSON.stringify(params.full_page_writes)}: a crash in the middle of a page write leaves a torn page that WAL replay can not repair, on the primary and in every base backup taken from it. Fix: set postgres.overrides.parameters.full_page_writes to "on" (PostgreSQL's default).`);
  }

  // Every replica holds one sender, the DR standby cluster one, and a rebuilding replica's pg_basebackup one more.
  const standbyStream = spec.standby?.standby_host ? 1 : 0;
  const needed = Math.max(0, instances - 1) + 1 + standbyStream;
  const senders = params.max_wal_senders === undefined ? SPILO_MAX_WAL_SENDERS : num(params.max_wal_senders);
  if (Number.isFinite(senders) && senders < needed) {
    report(`max_wal_senders ${senders} < ${needed} (${instances - 1} replica(s) + 1 for a replica being rebuilt${standbyStream ? " + 1 for the DR standby" : ""}): a replica that finds no free sender does not stream, so failover has nothing current to promote. Fix: set postgres.overrides.parameters.max_wal_senders to "${needed}" (or more).`);
  }

  const syncMode = patroni.synchronous_mode === true;
  const syncCount = patroni.synchronous_node_count === undefined ? 1 : num(patroni.synchronous_node_count);
  if (syncMode && Number.isFinite(syncCount) && syncCount > instances - 1) {
    report(
      instances < 2
        ? `synchronous_mode with ${instances} instance: there is no replica to be the synchronous standby, so the RPO-0 promise rests on nothing. Fix: set postgres.instances to at least ${syncCount + 1}.`
        : `synchronous_node_count ${syncCount} with ${instances} instances: at most ${instances - 1} replica(s) exist to acknowledge, so Patroni runs with fewer synchronous standbys than the count promises and a lost replica leaves none. Fix: set postgres.overrides.synchronousNodeCount to at most ${instances - 1}, or postgres.instances to at least ${syncCount + 1}.`,
    );
  }

  const maxLag = patroni.maximum_lag_on_failover === undefined ? NaN : num(patroni.maximum_lag_on_failover);
  if (!syncMode && maxLag === 0) {
    report(`maximum_lag_on_failover 0 with asynchronous replication: Patroni promotes only a replica that is not a single byte behind, and under any write load every replica is, so a lost leader is not replaced. Fix: set postgres.overrides.maximumLagOnFailoverBytes to at least 1048576, or remove it (it is derived from the RPO).`);
  }
}

export const postgresEngineSafety: ResourceValidationPolicy = {
  name: "postgres-engine-safety",
  description: "PostgreSQL keeps fsync and full_page_writes on, has a WAL sender for every replica and the DR standby, a synchronous standby that can exist, and a replica Patroni may promote.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, report) => {
    if (args.type !== TYPES.postgresql) args.notApplicable(`only ${TYPES.postgresql}`);
    checkPostgresEngineSafety({ type: args.type, name: args.name, inputs: args.props }, report);
  },
};
