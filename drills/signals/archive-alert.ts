import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import * as YAML from "yaml";
import { deriveSettings, DrSettings } from "../../dr/settings";
import { parseStackConfig, StackConfig } from "../../dr/targets";
import { alertRules, POSTGRES_EXPORTER_QUERIES, renderPostgresExporterQueries, renderRulesFile, ruleGroups } from "../../components/signals/render";
import { portOpen, sleep, waitFor } from "../../testbed/runtime/procfs";
import { Supervisor } from "../../testbed/runtime/supervisor";

/** Loopback ports of the signals drill (this drill's range: 23000-23499). */
export const SIGNALS_PORTS = {
  s3: 23200,
  postgres: 23201,
  postgresExporter: 23202,
  prometheus: 23203,
  redisPrimary: 23210,
  redisReplica: 23211,
  redisExporterPrimary: 23220,
  redisExporterReplica: 23221,
} as const;

const PG_BIN = "/usr/lib/postgresql/15/bin";
const BUCKET = "drill-signals-wal";
/** Scrape and rule evaluation interval of the drill's Prometheus. */
export const SCRAPE_SECONDS = 2;

/**
 * The drill's stack: one PostgreSQL class whose 20 s RPO makes archive_timeout 15 s and the archive
 * alert's threshold 20 s (the same derivation as any stack, only faster to watch), and the default
 * Redis session class. One PostgreSQL instance: there are no replicas to lag.
 */
export function drillStack(): { config: StackConfig; settings: DrSettings } {
  const config = parseStackConfig(
    {
      regions: { primary: "us-east-1" },
      postgres: { instances: 1, dataSizeGiB: 1 },
      dataClasses: {
        conversation_history: { rpo: "20s", rto: "15m" },
        agent_configurations: { enabled: false },
        usage_billing_data: { enabled: false },
        analytics_logs: { enabled: false },
      },
    },
    "staging",
  );
  return { config, settings: deriveSettings(config) };
}

export interface AlertState {
  state: "pending" | "firing";
  labels: Record<string, string>;
  activeAt: string;
}

export interface ArchiveDrillResult {
  thresholdSeconds: number;
  archiveTimeoutSeconds: number;
  /** Alerts firing while everything was healthy (expected: none). */
  firingWhileHealthy: string[];
  /** Exporter queries PostgreSQL refused (expected: none). */
  queryErrors: string[];
  /** Base backup metric before and after a real pg_basebackup, and when the backup ended (Unix seconds). */
  baseBackup: { before: number; after: number; startedAt: number; endedAt: number };
  /** Seconds from stopping the S3 endpoint to the archive alert firing in Prometheus. */
  fireAfterStopSeconds: number;
  /** Seconds from restarting the endpoint to the alert being gone. */
  clearAfterRestartSeconds: number;
  /** Redis: seconds from pausing the replica to RedisReplicaOffsetLag firing, and its threshold. */
  redisLagFireSeconds: number;
  redisLagThresholdSeconds: number;
}

function getJson(port: number, p: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: p, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => {
        try {
          resolve(JSON.parse(body));
        } catch (e) {
          reject(new Error(`GET ${p}: ${(e as Error).message}: ${body.slice(0, 200)}`));
        }
      });
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`GET ${p}: timeout`)));
  });
}

export async function alerts(port = SIGNALS_PORTS.prometheus): Promise<AlertState[]> {
  const j = await getJson(port, "/api/v1/alerts");
  return j.data.alerts as AlertState[];
}

/** What the archive rule sees, for the drill's log. */
async function exposure(port: number): Promise<string> {
  const q = async (expr: string) => (await getJson(port, `/api/v1/query?query=${encodeURIComponent(expr)}`).catch(() => undefined))?.data?.result?.[0]?.value?.[1] ?? "none";
  return `ready=${await q("pg_wal_archive_ready_segments")} age=${await q("time() - pg_wal_archive_exposed_since_seconds")} failed=${await q("pg_wal_archive_failed_count")}`;
}

