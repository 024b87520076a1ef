import type { ObservedResource } from "../observe";
import { pgBool, pgNumber } from "../lib/conf-files";
import { quantityBytes } from "../../dr/targets/quantity";
import { findPlanning } from "../lib/planning";
import { num, objectName, TYPES } from "../lib/resources";
import { stackPolicy } from "../lib/define";

/** Spilo's max_wal_senders when the manifest does not set it. */
const SPILO_MAX_WAL_SENDERS = 10;

/**
 * Settings that are valid PostgreSQL and Patroni but switch off what every recovery path assumes:
 * durable commits, torn-page protection, a sender for every replica, a synchronous standby that
 * exists, a replica that may be promoted. Each message names the mechanism and a setting that fixes it.
 */
/** WAL senders a cluster needs: one per replica, one for a rebuilding replica's pg_basebackup, one per standby cluster it feeds. */
export function walSendersNeeded(r: ObservedResource, feedsStandbyCluster: boolean): number {
  return Math.max(0, num(r.inputs.spec?.numberOfInstances ?? 1) - 1) + 1 + (feedsStandbyCluster ? 1 : 0);
}

/**
 * `sendersForFix`: the value to suggest, the largest need of every cluster sharing the override
 * (postgres.overrides.parameters applies to the primary and the DR cluster alike).
 */
