import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { promisify } from "util";
import type { RegionRole } from "../../../contract/runbooks";
import { killPrimaryAndAwaitFailover, sentinelFailover, sentinelStatus, sentinelWriteProbe, serverInfo, split } from "../sentinel";
import { CloneSpec, DrExecutor, EndpointState, PgRef, PostgresStatus, RedisRef, RedisStatus, UnsupportedOperationError } from "../types";
import { getCluster, getConfig, isLeaderRole, patchConfig, postSwitchover } from "./patroni";
import type { LocalTopology } from "./topology";

const run = promisify(execFile);

/** The runbook operations against the local drill topology: Patroni REST, PostgreSQL, Sentinel, processes. */
export class LocalExecutor implements DrExecutor {
  readonly kind = "local" as const;
  constructor(readonly topology: LocalTopology) {}

  private pg() {
    if (!this.topology.postgres) throw new Error("local topology: no postgres section");
    return this.topology.postgres;
  }

  private urls(ref: PgRef): string[] {
    const c = this.pg().clusters[ref.cluster];
    if (!c) throw new Error(`local topology: cluster ${JSON.stringify(ref.cluster)}: expected one of ${Object.keys(this.pg().clusters).join(", ")}`);
    return c.restUrls;
  }

  async postgresStatus(ref: PgRef, signal: AbortSignal): Promise<PostgresStatus> {
    let members;
    try {
      members = (await getCluster(this.urls(ref), signal)).members;
    } catch (e) {
      if (signal.aborted) throw e;
      return { reachable: false, standby: false, members: [] };
    }
    const config = await getConfig(this.urls(ref), signal).catch(() => ({}) as Record<string, unknown>);
    const leader = members.find((m) => isLeaderRole(m.role) && m.state === "running");
    return {
      reachable: true,
      standby: config.standby_cluster != null || members.some((m) => m.role === "standby_leader"),
      ...(leader ? { leader: leader.name } : {}),
      members: members.map((m) => ({ name: m.name, role: m.role, state: m.state, ...(typeof m.lag === "number" ? { lagBytes: m.lag } : {}) })),
    };
  }

  promoteStandby(ref: PgRef, signal: AbortSignal): Promise<string> {
    return patchConfig(this.urls(ref), { standby_cluster: null }, signal);
  }

  async writeProbe(ref: PgRef, signal: AbortSignal): Promise<string> {
    const { members } = await getCluster(this.urls(ref), signal);
    const leader = members.find((m) => isLeaderRole(m.role) && m.state === "running");
    if (!leader) throw new Error(`no running leader in ${ref.cluster} (${members.map((m) => `${m.name}=${m.role}/${m.state}`).join(", ") || "no members"})`);
    const { superuser, database } = this.pg();
    const client = new Client({ host: leader.host, port: leader.port, user: superuser.user, password: superuser.password, database, connectionTimeoutMillis: 2000, query_timeout: 5000 });
    client.on("error", () => undefined);
    const onAbort = () => void client.end().catch(() => undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await client.connect();
      await client.query("CREATE TABLE IF NOT EXISTS agent_dr_probe (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp(), source text)");
      const r = await client.query("INSERT INTO agent_dr_probe (source) VALUES ($1) RETURNING id", ["runbook"]);
      return `write committed on ${leader.name} (${leader.host}:${leader.port}), probe id ${r.rows[0].id}`;
    } finally {
      signal.removeEventListener("abort", onAbort);
      await client.end().catch(() => undefined);
    }
  }

  async switchover(ref: PgRef, candidate: string | undefined, signal: AbortSignal): Promise<string> {
    const { members } = await getCluster(this.urls(ref), signal);
    const leader = members.find((m) => isLeaderRole(m.role));
    if (!leader) throw new Error(`no leader in ${ref.cluster}`);
    const base = leader.api_url ? leader.api_url.replace(/\/patroni$/, "") : this.urls(ref)[0];
    return postSwitchover(base, leader.name, candidate, signal);
  }