async function redisOffsets(port: number, lag: number): Promise<string> {
  const q = async (expr: string) =>
    JSON.stringify(((await getJson(port, `/api/v1/query?query=${encodeURIComponent(expr)}`).catch(() => undefined))?.data?.result ?? []).map((r: any) => [r.metric.instance, r.value[1]]));
  return `replica=${await q("redis_connected_slave_offset_bytes")} primary-${lag}s-ago=${await q(`redis_master_repl_offset offset ${lag}s`)}`;
}

const firing = (as: AlertState[], name: string) => as.filter((a) => a.state === "firing" && a.labels.alertname === name);

/**
 * The archive-alert drill on real servers: PostgreSQL 15 archiving to s3rver, the Debian
 * postgres_exporter with the rendered queries, Redis primary + replica with redis_exporter, and a
 * Prometheus evaluating the rendered rules. Stops the S3 endpoint and measures when
 * PostgresWalArchiveBehind fires; restarts it and measures when the alert clears; pauses the Redis
 * replica and measures when RedisReplicaOffsetLag fires. Every process is stopped by PID at the end.
 */
export async function runArchiveAlertDrill(log: (m: string) => void = () => undefined): Promise<ArchiveDrillResult> {
  const { config, settings } = drillStack();
  const rules = alertRules(config, settings, { namespace: "agent-dr" });
  const archiveRule = rules.find((r) => r.alert === "PostgresWalArchiveBehind")!;
  const lagRule = rules.find((r) => r.alert === "RedisReplicaOffsetLag")!;
  const sup = new Supervisor("agent-dr-signals-drill-");
  const P = SIGNALS_PORTS;
  try {
    // S3 endpoint.
    const s3Dir = sup.mkdir("s3");
    const s3rver = path.join(path.dirname(require.resolve("s3rver/package.json")), "bin", "s3rver.js");
    const startS3 = async () => {
      await sup.start("s3rver", process.execPath, [s3rver, "-d", s3Dir, "-a", "127.0.0.1", "-p", String(P.s3), "--no-vhost-buckets", "--silent", "--configure-bucket", BUCKET]);
      await waitFor("s3rver to listen", 15000, () => portOpen(P.s3));
    };
    await startS3();

    // PostgreSQL archiving with curl's SigV4 PUT (fails while the endpoint is down, so PostgreSQL retries).
    const data = sup.mkdir("pg/data");
    const sock = sup.mkdir("pg/run", 0o755);
    await sup.run(`${PG_BIN}/initdb`, ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync"]);
    const archiveCommand = `/usr/bin/curl -sS -f --max-time 10 --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T %p http://127.0.0.1:${P.s3}/${BUCKET}/wal/%f`;
    fs.appendFileSync(
      path.join(data, "postgresql.conf"),
      [
        `port = ${P.postgres}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${sock}'`,
        "wal_level = replica",
        "archive_mode = on",
        `archive_command = '${archiveCommand.replace(/'/g, "''")}'`,
        `archive_timeout = ${settings.postgres!.archiveTimeoutSeconds}`,
        "fsync = off",
        "",
      ].join("\n"),
    );
    await sup.start("postgres", `${PG_BIN}/postgres`, ["-D", data]);
    await waitFor("postgres to listen", 30000, () => portOpen(P.postgres));
    const psql = (sql: string) => sup.run("/usr/bin/psql", ["-h", "127.0.0.1", "-p", String(P.postgres), "-U", "postgres", "-At", "-c", sql]);
    await waitFor("postgres to accept queries", 30000, async () => (await psql("select 1").catch(() => "")).trim() === "1");
    await psql("create table drill_writes (id bigserial primary key, at timestamptz default clock_timestamp())");
    // PostgreSQL 15 here forces no archive_timeout switch before the first checkpoint after start
    // (measured: none in 40 s of writes, then one every archive_timeout once a checkpoint ran).
    await psql("checkpoint");

    // postgres_exporter with the rendered custom queries.
    const queries = sup.writeFile("exporter/queries.yaml", renderPostgresExporterQueries(), 0o644);
    await sup.start("postgres-exporter", "/usr/bin/prometheus-postgres-exporter", [`--web.listen-address=127.0.0.1:${P.postgresExporter}`, `--extend.query-path=${queries}`, "--disable-settings-metrics"], {
      env: { DATA_SOURCE_NAME: `postgresql://postgres@127.0.0.1:${P.postgres}/postgres?sslmode=disable` },
    });
    await waitFor("postgres_exporter to listen", 15000, () => portOpen(P.postgresExporter));

    // Redis primary + replica with their exporters.
    const redisDir = sup.mkdir("redis");
    for (const [name, port, extra] of [
      ["redis-primary", P.redisPrimary, []],
      ["redis-replica", P.redisReplica, ["--replicaof", "127.0.0.1", String(P.redisPrimary)]],
    ] as Array<[string, number, string[]]>) {
      await sup.start(name, "/usr/bin/redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", redisDir, "--dbfilename", `${name}.rdb`, "--appendonly", "yes", "--appendfilename", `${name}.aof`, "--save", "300 100", ...extra]);
      await waitFor(`${name} to listen`, 15000, () => portOpen(port));
    }
    for (const [name, port, target] of [
      ["redis-exporter-primary", P.redisExporterPrimary, P.redisPrimary],
      ["redis-exporter-replica", P.redisExporterReplica, P.redisReplica],
    ] as Array<[string, number, number]>) {
      await sup.start(name, "/usr/bin/prometheus-redis-exporter", ["--redis.addr", `redis://127.0.0.1:${target}`, "--web.listen-address", `127.0.0.1:${port}`]);
      await waitFor(`${name} to listen`, 15000, () => portOpen(port));
    }

    // Prometheus with the rendered rules.
    const rulesFile = sup.writeFile("prometheus/rules.yml", renderRulesFile(ruleGroups(rules, "prometheus-primary", config.environment)), 0o644);
    const promConfig = sup.writeFile(
      "prometheus/prometheus.yml",
      YAML.stringify({
        global: { scrape_interval: `${SCRAPE_SECONDS}s`, evaluation_interval: `${SCRAPE_SECONDS}s`, scrape_timeout: `${SCRAPE_SECONDS}s` },
        rule_files: [rulesFile],
        scrape_configs: [
          { job_name: "postgres", static_configs: [{ targets: [`127.0.0.1:${P.postgresExporter}`] }] },
          { job_name: "redis", static_configs: [{ targets: [`127.0.0.1:${P.redisExporterPrimary}`, `127.0.0.1:${P.redisExporterReplica}`] }] },
        ],
      }),
      0o644,
    );
    const tsdb = sup.mkdir("prometheus/data");
    await sup.start("prometheus", "/usr/bin/prometheus", [`--config.file=${promConfig}`, `--storage.tsdb.path=${tsdb}`, `--web.listen-address=127.0.0.1:${P.prometheus}`]);
    await waitFor("prometheus to answer queries", 60000, async () => (await getJson(P.prometheus, "/api/v1/query?query=up").catch(() => undefined))?.status === "success", 250);

    // Writes: one row a second into PostgreSQL and Redis, so WAL and the replication offset move.
    let writing = true;
    const writer = (async () => {
      let i = 0;
      while (writing) {
        await psql("insert into drill_writes default values").catch(() => undefined);
        await sup.run("/usr/bin/redis-cli", ["-p", String(P.redisPrimary), "set", "drill:last", String(i++)]).catch(() => undefined);
        await sleep(1000);
      }
    })();

    try {
      // Healthy: archiving works (a forced switch was archived) and the rules have seen it.
      await psql("select pg_switch_wal()");
      await waitFor("a WAL segment archived and scraped", 60000, async () => {
        const j = await getJson(P.prometheus, "/api/v1/query?query=pg_wal_archive_last_archived_time_seconds").catch(() => undefined);
        return Number(j?.data?.result?.[0]?.value?.[1] ?? 0) > 0;
      });
      await waitFor("the Redis replica to be scraped", 30000, async () => {
        const j = await getJson(P.prometheus, "/api/v1/query?query=redis_connected_slave_offset_bytes").catch(() => undefined);
        return (j?.data?.result?.length ?? 0) > 0;
      });
      // Let several evaluations pass over healthy data.
      await sleep((archiveRule.threshold + 2 * SCRAPE_SECONDS) * 1000);
      const firingWhileHealthy = (await alerts()).filter((a) => a.state === "firing").map((a) => a.labels.alertname);
      log(`healthy: firing=${JSON.stringify(firingWhileHealthy)}`);

      // Every exporter query must be valid SQL for this PostgreSQL (standby-only ones return no rows here).
      const queryErrors: string[] = [];
      for (const [name, q] of Object.entries(POSTGRES_EXPORTER_QUERIES)) {
        await psql(q.query).catch((e: Error) => queryErrors.push(`${name}: ${e.message}`));
      }
      // A real base backup moves pg_base_backup_last_completed_time_seconds (the backup history file in pg_wal).
      const metric = async () => Number((await getJson(P.prometheus, "/api/v1/query?query=pg_base_backup_last_completed_time_seconds").catch(() => undefined))?.data?.result?.[0]?.value?.[1] ?? 0);
      const before = await metric();
      const startedAt = Date.now() / 1000;
      await sup.run("/usr/bin/pg_basebackup", ["-h", "127.0.0.1", "-p", String(P.postgres), "-U", "postgres", "-D", path.join(sup.dir, "basebackup"), "-X", "none", "-c", "fast"]);
      const endedAt = Date.now() / 1000;
      const after = await waitFor("the base backup to show in the metric", 30000, async () => {
        const v = await metric();
        return v > before ? v : undefined;
      }, 500);
      log(`base backup metric ${before} -> ${after} (backup ended ${endedAt.toFixed(1)})`);

      // Stop the S3 endpoint: archive_command fails from the next segment on.
      const stoppedAt = Date.now();
      await sup.stop("s3rver", 5000);
      log("s3rver stopped");
      const limit = (archiveRule.threshold + settings.postgres!.archiveTimeoutSeconds + 6 * SCRAPE_SECONDS) * 1000;
      let polls = 0;
      await waitFor("PostgresWalArchiveBehind to fire", limit + 30000, async () => {
        if (polls++ % 10 === 0) log(`exposure: ${await exposure(P.prometheus)}`);
        return firing(await alerts(), "PostgresWalArchiveBehind").length > 0;
      }, 500);
      const fireAfterStopSeconds = (Date.now() - stoppedAt) / 1000;
      log(`archive alert fired ${fireAfterStopSeconds.toFixed(1)} s after stopping the endpoint`);

      // Restart: the archiver catches up at the next segment and the alert clears.
      const restartedAt = Date.now();
      await startS3();
      await waitFor("PostgresWalArchiveBehind to clear", 120000, async () => firing(await alerts(), "PostgresWalArchiveBehind").length === 0, 500);
      const clearAfterRestartSeconds = (Date.now() - restartedAt) / 1000;
      log(`archive alert cleared ${clearAfterRestartSeconds.toFixed(1)} s after restarting the endpoint`);

      // Redis: a replica that stops processing (SIGSTOP, a hung process) falls behind the primary's offset.
      const replicaPid = sup.get("redis-replica").pid;
      const pausedAt = Date.now();
      process.kill(replicaPid, "SIGSTOP");
      let redisLagFireSeconds: number;
      try {
        let redisPolls = 0;
        await waitFor("RedisReplicaOffsetLag to fire", (lagRule.threshold + 10 * SCRAPE_SECONDS) * 1000, async () => {
          if (redisPolls++ % 10 === 0) log(`redis offsets: ${await redisOffsets(P.prometheus, lagRule.threshold)}`);
          return firing(await alerts(), "RedisReplicaOffsetLag").length > 0;
        }, 500);
        redisLagFireSeconds = (Date.now() - pausedAt) / 1000;
      } finally {
        process.kill(replicaPid, "SIGCONT");
      }
      log(`redis offset-lag alert fired ${redisLagFireSeconds.toFixed(1)} s after pausing the replica`);

      return {
        thresholdSeconds: archiveRule.threshold,
        archiveTimeoutSeconds: settings.postgres!.archiveTimeoutSeconds,
        firingWhileHealthy,
        queryErrors,
        baseBackup: { before, after, startedAt, endedAt },
        fireAfterStopSeconds,
        clearAfterRestartSeconds,
        redisLagFireSeconds,
        redisLagThresholdSeconds: lagRule.threshold,
      };
    } finally {
      writing = false;
      await writer;
    }
  } finally {
    await sup.stopAll(10000);
    if (!process.env.KEEP_DRILL_DIR) sup.removeDir();
  }
}
