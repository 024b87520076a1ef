import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import * as YAML from "yaml";
import { renderPatroniDynamicConfig } from "../../components/postgres/render/patroni";
import { clampPatroni } from "../../dr/settings/patroni";
import type { PostgresSettings } from "../../dr/settings/types";
import { PORTS } from "../ports";
import { isAlive, portOpen, sleep, waitFor } from "../runtime/procfs";
import { Supervisor, tail } from "../runtime/supervisor";
import { S3Endpoint, type S3Spec } from "./s3";

export const PG_BIN = "/usr/lib/postgresql/15/bin";
const SCOPE = "drill";

export interface Member {
  name: string;
  index: number;
  port: number;
  restPort: number;
  dataDir: string;
  configFile: string;
}

export interface ClusterMemberState {
  name: string;
  role: string;
  state: string;
  lag?: number | string;
}

/** Dynamic config for a local Patroni 3.0.2: the stack's rendered values, timings clamped as Patroni 3.2+ would. */
export function drillDynamicConfig(pg: PostgresSettings, archiveCommand: string): Record<string, unknown> {
  const rendered = renderPatroniDynamicConfig(pg);
  // Debian's Patroni 3.0.2 does not raise timings to the floors the operator's Patroni enforces.
  const t = clampPatroni(pg.patroni);
  return {
    ...rendered,
    ttl: t.ttlSeconds,
    loop_wait: t.loopWaitSeconds,
    retry_timeout: t.retryTimeoutSeconds,
    postgresql: {
      use_pg_rewind: true,
      use_slots: true,
      // Local adjustment only: the deployed archiver is WAL-G; here curl (SigV4, WAL-G's encryption
      // headers, signed as the walg identity) uploads through the policy front to s3rver.
      parameters: { ...rendered.postgresql.parameters, archive_command: archiveCommand },
    },
  };
}

/**
 * PostgreSQL 15 members (as many as the stack deploys) under Patroni with a single-node etcd 3.4 (v3 API) as the DCS, and
 * WAL archived through the S3 policy front to s3rver. Everything on loopback, as the drill user, in the supervisor's temp dir.
 */
export class PatroniCluster {
  readonly members: Member[];
  readonly s3: S3Endpoint;
  /** Where archive_command puts segments: WAL-G's wal_005/ under the stack's spilo/<cluster>/wal/<major>/. */
  readonly walPrefix: string;
  readonly dynamicConfig: Record<string, unknown>;

  constructor(
    private readonly sup: Supervisor,
    readonly settings: PostgresSettings,
    s3Spec: S3Spec,
  ) {
    this.s3 = new S3Endpoint(sup, s3Spec);
    this.walPrefix = this.s3.walSegmentsPrefix;
    if (settings.instances < 2 || settings.instances > 5) {
      throw new Error(`postgres.instances is ${settings.instances}: the drills run 2 to 5 members (a single instance has nothing to fail over to)`);
    }
    // As many members as the stack deploys.
    this.members = Array.from({ length: settings.instances }, (_, i) => i).map((i) => ({
      name: `pg${i}`,
      index: i,
      port: PORTS.postgres + i,
      restPort: PORTS.patroniRest + i,
      dataDir: path.join(sup.dir, "pg", `pg${i}`),
      configFile: path.join(sup.dir, "conf", `pg${i}.yml`),
    }));
    this.dynamicConfig = drillDynamicConfig(settings, this.s3.curlCommand("put", "%p", `${this.walPrefix}%f`));
  }

  member(name: string): Member {
    const m = this.members.find((x) => x.name === name);
    if (!m) throw new Error(`no member ${name}`);
    return m;
  }

  async start(onPhase: (p: string) => void = () => undefined): Promise<void> {
    for (const p of [PORTS.etcdClient, PORTS.etcdPeer, PORTS.s3, PORTS.s3Front, ...this.members.flatMap((m) => [m.port, m.restPort])]) {
      if (await portOpen(p)) throw new Error(`port ${p} on 127.0.0.1 is already in use: another drill or server is running; stop it first`);
    }
    onPhase("starting s3rver and the S3 policy front");
    await this.s3.start();
    onPhase("starting etcd");
    await this.startEtcd();
    this.sup.mkdir("pg");
    this.sup.mkdir("run");
    for (const m of this.members) {
      this.sup.mkdir(path.join("logs", m.name), 0o755);
      this.sup.writeFile(path.relative(this.sup.dir, m.configFile), YAML.stringify(this.memberConfig(m)));
    }
    onPhase(`bootstrapping ${this.members.length} Patroni members`);
    for (const m of this.members) await this.startMember(m.name);
    await this.waitHealthy(120000);
  }

