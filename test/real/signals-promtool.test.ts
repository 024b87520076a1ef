import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { deriveSettings, DrSettings } from "../../dr/settings";
import { parseStackConfig, StackConfig } from "../../dr/targets";
import { rawConfigOf } from "../../offline/plan";
import { readStackFile, stackFilePath } from "../../offline/stack-files";
import { AlertRule, alertRules, renderRulesFile, ruleGroups, ruleLabels } from "../../components/signals/render";
import { meterLatencyBuckets } from "../../components/llm-gateway/render/meter";
import { llmOutageRtoSeconds } from "../../dr/settings/llm";

/**
 * Every alert rule of the staging and prod stacks is unit-tested by the real promtool: for each
 * rule, input series just past its derived threshold (the alert fires, with the data class,
 * target and series labels) and series at the threshold or in a healthy state (nothing fires).
 */

const PROMTOOL = "/usr/bin/promtool";
const JOBS = { namespace: "agent-dr", logicalBackup: "pg-logical-backup", restoreDrill: "pg-restore-drill" };

interface Series {
  labels: Record<string, string>;
  /** promtool expanding notation, e.g. "0x100" or "0+1000x50". */
  values: string;
}

interface Case {
  name: string;
  series: Series[];
  evalTime: number;
  /** Labels (beyond the rule's) of each alert expected to fire; [] means nothing fires. */
  fires: Array<Record<string, string>>;
}

function stack(name: string): { config: StackConfig; settings: DrSettings } {
  const config = parseStackConfig(rawConfigOf(readStackFile(stackFilePath(name))), name);
  return { config, settings: deriveSettings(config) };
}

/** Sample interval of a rule's test: fine for short thresholds, coarse for day-long ones (keeps promtool fast). */
function intervalFor(r: AlertRule): number {
  const scale = Math.max(r.unit === "seconds" ? r.threshold : 0, r.forSeconds);
  // Samples and evaluations share the step, so every evaluation sees a fresh sample despite the 5 m lookback.
  return scale <= 1200 ? 1 : scale <= 20000 ? 10 : scale <= 200000 ? 120 : 900;
}

