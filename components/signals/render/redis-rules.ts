import { SENTINEL } from "../../../dr/engine-facts";
import type { DrSettings } from "../../../dr/settings";
import type { StackConfig } from "../../../dr/targets";
import { alertGuideLink, runbookLink } from "./grouping";
import { groupAll, overridableRule } from "./rule-builder";
import { AlertRule, describeTarget, formatSeconds } from "./model";
import { IN_REGION } from "./postgres-rules";

/** Slack after a save point is due: serverCron notices it within 100 ms, the fork and write of a modest dataset take seconds. */
export const RDB_SAVE_SLACK_SECONDS = 60;

/**
 * Alert rules on the Redis set (metrics of prometheus-redis-exporter next to each Redis and
 * Sentinel): replication link and offset lag, persistence, Sentinel quorum.
 */
export function redisRules(config: StackConfig, settings: DrSettings): AlertRule[] {
  const r = settings.redis;
  const classes = config.dataClasses.filter((c) => c.store === "redis");
  if (!r || classes.length === 0) return [];
  const rpoGroup = groupAll(classes, "RPO", IN_REGION);
  const rtoGroup = groupAll(classes, "RTO", IN_REGION);
  const runbook = alertGuideLink(config, "redis-replication");
  const persistence = alertGuideLink(config, "redis-persistence");
  const rules: AlertRule[] = [];
  const maxLag = r.minReplicasMaxLagSeconds;
  const fsyncLoss = r.appendonly ? SENTINEL.appendfsyncLossSeconds[r.appendfsync] : 0;

  if (rpoGroup) {
    const t = rpoGroup.target;
    rules.push(
      overridableRule(
        config,
        rpoGroup,
        "RedisReplicationLinkDown",
        {
          value: maxLag,
          why: `min-replicas-max-lag (${maxLag}s) is the lag the derivation allows a replica (${describeTarget(t)} minus ${fsyncLoss}s of fsync loss); a link down longer than that exceeds it.`,
        },
        (linkFor) => ({
          source: "prometheus-primary",
          mechanism: "redis-replication",
          severity: "critical",
          threshold: linkFor,
          unit: "seconds",
          forSeconds: linkFor,
          expr: "redis_master_link_up == 0",
          summary: `Replica lost its link to the primary: promoted now, it would lose more than ${describeTarget(t)}`,
          description: "redis_master_link_up is 0 on {{ $labels.instance }}.",
          runbook,
        }),
      ),
    );

    rules.push(
      overridableRule(
        config,
        rpoGroup,
        "RedisReplicaOffsetLag",
        {
          value: maxLag,
          why: `Same budget as min-replicas-max-lag (${maxLag}s): ${describeTarget(t)} minus ${fsyncLoss}s of appendfsync loss. Measured on offsets, not on the replica's ping, so a replica that acks but falls behind is caught.`,
        },
        (lag) => ({
          source: "prometheus-primary",
          mechanism: "redis-replication",
          severity: "critical",
          threshold: lag,
          unit: "seconds",
          forSeconds: 0,
          // The replica has not yet processed what the primary had written `lag` seconds ago.
          expr: `redis_connected_slave_offset_bytes < on (instance, job) group_left () (redis_master_repl_offset offset ${lag}s)`,
          summary: `Replica {{ $labels.slave_ip }}:{{ $labels.slave_port }} is more than ${formatSeconds(lag)} behind the primary (${describeTarget(t)})`,
          description: "Its acknowledged offset is below the primary's offset of the threshold's age.",
          runbook,
        }),
      ),
    );

    const shortestSave = r.save.length ? Math.min(...r.save.map(([s]) => s)) : undefined;
    if (shortestSave !== undefined) {
      rules.push(
        overridableRule(
          config,
          rpoGroup,
          "RedisRdbSaveFailing",
          {
            value: shortestSave,
            why: `Redis retries a failed BGSAVE within seconds; still failing after the shortest save period (${shortestSave}s) means the save points are not honoured.`,
          },
          (failFor) => ({
            source: "prometheus-primary",
            mechanism: "redis-rdb",
            severity: r.appendonly ? "warning" : "critical",
            threshold: failFor,
            unit: "seconds",
            forSeconds: failFor,
            expr: "redis_rdb_last_bgsave_status == 0",
            summary: "The last RDB snapshot failed: a restart of every Redis would go back to an older snapshot",
            description: "redis_rdb_last_bgsave_status is 0 on {{ $labels.instance }}.",
            runbook: persistence,
          }),
        ),
      );
      // The save point with the fewest changes bounds the snapshot's age once that many changes exist.
      const [period, changes] = [...r.save].sort((a, b) => a[1] - b[1])[0];
      rules.push(
        overridableRule(
          config,
          rpoGroup,
          "RedisRdbSaveOverdue",
          {
            value: period + RDB_SAVE_SLACK_SECONDS,
            why: `Save point "save ${period} ${changes}": with ${changes} changes a snapshot is due after ${period}s; ${RDB_SAVE_SLACK_SECONDS}s of slack for the fork and write.`,
          },
          (due) => ({
            source: "prometheus-primary",
            mechanism: "redis-rdb",
            severity: r.appendonly ? "warning" : "critical",
            threshold: due,
            unit: "seconds",
            forSeconds: 0,
            expr: `(time() - redis_rdb_last_save_timestamp_seconds) > ${due} and redis_rdb_changes_since_last_save >= ${changes}`,
            summary: `No RDB snapshot for more than ${formatSeconds(due)} although ${changes}+ changes wait`,
            description: "The last successful save was {{ $value | humanizeDuration }} ago.",
            runbook: persistence,
          }),
        ),
      );
    }

    if (r.appendonly) {
      rules.push(
        overridableRule(
          config,
          rpoGroup,
          "RedisAofWriteFailing",
          {
            value: Math.max(1, fsyncLoss),
            why: `appendfsync ${r.appendfsync} budgets ${fsyncLoss}s of loss on restart; a write error lasting longer loses more.`,
          },
          (writeFor) => ({
            source: "prometheus-primary",
            mechanism: "redis-aof",
            severity: "critical",
            threshold: writeFor,
            unit: "seconds",
            forSeconds: writeFor,
            expr: "redis_aof_last_write_status == 0",
            summary: `AOF writes fail: acknowledged writes are not on disk (${describeTarget(t)})`,
            description: "redis_aof_last_write_status is 0 on {{ $labels.instance }}.",
            runbook: persistence,
          }),
        ),
      );
    }
  }

  if (rtoGroup) {
    const t = rtoGroup.target;
    if (r.appendonly) {
      rules.push(
        overridableRule(
          config,
          rtoGroup,
          "RedisAofRewriteFailing",
          {
            value: t.seconds,
            why: `Rewrites are retried; one that stays failed longer than the ${describeTarget(t)} is no transient and will slow the next restart.`,
          },
          (rwFor) => ({
            source: "prometheus-primary",
            mechanism: "redis-aof",
            severity: "warning",
            threshold: rwFor,
            unit: "seconds",
            forSeconds: rwFor,
            expr: "redis_aof_last_bgrewrite_status == 0",
            summary: `AOF rewrite fails: the AOF grows and a restart replays more of it (${describeTarget(t)})`,
            description: "redis_aof_last_bgrewrite_status is 0 on {{ $labels.instance }}.",
            runbook: persistence,
          }),
        ),
      );
    }
    rules.push(
      overridableRule(
        config,
        rtoGroup,
        "RedisSentinelQuorumLost",
        {
          value: r.quorum,
          why: `quorum is ${r.quorum} of ${r.sentinels} Sentinels; held for down-after-milliseconds (${r.downAfterMilliseconds} ms), the time a Sentinel needs to judge a peer.`,
        },
        (quorum) => ({
          source: "prometheus-primary",
          mechanism: "redis-sentinel",
          severity: "critical",
          threshold: quorum,
          unit: "count",
          forSeconds: Math.ceil(r.downAfterMilliseconds / 1000),
          expr: `redis_sentinel_master_ok_sentinels < ${quorum}`,
          summary: `Only {{ $value }} Sentinels see the primary {{ $labels.master_name }}: no failover can be authorised (${describeTarget(t)})`,
          description: `A failover needs quorum (${r.quorum}) Sentinels to agree and a majority to elect a leader.`,
          runbook: runbookLink(config, "redis-failover"),
        }),
      ),
    );
  }
  return rules;
}