  async startEtcd(): Promise<void> {
    const dataDir = this.sup.mkdir("etcd");
    await this.sup.start("etcd", "/usr/bin/etcd", [
      "--name", "drill",
      "--data-dir", dataDir,
      "--listen-client-urls", `http://127.0.0.1:${PORTS.etcdClient}`,
      "--advertise-client-urls", `http://127.0.0.1:${PORTS.etcdClient}`,
      "--listen-peer-urls", `http://127.0.0.1:${PORTS.etcdPeer}`,
      "--initial-advertise-peer-urls", `http://127.0.0.1:${PORTS.etcdPeer}`,
      "--initial-cluster", `drill=http://127.0.0.1:${PORTS.etcdPeer}`,
    ]);
    await waitFor("etcd to be healthy", 20000, async () => {
      const r = await fetch(`http://127.0.0.1:${PORTS.etcdClient}/health`, { signal: AbortSignal.timeout(500) });
      return r.ok && ((await r.json()) as { health?: string }).health === "true";
    });
  }

  async stopEtcd(): Promise<void> {
    await this.sup.stop("etcd", 5000);
  }

  private memberConfig(m: Member): Record<string, unknown> {
    return {
      scope: SCOPE,
      namespace: "/service/",
      name: m.name,
      log: { level: "INFO" },
      restapi: { listen: `127.0.0.1:${m.restPort}`, connect_address: `127.0.0.1:${m.restPort}` },
      // etcd 3.4 serves the v2 API only with --enable-v2; Patroni's etcd3 client needs none of that.
      etcd3: { hosts: [`127.0.0.1:${PORTS.etcdClient}`] },
      bootstrap: {
        dcs: this.dynamicConfig,
        initdb: [{ encoding: "UTF8" }, { locale: "C.UTF-8" }, "data-checksums"],
      },
      postgresql: {
        listen: `127.0.0.1:${m.port}`,
        connect_address: `127.0.0.1:${m.port}`,
        data_dir: m.dataDir,
        bin_dir: PG_BIN,
        pgpass: path.join(this.sup.dir, "run", `pgpass-${m.name}`),
        authentication: {
          superuser: { username: "postgres", password: "drill-super" },
          replication: { username: "replicator", password: "drill-repl" },
          rewind: { username: "rewinder", password: "drill-rewind" },
        },
        // Loopback only, throwaway data: trust keeps the drill free of secrets.
        pg_hba: ["local all all trust", "host replication all 127.0.0.1/32 trust", "host all all 127.0.0.1/32 trust"],
        parameters: {
          unix_socket_directories: path.join(this.sup.dir, "run"),
          logging_collector: "on",
          log_directory: path.join(this.sup.dir, "logs", m.name),
          log_filename: "postgresql.log",
          log_line_prefix: "%m [%p] %q%u@%d ",
        },
      },
      // The deployed pods have no watchdog either; the split-brain drill measures what that costs.
      watchdog: { mode: "off" },
      tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
    };
  }

  /** Start a member's Patroni; `adopt` lets it take over a PostgreSQL that is still running (split brain). */
  async startMember(name: string, adopt = false): Promise<void> {
    const m = this.member(name);
    // A SIGKILLed postmaster may linger as a zombie; its lock file would stop the restart.
    const pm = this.postmasterPid(name);
    if (pm !== undefined && !adopt) await waitFor(`old postmaster ${pm} of ${name} to be gone`, 10000, () => !isAlive(pm));
    await this.sup.start(`patroni-${name}`, "/usr/bin/patroni", [m.configFile], { env: { PYTHONUNBUFFERED: "1" } });
  }