  async restartPooler(ref: PgRef, signal: AbortSignal): Promise<string> {
    const cmd = this.topology.poolerRestart?.[ref.cluster];
    if (!cmd) return `the local topology runs no pooler for ${ref.cluster}; clients connect to the leader directly`;
    const { stdout } = await run(cmd[0], cmd.slice(1), { signal, timeout: 60_000 });
    return `ran ${cmd.join(" ")}${stdout.trim() ? `: ${stdout.trim().split("\n").pop()}` : ""}`;
  }

  async poolerReady(ref: PgRef): Promise<{ ready: boolean; detail: string }> {
    return { ready: true, detail: this.topology.poolerRestart?.[ref.cluster] ? "pooler restart command succeeded" : "no pooler" };
  }

  private endpoint() {
    if (!this.topology.endpoint) throw new Error("local topology: no endpoint section");
    return this.topology.endpoint;
  }

  private async regionHealthy(region: RegionRole, signal: AbortSignal): Promise<boolean> {
    for (const url of this.endpoint().healthUrls[region] ?? []) {
      try {
        const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(2000)]) });
        await res.arrayBuffer();
        if (res.status === 200) return true;
      } catch {
        if (signal.aborted) throw signal.reason;
      }
    }
    return false;
  }

  private forcedTo(): RegionRole | undefined {
    try {
      return (JSON.parse(fs.readFileSync(this.endpoint().recordFile, "utf8")) as { forcedTo?: RegionRole }).forcedTo;
    } catch {
      return undefined;
    }
  }

  /** Route53 failover semantics: primary while healthy, else the secondary while healthy; a forced switch wins. */
  async endpointState(signal: AbortSignal): Promise<EndpointState> {
    const [primaryHealthy, drHealthy] = await Promise.all([this.regionHealthy("primary", signal), this.regionHealthy("dr", signal)]);
    const forced = this.forcedTo();
    const serving: EndpointState["serving"] = forced === "dr" ? "dr" : primaryHealthy ? "primary" : drHealthy ? "dr" : "none";
    return { serving, primaryHealthy, drHealthy, forced: forced !== undefined };
  }

  async forceEndpoint(to: RegionRole, signal: AbortSignal): Promise<string> {
    const file = this.endpoint().recordFile;
    if (to === "primary") {
      fs.rmSync(file, { force: true });
      return "removed the forced switch; the record follows health again";
    }
    const state = await this.endpointState(signal);
    if (!state.primaryHealthy) return "primary region is unhealthy; the record fails over by health, nothing to force";
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ forcedTo: "dr", at: new Date().toISOString() }));
    return "primary still reported healthy; forced the record to the DR region";
  }

  private redis() {
    if (!this.topology.redis) throw new Error("local topology: no redis section");
    return this.topology.redis;
  }

  redisStatus(ref: RedisRef): Promise<RedisStatus> {
    return sentinelStatus(this.redis(), ref.master);
  }

  redisFailover(ref: RedisRef, signal: AbortSignal): Promise<string> {
    return sentinelFailover(this.redis(), ref.master, signal, (ms) => new Promise((r) => setTimeout(r, ms)));
  }

  redisWriteProbe(ref: RedisRef): Promise<string> {
    return sentinelWriteProbe(this.redis(), ref.master);
  }

  redisKillPrimary(ref: RedisRef, signal: AbortSignal): Promise<string> {
    return killPrimaryAndAwaitFailover(this.redis(), ref.master, (address) => this.killRedisServer(address), signal, (ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * kill -9 of the redis-server listening at `address` (loopback only): the server names its PID
   * (INFO server process_id, for its tcp_port), and /proc/<pid>/cmdline must be a redis-server
   * of that port (Redis titles its process `redis-server <bind>:<port>`) before the signal is sent.
   */
  async killRedisServer(address: string): Promise<string> {
    const [host, port] = split(address);
    if (!["127.0.0.1", "localhost", "::1"].includes(host)) throw new Error(`${address} is not a loopback address: the local executor kills only servers of this machine's topology`);
    const info = await serverInfo(this.redis(), address, "server");
    if (!info) throw new Error(`${address} does not answer; nothing to kill`);
    const pid = Number(info.process_id);
    if (!Number.isInteger(pid) || pid <= 1 || Number(info.tcp_port) !== port) throw new Error(`${address} reports process_id ${info.process_id}, tcp_port ${info.tcp_port}; expected its own PID and port ${port}`);
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
    } catch (e) {
      throw new Error(`${address} reports PID ${pid}, which /proc does not show (${(e as Error).message}); not killing`);
    }
    if (!/redis-server/.test(cmdline) || !cmdline.includes(`:${port}`)) throw new Error(`PID ${pid} (${JSON.stringify(cmdline)}) is not the redis-server of ${address}; not killing`);
    process.kill(pid, "SIGKILL");
    return `kill -9 ${pid} (${cmdline})`;
  }

  async cloneExists(): Promise<boolean> {
    return false;
  }

  applyClone(spec: CloneSpec): Promise<string> {
    return Promise.reject(
      new UnsupportedOperationError("local", `clone of ${spec.source} at ${spec.targetTime}`, "the local topology keeps no base backups for a clone; run with --stack against Kubernetes, or use the drills' logical-corruption scenario"),
    );
  }

  deleteClone(spec: CloneSpec): Promise<string> {
    return Promise.reject(new UnsupportedOperationError("local", `delete clone ${spec.name}`, "no clones exist locally"));
  }

  /**
   * Dump the leader's database, restore it into a fresh database and compare every table's row
   * count. The dump and the source counts read one exported snapshot, so they must match exactly
   * even while writes go on.
   */
  async verifyRestore(ref: PgRef, signal: AbortSignal): Promise<string> {
    const { members } = await getCluster(this.urls(ref), signal);
    const leader = members.find((m) => isLeaderRole(m.role) && m.state === "running");
    if (!leader) throw new Error(`no running leader in ${ref.cluster} to dump`);
    const { superuser, database, binDir } = this.pg();
    const env = { ...process.env, PGPASSWORD: superuser.password };
    const conn = ["-h", leader.host, "-p", String(leader.port), "-U", superuser.user];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-check-"));
    const dump = path.join(dir, `${database}.dump`);
    const fresh = `restore_check_${Date.now()}`;
    const connect = (db: string) => {
      const c = new Client({ host: leader.host, port: leader.port, user: superuser.user, password: superuser.password, database: db, connectionTimeoutMillis: 3000 });
      c.on("error", () => undefined);
      return c;
    };
    const counts = async (c: Client) => {
      const tables = await c.query("SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog','information_schema') ORDER BY 1");
      const out: Record<string, number> = {};
      for (const { t } of tables.rows) out[t] = Number((await c.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
      return out;
    };
    const source = connect(database);
    const admin = connect("postgres");
    try {
      await source.connect();
      await source.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      const snapshot = (await source.query("SELECT pg_export_snapshot() AS s")).rows[0].s as string;
      const before = await counts(source);
      await run(path.join(binDir, "pg_dump"), [...conn, "-Fc", `--snapshot=${snapshot}`, "-f", dump, database], { env, signal });
      await source.query("COMMIT");
      await admin.connect();
      await admin.query(`CREATE DATABASE ${fresh}`);
      await run(path.join(binDir, "pg_restore"), [...conn, "--no-owner", "--exit-on-error", "-d", fresh, dump], { env, signal });
      const restoredClient = connect(fresh);
      await restoredClient.connect();
      const after = await counts(restoredClient).finally(() => restoredClient.end());
      const diff = Object.keys({ ...before, ...after }).filter((t) => before[t] !== after[t]);
      if (diff.length > 0) throw new Error(`restored ${fresh} differs from the dumped snapshot: ${diff.map((t) => `${t} dumped=${before[t]} restored=${after[t]}`).join(", ")}`);
      const rows = Object.values(after).reduce((a, b) => a + b, 0);
      return `dumped ${database} from ${leader.name} (${fs.statSync(dump).size} bytes), restored into ${fresh}: ${Object.keys(after).length} tables, ${rows} rows, counts equal`;
    } finally {
      await source.end().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${fresh}`).catch(() => undefined);
      await admin.end().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {}
}