export function checkPostgresEngineSafety(r: ObservedResource, reportRaw: (m: string) => void, feedsStandbyCluster = false, sendersForFix?: number, walBytesPerSecond?: number): void {
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

  if (params.data_sync_retry !== undefined && pgBool(params.data_sync_retry) === true) {
    report(`data_sync_retry = ${JSON.stringify(params.data_sync_retry)}: after a failed fsync PostgreSQL carries on, though the kernel may have dropped the dirty pages it could not write, so acknowledged data can vanish silently instead of the server stopping and recovering from WAL. Fix: set postgres.overrides.parameters.data_sync_retry to "off" (PostgreSQL's default).`);
  }
  if (typeof params.session_replication_role === "string" && params.session_replication_role.trim().toLowerCase() === "replica") {
    report(`session_replication_role = "replica" for every session: ordinary triggers and foreign-key checks do not fire, so every class's writes skip the integrity the schema declares, and the corruption is replicated and archived like any other write. Fix: set postgres.overrides.parameters.session_replication_role to "origin" (PostgreSQL's default).`);
  }
  const standbyStream = feedsStandbyCluster ? 1 : 0;
  // Patroni keeps a physical slot on the leader for every other member, and the DR standby cluster streams through one.
  const slotsNeeded = Math.max(0, instances - 1) + standbyStream;
  const slots = params.max_replication_slots === undefined ? Infinity : num(params.max_replication_slots);
  if (Number.isFinite(slots) && slots < slotsNeeded) {
    report(`max_replication_slots ${slots} < ${slotsNeeded} (${instances - 1} replica(s)${standbyStream ? " + 1 for the DR standby" : ""}): Patroni can not keep a slot for every member, so the leader recycles WAL a lagging replica or the standby still needs and it must be rebuilt from a base backup instead of catching up. Fix: set postgres.overrides.parameters.max_replication_slots to "${Math.max(slotsNeeded, 10)}" (or more).`);
  }
  // A slot that PostgreSQL may invalidate after a little lag breaks the stream it exists for: the
  // replica or standby then waits on the archive (archive_timeout behind) or must be rebuilt.
  const keepMB = pgNumber("max_slot_wal_keep_size", params.max_slot_wal_keep_size);
  const keepNeededMB = slotKeepNeededMB(walBytesPerSecond);
  if (keepMB !== undefined && keepMB >= 0 && keepMB < keepNeededMB && slotsNeeded > 0) {
    report(`max_slot_wal_keep_size = ${JSON.stringify(params.max_slot_wal_keep_size)} (${keepMB} MB): a replica or the DR standby that falls ${keepMB} MB behind loses its slot, its stream breaks and it is rebuilt or left to the archive, while the budget credits a streaming lag of seconds. An hour of WAL${walBytesPerSecond ? ` at the declared ${Math.round((walBytesPerSecond / 1048576) * 100) / 100} MiB/s` : ""} is ${keepNeededMB} MB: time to notice a broken stream and mend it. Fix: set postgres.overrides.parameters.max_slot_wal_keep_size to "${keepNeededMB}MB" (or -1, PostgreSQL's default: no limit).`);
  }
  const applyDelayMs = pgNumber("recovery_min_apply_delay", params.recovery_min_apply_delay);
  if (applyDelayMs !== undefined && applyDelayMs > 0) {
    report(`recovery_min_apply_delay = ${JSON.stringify(params.recovery_min_apply_delay)}: every replica and the DR standby apply WAL ${applyDelayMs / 1000} s late, so a promotion first replays up to that much WAL (the failover and region-loss RTOs do not hold) and a synchronous standby acknowledges nothing it has applied. A delayed copy against corruption must be a cluster of its own. Fix: set postgres.overrides.parameters.recovery_min_apply_delay to "0" (PostgreSQL's default).`);
  }
  // shared_buffers is allocated at start as shared memory, counted against the container's limit.
  const buffers8k = pgNumber("shared_buffers", params.shared_buffers);
  const limitBytes = quantityBytes(spec.resources?.limits?.memory);
  if (buffers8k !== undefined && limitBytes !== undefined && buffers8k * 8192 >= limitBytes) {
    const quarterMB = Math.max(128, Math.floor(limitBytes / 4 / 1048576));
    report(`shared_buffers = ${JSON.stringify(params.shared_buffers)} is at least the container's memory limit (${spec.resources.limits.memory}): PostgreSQL can not allocate it, or is killed for memory once it touches it, so no instance of the cluster stays up to fail over to. Fix: set postgres.overrides.parameters.shared_buffers to "${quarterMB}MB" (a quarter of the limit, the usual share).`);
  }
  const needed = walSendersNeeded(r, feedsStandbyCluster);
  const senders = params.max_wal_senders === undefined ? SPILO_MAX_WAL_SENDERS : num(params.max_wal_senders);
  if (Number.isFinite(senders) && senders < needed) {
    report(`max_wal_senders ${senders} < ${needed} (${instances - 1} replica(s) + 1 for a replica being rebuilt${standbyStream ? " + 1 for the DR standby" : ""}): a replica that finds no free sender does not stream, so failover has nothing current to promote. Fix: set postgres.overrides.parameters.max_wal_senders to "${Math.max(needed, sendersForFix ?? 0)}" (or more).`);
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

/** The WAL a slot must be allowed to keep: an hour at the declared write rate, at least 1 GiB. */
export function slotKeepNeededMB(walBytesPerSecond?: number): number {
  return Math.max(1024, Math.ceil(((walBytesPerSecond ?? 0) * 3600) / 1048576));
}

/** Does a standby cluster of the stack stream from this cluster (its spec.standby names a host)? */
function feedsStandby(all: ObservedResource[], r: ObservedResource): boolean {
  return !r.inputs.spec?.standby && all.some((o) => o !== r && o.type === TYPES.postgresql && typeof o.inputs.spec?.standby?.standby_host === "string");
}

export const postgresEngineSafety = stackPolicy({
  name: "postgres-engine-safety",
  description: "PostgreSQL keeps fsync and full_page_writes on, data_sync_retry off and triggers on, has a WAL sender and a replication slot for every replica and a DR standby cluster that lag can not invalidate, replicas that apply WAL at once, shared_buffers inside the container's memory, a synchronous standby that can exist, and a replica Patroni may promote.",
  severity: "critical",
  skip: (rs) => (rs.some((r) => r.type === TYPES.postgresql) ? undefined : `no ${TYPES.postgresql} in the stack`),
  check: (resources, report) => {
    const clusters = resources.filter((r) => r.type === TYPES.postgresql);
    const forFix = Math.max(...clusters.map((r) => walSendersNeeded(r, feedsStandby(clusters, r))));
    const rate = findPlanning(resources)?.postgres.writeRateBytesPerSecond;
    for (const r of clusters) checkPostgresEngineSafety(r, (m) => report(m, r.urn), feedsStandby(clusters, r), forFix, rate);
  },
});