  /** PID of the member's postmaster, from its lock file. */
  postmasterPid(name: string): number | undefined {
    try {
      const pid = Number(fs.readFileSync(path.join(this.member(name).dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
      return Number.isFinite(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Simulated node loss: Patroni, the postmaster and every backend of the member die at once. */
  async killMember(name: string): Promise<void> {
    const patroni = this.sup.get(`patroni-${name}`);
    const pm = this.postmasterPid(name);
    await this.sup.killHard([patroni.pid, ...(pm ? [pm] : [])]);
    await this.sup.reap(`patroni-${name}`);
  }

  /** Only Patroni dies; PostgreSQL keeps running and serving its connections (no watchdog). */
  async killPatroniOnly(name: string): Promise<number | undefined> {
    const patroni = this.sup.get(`patroni-${name}`);
    const pm = this.postmasterPid(name);
    // Patroni is the postmaster's parent: keep the postmaster's PID so it is killed at the end.
    if (pm) this.sup.track(pm);
    await this.sup.killHard([patroni.pid]);
    await this.sup.reap(`patroni-${name}`);
    return pm;
  }

  async rest(name: string, p: string, init: RequestInit = {}, timeoutMs = 1000): Promise<Response> {
    return fetch(`http://127.0.0.1:${this.member(name).restPort}${p}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  }

  /** The member whose REST API answers 200 on /primary (it holds the leader lock), if exactly one does. */
  async leader(): Promise<string | undefined> {
    const answers = await Promise.all(
      this.members.map(async (m) => {
        try {
          const r = await this.rest(m.name, "/primary", {}, 500);
          await r.arrayBuffer();
          return r.status === 200 ? m.name : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    const leaders = answers.filter((x): x is string => Boolean(x));
    return leaders.length === 1 ? leaders[0] : undefined;
  }

  async clusterState(): Promise<ClusterMemberState[]> {
    for (const m of this.members) {
      try {
        const r = await this.rest(m.name, "/cluster", {}, 1000);
        if (r.ok) return ((await r.json()) as { members: ClusterMemberState[] }).members;
      } catch {
        // try the next member
      }
    }
    return [];
  }

  /** Leader plus every other member streaming from it (one of them sync when synchronous_mode is on). */
  async waitHealthy(timeoutMs: number): Promise<string> {
    try {
      return await waitFor(`a leader with ${this.members.length - 1} streaming replica(s)`, timeoutMs, async () => {
        const leader = await this.leader();
        if (!leader) return undefined;
        const rows = await this.query(leader, "select application_name, state, sync_state from pg_stat_replication");
        const streaming = rows.filter((r) => r.state === "streaming");
        if (streaming.length < this.members.length - 1) return undefined;
        if (this.settings.synchronousMode && !streaming.some((r) => r.sync_state === "sync")) return undefined;
        return leader;
      }, 250);
    } catch (e) {
      const logs = this.members.map((m) => `--- patroni-${m.name}\n${tail(path.join(this.sup.logDir, `patroni-${m.name}.log`), 8)}`).join("\n");
      throw new Error(`${(e as Error).message}\n${logs}`);
    }
  }

  /** One-shot query as the superuser on a member. */
  async query(name: string, sql: string, params: unknown[] = [], database = "postgres"): Promise<Record<string, unknown>[]> {
    const c = new Client({ host: "127.0.0.1", port: this.member(name).port, user: "postgres", database, connectionTimeoutMillis: 2000, query_timeout: 20000 });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows;
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  /** Change the dynamic config through Patroni's REST API (it lives in etcd after bootstrap). */
  async patchConfig(name: string, patch: Record<string, unknown>): Promise<void> {
    const r = await this.rest(name, "/config", { method: "PATCH", body: JSON.stringify(patch), headers: { "content-type": "application/json" } }, 5000);
    if (!r.ok) throw new Error(`PATCH /config on ${name} failed: ${r.status} ${await r.text()}`);
  }

  /** Wait until the member streams from the leader again (pg_stat_replication on the leader). */
  async waitStreaming(leader: string, member: string, timeoutMs: number): Promise<void> {
    await waitFor(`${member} to stream from ${leader}`, timeoutMs, async () => {
      const rows = await this.query(leader, "select state from pg_stat_replication where application_name = $1", [member]);
      return rows.some((r) => r.state === "streaming");
    }, 200);
  }

  async stop(): Promise<void> {
    // Patroni stops its PostgreSQL on SIGTERM. All at once: a failover during teardown is harmless
    // and stopping them one by one (each waits for its shutdown checkpoint) took 30+ s.
    await Promise.all(this.members.map((m) => this.sup.stop(`patroni-${m.name}`, 20000)));
    await this.stopEtcd();
    await this.s3.stop();
    await sleep(0);
  }
}