const sel = (labels: Record<string, string>, name: string) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`;

/** Series and expectations per alert: just past the threshold it fires, at it (or when healthy) it does not. */
function casesFor(r: AlertRule, settings: DrSettings, step: number, config: StackConfig): Case[] {
  const T = r.threshold;
  const F = r.forSeconds;
  const after = (t: number) => Math.floor(t / step) * step + step; // first evaluation strictly after t
  const atOrBefore = (t: number) => Math.floor(t / step) * step;
  const forFires = Math.ceil(F / step) * step; // first evaluation with active time >= for
  const n = (t: number) => Math.ceil(t / step) + 2;
  const constant = (v: number | string, t: number) => `${v}x${n(t)}`;
  const pg = { instance: "pg-0:9187", job: "postgres" };
  const redis = { instance: "redis-0:9121", job: "redis" };
  const s = (name: string, labels: Record<string, string>, values: string): Series => ({ labels: { __name__: name, ...labels }, values });

  switch (r.alert) {
    case "PostgresWalArchiveBehind": {
      const e = after(T);
      return [
        { name: "waiting WAL older than the RPO", series: [s("pg_wal_archive_exposed_since_seconds", pg, constant(0, e)), s("pg_wal_archive_ready_segments", pg, constant(1, e))], evalTime: e, fires: [pg] },
        { name: "waiting WAL exactly at the RPO", series: [s("pg_wal_archive_exposed_since_seconds", pg, constant(0, e)), s("pg_wal_archive_ready_segments", pg, constant(1, e))], evalTime: atOrBefore(T), fires: [] },
        { name: "idle database: old last archive, nothing waiting", series: [s("pg_wal_archive_exposed_since_seconds", pg, constant(0, e)), s("pg_wal_archive_ready_segments", pg, constant(0, e))], evalTime: e, fires: [] },
      ];
    }
    case "PostgresWalArchiveFailing": {
      const e = forFires;
      return [
        { name: "last attempt failed for the whole hold time", series: [s("pg_wal_archive_last_failed_time_seconds", pg, constant(100, e)), s("pg_wal_archive_last_archived_time_seconds", pg, constant(50, e))], evalTime: e, fires: [pg] },
        { name: "failing for less than the hold time", series: [s("pg_wal_archive_last_failed_time_seconds", pg, constant(100, e)), s("pg_wal_archive_last_archived_time_seconds", pg, constant(50, e))], evalTime: e - step, fires: [] },
        { name: "archived since the failure", series: [s("pg_wal_archive_last_failed_time_seconds", pg, constant(100, e)), s("pg_wal_archive_last_archived_time_seconds", pg, constant(150, e))], evalTime: e, fires: [] },
      ];
    }
    case "PostgresReplicaLagHigh":
    case "PostgresReplicaBeyondFailoverLag": {
      const metric = r.alert === "PostgresReplicaLagHigh" ? "pg_replication_member_flush_lag_seconds" : "pg_replication_member_flush_lag_bytes";
      const member = { ...pg, application_name: "agent-pg-1", sync_state: "async" };
      const e = forFires + step;
      return [
        { name: "lag just above the threshold", series: [s(metric, member, constant(T + 1, e))], evalTime: e, fires: [member] },
        { name: "lag at the threshold", series: [s(metric, member, constant(T, e))], evalTime: e, fires: [] },
      ];
    }
    case "PostgresReplicasMissing":
    case "RedisSentinelQuorumLost": {
      const [metric, labels] =
        r.alert === "PostgresReplicasMissing"
          ? ["pg_replication_summary_streaming_members", pg]
          : ["redis_sentinel_master_ok_sentinels", { instance: "sentinel-0:9121", job: "redis-sentinel", master_name: "mymaster", master_address: "10.0.0.1:6379" }];
      const e = forFires;
      return [
        { name: "one short of the expected count for the hold time", series: [s(metric, labels, constant(T - 1, e))], evalTime: e, fires: [labels] },
        { name: "one short, for less than the hold time", series: [s(metric, labels, constant(T - 1, e))], evalTime: e - step, fires: [] },
        { name: "the expected count", series: [s(metric, labels, constant(T, e))], evalTime: e, fires: [] },
      ];
    }
    case "PostgresSyncStandbyMissing": {
      const need = settings.postgres!.synchronousNodeCount;
      const e = forFires;
      return [
        { name: "no sync standby for the hold time", series: [s("pg_replication_summary_sync_standbys", pg, constant(need - 1, e))], evalTime: e, fires: [pg] },
        { name: "no sync standby, shorter than the hold time", series: [s("pg_replication_summary_sync_standbys", pg, constant(need - 1, e))], evalTime: e - step, fires: [] },
        { name: "sync standby present", series: [s("pg_replication_summary_sync_standbys", pg, constant(need, e))], evalTime: e, fires: [] },
      ];
    }
    case "PostgresStandbyClusterLagHigh": {
      const standby = { instance: "agent-pg-dr-0:9187", job: "postgres" };
      const e = 2 * step;
      return [
        { name: "standby lag above maxLagSeconds", series: [s("pg_recovery_replay_lag_seconds", standby, constant(T + 1, e))], evalTime: e, fires: [standby] },
        { name: "standby lag at maxLagSeconds", series: [s("pg_recovery_replay_lag_seconds", standby, constant(T, e))], evalTime: e, fires: [] },
      ];
    }
    case "PostgresStandbyClusterNotStreaming":
    case "RedisReplicationLinkDown":
    case "RedisRdbSaveFailing":
    case "RedisAofWriteFailing":
    case "RedisAofRewriteFailing": {
      const metric = {
        PostgresStandbyClusterNotStreaming: "pg_recovery_receiver_streaming",
        RedisReplicationLinkDown: "redis_master_link_up",
        RedisRdbSaveFailing: "redis_rdb_last_bgsave_status",
        RedisAofWriteFailing: "redis_aof_last_write_status",
        RedisAofRewriteFailing: "redis_aof_last_bgrewrite_status",
      }[r.alert];
      const labels =
        r.alert === "PostgresStandbyClusterNotStreaming"
          ? { instance: "agent-pg-dr-0:9187", job: "postgres" }
          : r.alert === "RedisReplicationLinkDown"
            ? { instance: "redis-1:9121", job: "redis", master_host: "redis-0", master_port: "6379" }
            : redis;
      const e = forFires;
      return [
        { name: "status 0 for the hold time", series: [s(metric, labels, constant(0, e))], evalTime: e, fires: [labels] },
        { name: "status 0 for less than the hold time", series: [s(metric, labels, constant(0, e))], evalTime: e - step, fires: [] },
        { name: "status 1", series: [s(metric, labels, constant(1, e))], evalTime: e, fires: [] },
      ];
    }
    case "PostgresBaseBackupStale": {
      const e = after(T);
      return [
        { name: "base backup older than the threshold", series: [s("pg_base_backup_last_completed_time_seconds", pg, constant(0, e))], evalTime: e, fires: [pg] },
        { name: "base backup exactly at the threshold", series: [s("pg_base_backup_last_completed_time_seconds", pg, constant(0, e))], evalTime: atOrBefore(T), fires: [] },
      ];
    }
    case "LogicalBackupStale":
    case "RestoreDrillStale": {
      const cronjob = r.alert === "LogicalBackupStale" ? JOBS.logicalBackup : JOBS.restoreDrill;
      const ksm = { job: "kube-state-metrics", instance: "ksm:8080", namespace: JOBS.namespace, cronjob };
      const other = { ...ksm, cronjob: "some-other-job" };
      const out = { namespace: JOBS.namespace, cronjob };
      const e = after(T);
      return [
        { name: "last success older than the threshold", series: [s("kube_cronjob_status_last_successful_time", ksm, constant(0, e)), s("kube_cronjob_created", ksm, constant(0, e))], evalTime: e, fires: [out] },
        { name: "last success at the threshold", series: [s("kube_cronjob_status_last_successful_time", ksm, constant(0, e)), s("kube_cronjob_created", ksm, constant(0, e))], evalTime: atOrBefore(T), fires: [] },
        { name: "never succeeded since creation", series: [s("kube_cronjob_created", ksm, constant(0, e))], evalTime: e, fires: [out] },
        { name: "another CronJob is stale, ours is not watched by it", series: [s("kube_cronjob_status_last_successful_time", other, constant(0, e))], evalTime: e, fires: [] },
      ];
    }
    case "RedisReplicaOffsetLag": {
      // The primary writes 1000 bytes a second; a replica lagging L seconds has processed up to 1000 * (t - L).
      const e = T + 30;
      const master = s("redis_master_repl_offset", redis, `0+1000x${e + 2}`);
      const replica = (lag: number) => s("redis_connected_slave_offset_bytes", { ...redis, slave_ip: "10.0.0.2", slave_port: "6379", slave_state: "online" }, `0x${lag} 1000+1000x${e + 2 - lag}`);
      const firing = { ...redis, slave_ip: "10.0.0.2", slave_port: "6379", slave_state: "online" };
      return [
        { name: "replica one second beyond the threshold", series: [master, replica(T + 1)], evalTime: e, fires: [firing] },
        { name: "replica exactly at the threshold", series: [master, replica(T)], evalTime: e, fires: [] },
      ];
    }
    case "RedisRdbSaveOverdue": {
      const changes = Number(/>= (\d+)$/.exec(r.expr)![1]);
      expect(changes).toBe([...settings.redis!.save].sort((a, b) => a[1] - b[1])[0][1]);
      const e = after(T);
      return [
        { name: "save overdue with enough changes", series: [s("redis_rdb_last_save_timestamp_seconds", redis, constant(0, e)), s("redis_rdb_changes_since_last_save", redis, constant(changes, e))], evalTime: e, fires: [redis] },
        { name: "save at the threshold", series: [s("redis_rdb_last_save_timestamp_seconds", redis, constant(0, e)), s("redis_rdb_changes_since_last_save", redis, constant(changes, e))], evalTime: atOrBefore(T), fires: [] },
        { name: "old snapshot but fewer changes than any save point", series: [s("redis_rdb_last_save_timestamp_seconds", redis, constant(0, e)), s("redis_rdb_changes_since_last_save", redis, constant(changes - 1, e))], evalTime: e, fires: [] },
      ];
    }
    case "LlmDegradedResponses": {
      // One degraded answer per sample: the rate is on from the second sample, so it fires a hold time later.
      const gw = { instance: "llm-gateway-0:8790", job: "llm-gateway" };
      const e = forFires + step;
      return [
        { name: "degraded answers for the whole hold time", series: [s("agent_dr_llm_degraded_responses_total", gw, `0+1x${n(e)}`)], evalTime: e, fires: [{}] },
        { name: "degraded answers for less than the hold time", series: [s("agent_dr_llm_degraded_responses_total", gw, `0+1x${n(e)}`)], evalTime: e - step, fires: [] },
        { name: "no new degraded answer", series: [s("agent_dr_llm_degraded_responses_total", gw, constant(7, e))], evalTime: e, fires: [] },
      ];
    }
    case "LlmHandoffFailing": {
      const gw = { instance: "llm-gateway-0:8790", job: "llm-gateway" };
      const e = 60;
      return [
        { name: "a hand-off failed", series: [s("agent_dr_llm_handoffs_total", { ...gw, result: "failed" }, `0x30 1x${n(e)}`)], evalTime: e, fires: [{}] },
        { name: "hand-offs delivered, none failed", series: [s("agent_dr_llm_handoffs_total", { ...gw, result: "delivered" }, `0+1x${n(e)}`), s("agent_dr_llm_handoffs_total", { ...gw, result: "failed" }, constant(3, e))], evalTime: e, fires: [] },
      ];
    }
    case "LlmProviderFailing": {
      // Per target: failures over attempts; both from the second sample on, so it fires a hold time later.
      const meter = { instance: "llm-gateway-0:8791", job: "llm-gateway" };
      const e = forFires + step;
      const per = (provider: string, failed: number, tried: number) => [
        s("agent_dr_llm_provider_failures_total", { ...meter, provider }, `0+${failed}x${n(e)}`),
        s("agent_dr_llm_provider_attempts_total", { ...meter, provider }, `0+${tried}x${n(e)}`),
      ];
      return [
        { name: "openai fails 6 of 10, mistral none of what reaches it: openai alone", series: [...per("openai", 6, 10), ...per("mistral", 0, 6)], evalTime: e, fires: [{ provider: "openai" }] },
        { name: "the degraded step failing pages too", series: [...per("openai", 4, 4), ...per("mistral", 4, 4), ...per("degraded", 4, 4)], evalTime: e, fires: [{ provider: "openai" }, { provider: "mistral" }, { provider: "degraded" }] },
        { name: "failing for less than the hold time", series: per("openai", 6, 10), evalTime: e - step, fires: [] },
        { name: "exactly half failed", series: per("openai", 1, 2), evalTime: e, fires: [] },
        { name: "no traffic", series: per("openai", 0, 0), evalTime: e, fires: [] },
      ];
    }
    case "LlmFallbackActive": {
      const meter = { instance: "llm-gateway-0:8791", job: "llm-gateway" };
      const e = forFires + step;
      const traffic = (primary: number, fallback: number) => [
        s("agent_dr_llm_requests_total", { ...meter, target: "openai", status_class: "2xx" }, `0+${primary}x${n(e)}`),
        s("agent_dr_llm_requests_total", { ...meter, target: "mistral", status_class: "2xx" }, `0+${fallback}x${n(e)}`),
        s("agent_dr_llm_fallbacks_total", { ...meter, target: "mistral" }, `0+${fallback}x${n(e)}`),
      ];
      return [
        { name: "3 of 100 requests fall back", series: traffic(97, 3), evalTime: e, fires: [{}] },
        { name: "falling back for less than the hold time", series: traffic(97, 3), evalTime: e - step, fires: [] },
        { name: "1 of 200 requests falls back: below what reaches the p99", series: traffic(199, 1), evalTime: e, fires: [] },
        { name: "no fallback", series: traffic(100, 0), evalTime: e, fires: [] },
      ];
    }
    case "LlmLatencyP99AboveBudget": {
      // The histogram with the bounds the meter is rendered with; the threshold is one of them.
      const meter = { instance: "llm-gateway-0:8791", job: "llm-gateway" };
      const bounds = meterLatencyBuckets(settings.llm!, llmOutageRtoSeconds(config.dataClasses));
      expect(bounds).toContain(T);
      const e = forFires + step;
      /** Per step: `fast` requests of 0.1 s at most and `slow` ones in (above, next bound]. */
      const histogram = (fast: number, slow: number, above: number, stream = "false") => [
        ...bounds.map((b) => s("agent_dr_llm_request_duration_seconds_bucket", { ...meter, stream, le: String(b) }, `0+${b < 0.1 ? 0 : b <= above ? fast : fast + slow}x${n(e)}`)),
        s("agent_dr_llm_request_duration_seconds_bucket", { ...meter, stream, le: "+Inf" }, `0+${fast + slow}x${n(e)}`),
      ];
      const below = bounds.filter((b) => b < T).pop()!;
      return [
        { name: "3 of 100 requests beyond the budget", series: histogram(97, 3, T), evalTime: e, fires: [{}] },
        { name: "beyond the budget for less than the hold time", series: histogram(97, 3, T), evalTime: e - step, fires: [] },
        { name: "3 of 100 requests just within the budget (the bucket ending at it)", series: histogram(97, 3, below), evalTime: e, fires: [] },
        { name: "1 of 100 beyond the budget: the p99 is not", series: histogram(99, 1, T), evalTime: e, fires: [] },
        { name: "long streamed answers do not count", series: [...histogram(100, 0, T), ...histogram(50, 50, T, "true")], evalTime: e, fires: [] },
      ];
    }
    case "RecoveryMeasuredAboveTarget":
    case "RecoveryMeasuredAbovePrediction": {
      // The probe's gauges: measured against its companion (the target, or the budget's prediction), per class and scenario.
      const companion = r.alert === "RecoveryMeasuredAboveTarget" ? { rto: "agent_dr_probe_target_rto_seconds", rpo: "agent_dr_probe_target_rpo_seconds" } : { rto: "agent_dr_probe_predicted_rto_seconds", rpo: "agent_dr_probe_predicted_rpo_seconds" };
      const other = r.alert === "RecoveryMeasuredAboveTarget" ? { rto: "agent_dr_probe_predicted_rto_seconds", rpo: "agent_dr_probe_predicted_rpo_seconds" } : { rto: "agent_dr_probe_target_rto_seconds", rpo: "agent_dr_probe_target_rpo_seconds" };
      const probe = { instance: "agent-dr-recovery-probe-0:9464", job: "recovery-probe", class: r.dataClasses[0], scenario: r.classTargets[r.dataClasses[0]].scenarios[0], store: "postgres" };
      const out = { class: probe.class, scenario: probe.scenario, store: probe.store };
      const e = Math.max(forFires, step);
      const gauges = (rto: number, rpo: number, limitRto: number, limitRpo: number) => [
        s("agent_dr_probe_measured_rto_seconds", probe, constant(rto, e)),
        s("agent_dr_probe_measured_rpo_seconds", probe, constant(rpo, e)),
        s(companion.rto, probe, constant(limitRto, e)),
        s(companion.rpo, probe, constant(limitRpo, e)),
      ];
      return [
        { name: "measured RTO one second above", series: gauges(61, 0, 60, 5), evalTime: e, fires: [{ ...out, objective: "RTO" }] },
        { name: "measured RPO one second above", series: gauges(30, 6, 60, 5), evalTime: e, fires: [{ ...out, objective: "RPO" }] },
        { name: "both above: two alerts, one per objective", series: gauges(90, 10, 60, 5), evalTime: e, fires: [{ ...out, objective: "RTO" }, { ...out, objective: "RPO" }] },
        { name: "measured exactly at the limit", series: gauges(60, 5, 60, 5), evalTime: e, fires: [] },
        ...(F > 0 ? [{ name: "above for less than the hold", series: gauges(90, 10, 60, 5), evalTime: e - step, fires: [] }] : []),
        // The companion of another class: on (class, scenario) keeps it from matching.
        { name: "limit of another class only", series: [s("agent_dr_probe_measured_rto_seconds", probe, constant(90, e)), s(companion.rto, { ...probe, class: "other_class" }, constant(60, e))], evalTime: e, fires: [] },
        // The other gauge pair is not this alert's: above it alone must not fire.
        { name: "above the other alert's limit only", series: [...gauges(50, 4, 60, 5), s(other.rto, probe, constant(10, e)), s(other.rpo, probe, constant(1, e))], evalTime: e, fires: [] },
        { name: "no limit exported (unbounded target)", series: [s("agent_dr_probe_measured_rto_seconds", probe, constant(900, e))], evalTime: e, fires: [] },
      ];
    }
    default:
      throw new Error(`no promtool cases for ${r.alert}: every alert needs series that fire it and series that do not`);
  }
}

function seriesName(x: Series): string {
  const { __name__, ...rest } = x.labels;
  return sel(rest, __name__);
}

/** Write one rules file (this rule alone, annotations dropped: they are templates checked by `check rules`) and its test file. */
function writeRuleTest(dir: string, idx: number, r: AlertRule, env: string, settings: DrSettings, config: StackConfig): { file: string; cases: number } {
  const step = intervalFor(r);
  const ruleFile = path.join(dir, `rule-${idx}.yml`);
  const labels = ruleLabels(r, env);
  fs.writeFileSync(
    ruleFile,
    YAML.stringify({ groups: [{ name: `g${idx}`, rules: [{ alert: r.alert, expr: r.expr, ...(r.forSeconds > 0 ? { for: `${r.forSeconds}s` } : {}), labels }] }] }),
  );
  const cases = casesFor(r, settings, step, config);
  expect(cases.some((c) => c.fires.length > 0)).toBe(true);
  expect(cases.some((c) => c.fires.length === 0)).toBe(true);
  const test = {
    rule_files: [path.basename(ruleFile)],
    evaluation_interval: `${step}s`,
    tests: cases.map((c) => ({
      name: `${r.alert} [${r.dataClasses.join(",")}] ${c.name}`,
      interval: `${step}s`,
      input_series: c.series.map((x) => ({ series: seriesName(x), values: x.values })),
      alert_rule_test: [{ eval_time: `${c.evalTime}s`, alertname: r.alert, exp_alerts: c.fires.map((l) => ({ exp_labels: { ...l, ...labels } })) }],
    })),
  };
  const file = path.join(dir, `test-${idx}.yml`);
  fs.writeFileSync(file, YAML.stringify(test));
  return { file, cases: cases.length };
}

describe.each(["staging", "prod"])("alert rules of %s under the real promtool", (env) => {
  const { config, settings } = stack(env);
  const rules = alertRules(config, settings, JOBS);
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `signals-promtool-${env}-`));
  });
  afterAll(() => { if (!process.env.KEEP_SIGNALS_TMP) fs.rmSync(dir, { recursive: true, force: true }); });

  it("the rendered rules files (with annotations) pass promtool check rules", () => {
    for (const source of ["prometheus-primary", "prometheus-dr"] as const) {
      const file = path.join(dir, `${source}.rules.yml`);
      fs.writeFileSync(file, renderRulesFile(ruleGroups(rules, source, env)));
      const res = spawnSync(PROMTOOL, ["check", "rules", file], { encoding: "utf8" });
      expect(`${res.stdout}${res.stderr}`).toContain("SUCCESS");
      expect(res.status).toBe(0);
    }
  });

  it("every alert fires past its derived threshold and stays quiet at it (promtool test rules)", () => {
    const files: string[] = [];
    let cases = 0;
    rules.forEach((r, i) => {
      const w = writeRuleTest(dir, i, r, env, settings, config);
      files.push(w.file);
      cases += w.cases;
    });
    const res = spawnSync(PROMTOOL, ["test", "rules", ...files], { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const out = `${res.stdout}${res.stderr}`;
    if (res.status !== 0) throw new Error(`promtool test rules failed:\n${out.slice(0, 20000)}`);
    expect(out.match(/SUCCESS/g)?.length).toBe(files.length);
    expect(cases).toBeGreaterThanOrEqual(2 * rules.length);
  });

  it("a recovery-probe rule that also fires at the limit is caught (>= instead of >)", () => {
    const r = rules.find((x) => x.alert === "RecoveryMeasuredAboveTarget")!;
    const loose: AlertRule = { ...r, expr: r.expr.replace(/ > on /g, " >= on ") };
    expect(loose.expr).not.toBe(r.expr);
    const w = writeRuleTest(dir, 998, loose, env, settings, config);
    const res = spawnSync(PROMTOOL, ["test", "rules", w.file], { cwd: dir, encoding: "utf8" });
    expect(`${res.stdout}${res.stderr}`).toMatch(/measured exactly at the limit/);
    expect(res.status).not.toBe(0);
  });

  it("the gateway meter's rules are pinned: >= at half, a looser fallback ratio, a budget one bucket lower each fail their cases", () => {
    const run = (r: AlertRule, idx: number) => spawnSync(PROMTOOL, ["test", "rules", writeRuleTest(dir, idx, r, env, settings, config).file], { cwd: dir, encoding: "utf8" });
    const failing = rules.find((x) => x.alert === "LlmProviderFailing")!;
    const atHalf = run({ ...failing, expr: failing.expr.replace(" > 0.5", " >= 0.5") }, 995);
    expect(`${atHalf.stdout}${atHalf.stderr}`).toMatch(/exactly half failed/);
    expect(atHalf.status).not.toBe(0);
    const fallback = rules.find((x) => x.alert === "LlmFallbackActive")!;
    const looser = run({ ...fallback, expr: fallback.expr.replace(" > 0.01", " > 0.001") }, 996);
    expect(`${looser.stdout}${looser.stderr}`).toMatch(/1 of 200 requests falls back/);
    expect(looser.status).not.toBe(0);
    const latency = rules.find((x) => x.alert === "LlmLatencyP99AboveBudget")!;
    // Prod and staging: the chain's 27 s; one bucket lower is two failing providers' 22 s.
    expect(latency.threshold).toBe(27);
    const lower = run({ ...latency, expr: latency.expr.replace(/ > 27$/, " > 22") }, 997);
    expect(`${lower.stdout}${lower.stderr}`).toMatch(/just within the budget/);
    expect(lower.status).not.toBe(0);
  });

  it("a wrong threshold is caught: the same tests against rules shifted by one step fail", () => {
    // Guards the harness itself: if the cases did not pin the threshold, this would pass.
    const r = rules.find((x) => x.alert === "PostgresWalArchiveBehind")!;
    const shifted: AlertRule = { ...r, expr: r.expr.replace(`> ${r.threshold} `, `> ${r.threshold + intervalFor(r)} `) };
    expect(shifted.expr).not.toBe(r.expr);
    const w = writeRuleTest(dir, 999, { ...shifted, threshold: r.threshold }, env, settings, config);
    const res = spawnSync(PROMTOOL, ["test", "rules", w.file], { cwd: dir, encoding: "utf8" });
    expect(res.status).not.toBe(0);
  });
});
