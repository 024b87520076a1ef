import type { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import type { LocalTopology } from "../../runbooks/executors/local/topology";
import type { RunbookTargets } from "../../contract/runbooks";
import { standbyClusterName } from "../../contract/postgres";
import { alive, killPid, serverDir, serverFile, startServer, stopPid } from "../processes";
import { childrenOf, waitFor } from "../runtime/procfs";

export const PG_BIN = "/usr/lib/postgresql/15/bin";

/**
 * Ports of a two-region topology from its base (this helper's range is 23500-23999, below the
 * ephemeral range); two topologies with bases 50 apart can run side by side (parallel jest workers).
 */
export function regionPorts(base: number) {
  return {
    primary: { etcdClient: base, etcdPeer: base + 1, rest: base + 20, postgres: base + 30 },
    dr: { etcdClient: base + 10, etcdPeer: base + 11, rest: base + 21, postgres: base + 31 },
  };
}
export type RegionPorts = ReturnType<typeof regionPorts>;

const SUPERUSER = { user: "postgres", password: "local-drill-super" };
const REPLICATION = { user: "replicator", password: "local-drill-repl" };

export interface RegionProcs {
  etcd: ChildProcess;
  members: Array<{ name: string; patroni: ChildProcess; dataDir: string; rest: number; postgres: number }>;
}

/** Member i of a region: the primary region's members take every other port (23720, 23722, ...), the DR member the odd ones. */
export function memberPorts(ports: RegionPorts, role: "primary" | "dr", i: number): { rest: number; postgres: number } {
  const p = ports[role];
  return { rest: p.rest + 2 * i, postgres: p.postgres + 2 * i };
}

export interface TwoRegionTopology {
  dir: string;
  ports: RegionPorts;
  primaryCluster: string;
  drCluster: string;
  regions: { primary: RegionProcs; dr: RegionProcs };
  /** The local executor's view; the endpoint record lives in `dir`. */
  topology: LocalTopology;
  /** Region loss of the database tier: SIGKILL the region's Patroni, postmaster and backends (and its etcd when asked). */
  killRegion(region: "primary" | "dr", opts?: { etcd?: boolean }): void;
  stop(): Promise<void>;
}

function etcd(dir: string, name: string, client: number, peer: number, log: string): ChildProcess {
  const data = serverDir(path.join(dir, `etcd-${name}`));
  return startServer(
    "etcd",
    [
      "--name", name,
      "--data-dir", data,
      "--listen-client-urls", `http://127.0.0.1:${client}`,
      "--advertise-client-urls", `http://127.0.0.1:${client}`,
      "--listen-peer-urls", `http://127.0.0.1:${peer}`,
      "--initial-advertise-peer-urls", `http://127.0.0.1:${peer}`,
      "--initial-cluster", `${name}=http://127.0.0.1:${peer}`,
      "--initial-cluster-state", "new",
      "--initial-cluster-token", `runbook-${name}`,
    ],
    log,
  );
}

/** patroni.yml of one member; the DR member bootstraps as a standby cluster streaming from the primary. */
/**
 * Patroni's dynamic configuration (bootstrap.dcs) for a quick test: short timings, no archive
 * (Debian's Patroni 3.0.2 takes them as given). A drill passes the stack's rendered one instead
 * (drillDynamicConfig in patroni-cluster.ts).
 */
export const QUICK_DCS: Record<string, unknown> = {
  ttl: 10,
  loop_wait: 1,
  retry_timeout: 4,
  postgresql: { use_pg_rewind: false, use_slots: false, parameters: { wal_level: "replica", max_wal_senders: 5, wal_keep_size: "256MB", hot_standby: "on" } },
};

export function patroniConfig(opts: { scope: string; name: string; dir: string; rest: number; postgres: number; etcd: number; standbyOf?: number; dcs?: Record<string, unknown> }): string {
  const data = path.join(opts.dir, `data-${opts.name}`);
  const run = path.join(opts.dir, `run-${opts.name}`);
  const doc: Record<string, unknown> = {
    scope: opts.scope,
    namespace: "/service/",
    name: opts.name,
    restapi: { listen: `127.0.0.1:${opts.rest}`, connect_address: `127.0.0.1:${opts.rest}` },
    etcd3: { hosts: `127.0.0.1:${opts.etcd}` },
    log: { level: "INFO" },
    bootstrap: {
      dcs: {
        ...(opts.dcs ?? QUICK_DCS),
        ...(opts.standbyOf ? { standby_cluster: { host: "127.0.0.1", port: opts.standbyOf, create_replica_methods: ["basebackup"] } } : {}),
      },
      initdb: [{ encoding: "UTF8" }],
    },
    postgresql: {
      listen: `127.0.0.1:${opts.postgres}`,
      connect_address: `127.0.0.1:${opts.postgres}`,
      data_dir: data,
      bin_dir: PG_BIN,
      pgpass: path.join(run, "pgpass"),
      authentication: {
        superuser: { username: SUPERUSER.user, password: SUPERUSER.password },
        replication: { username: REPLICATION.user, password: REPLICATION.password },
      },
      pg_hba: ["local all all trust", "host replication replicator 127.0.0.1/32 scram-sha-256", "host all all 127.0.0.1/32 scram-sha-256"],
      parameters: { unix_socket_directories: run },
    },
    watchdog: { mode: "off" },
  };
  return YAML.stringify(doc);
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return undefined;
  }
}

/**
 * Two "regions" on loopback, each with its own etcd and a one-member Patroni cluster: the primary
 * cluster, and a standby cluster in the DR region streaming from it (Patroni standby_cluster, the
 * same mechanism the operator's spec.standby configures). Started fresh; `stop()` ends everything by PID.
 */
export async function startTwoRegions(opts: { primaryCluster: string; drCluster: string; primaryMembers?: number; basePort: number; dcs?: Record<string, unknown> }): Promise<TwoRegionTopology> {
  const ports = regionPorts(opts.basePort);
  const dir = serverDir(fs.mkdtempSync(path.join(os.tmpdir(), "runbook-regions-")), 0o755);
  const started: ChildProcess[] = [];
  const dataDirs: string[] = [];
  const region = (role: "primary" | "dr", count: number): RegionProcs => {
    const p = ports[role];
    const rdir = serverDir(path.join(dir, role), 0o755);
    const e = etcd(rdir, `etcd-${role}`, p.etcdClient, p.etcdPeer, path.join(rdir, "etcd.log"));
    started.push(e);
    const members = Array.from({ length: count }, (_, i) => {
      const name = `${role === "primary" ? "pg-a" : "pg-b"}${i}`;
      const mp = memberPorts(ports, role, i);
      serverDir(path.join(rdir, `run-${name}`));
      const conf = serverFile(
        path.join(rdir, `${name}.yml`),
        patroniConfig({ scope: role === "primary" ? opts.primaryCluster : opts.drCluster, name, dir: rdir, rest: mp.rest, postgres: mp.postgres, etcd: p.etcdClient, ...(opts.dcs ? { dcs: opts.dcs } : {}), ...(role === "dr" ? { standbyOf: ports.primary.postgres } : {}) }),
      );
      const patroni = startServer("patroni", [conf], path.join(rdir, `${name}-patroni.log`));
      started.push(patroni);
      const dataDir = path.join(rdir, `data-${name}`);
      dataDirs.push(dataDir);
      return { name, patroni, dataDir, ...mp };
    });
    return { etcd: e, members };
  };
  const stop = async () => {
    for (const d of dataDirs) {
      const pm = postmasterPid(d);
      if (pm && alive(pm)) for (const c of childrenOf(pm)) killPid(c, "SIGKILL");
      if (pm) killPid(pm, "SIGKILL");
    }
    await Promise.all(started.map((c) => stopPid(c.pid, 3000)));
    for (const d of dataDirs) {
      const pm = postmasterPid(d);
      if (pm && alive(pm)) killPid(pm, "SIGKILL");
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const primary = region("primary", opts.primaryMembers ?? 1);
    const urls = (r: RegionProcs, p: string) => r.members.map((m) => `http://127.0.0.1:${m.rest}${p}`);
    await waitFor("the primary cluster's leader and streaming replicas", 90_000, async () => {
      const c = (await (await fetch(`${urls(primary, "")[0]}/cluster`)).json()) as { members?: Array<{ role: string; state: string }> };
      const ms = c.members ?? [];
      return ms.length === primary.members.length && ms.some((m) => m.role === "leader" && m.state === "running") && ms.every((m) => m.state === "running" || m.state === "streaming") ? true : undefined;
    });
    const dr = region("dr", 1);
    await waitFor("the DR standby leader streaming from the primary", 90_000, async () => {
      const r = (await (await fetch(`${urls(dr, "")[0]}/patroni`)).json()) as { role?: string; state?: string };
      return r.role === "standby_leader" && r.state === "running" ? true : undefined;
    });
    const topology: LocalTopology = {
      postgres: {
        clusters: { [opts.primaryCluster]: { restUrls: urls(primary, "") }, [opts.drCluster]: { restUrls: urls(dr, "") } },
        superuser: SUPERUSER,
        database: "postgres",
        binDir: PG_BIN,
      },
      endpoint: { recordFile: path.join(dir, "endpoint.json"), healthUrls: { primary: urls(primary, "/primary"), dr: urls(dr, "/primary") } },
    };
    return {
      dir,
      ports,
      primaryCluster: opts.primaryCluster,
      drCluster: opts.drCluster,
      regions: { primary, dr },
      topology,
      killRegion(role, killOpts = {}) {
        const r = role === "primary" ? primary : dr;
        for (const m of r.members) {
          const pm = postmasterPid(m.dataDir);
          killPid(m.patroni.pid, "SIGKILL");
          if (pm) {
            for (const c of childrenOf(pm)) killPid(c, "SIGKILL");
            killPid(pm, "SIGKILL");
          }
        }
        if (killOpts.etcd) killPid(r.etcd.pid, "SIGKILL");
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The local two regions' clusters: named as the stack names them (the DR standby by standbyClusterName). */
export const LOCAL_CLUSTERS = { primary: "agent-pg-local", dr: standbyClusterName("agent-pg-local") } as const;

/** Runbook targets for the local two regions: what targetsFromConfig gives a stack, for LOCAL_CLUSTERS. */
export function localRegionTargets(extra: Partial<RunbookTargets> = {}): RunbookTargets {
  return {
    stack: "local",
    environment: "prod",
    regions: { primary: "local-a", dr: "local-b" },
    namespaces: { primary: "local", dr: "local" },
    contexts: {},
    postgres: { cluster: LOCAL_CLUSTERS.primary, standbyCluster: LOCAL_CLUSTERS.dr, poolerSuffix: "-pooler" },
    ...extra,
  };
}
