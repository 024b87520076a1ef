import * as path from "node:path";
import Redis from "ioredis";
import { MASTER_NAME } from "../../contract/redis";
import { renderRedisConf } from "../../components/redis/render/redis-conf";
import { renderSentinelConf } from "../../components/redis/render/sentinel-conf";
import type { RedisSettings } from "../../dr/settings/types";
import { PORTS } from "../ports";
import { portOpen, waitFor } from "../runtime/procfs";
import { Supervisor, tail } from "../runtime/supervisor";
import { infoFields } from "../../runbooks/executors/sentinel";

/** The start scripts the pods run, run here as they are. */
const SCRIPTS = path.resolve(__dirname, "../../components/redis/scripts");

/**
 * Three redis-server and three redis-sentinel processes on loopback, configured by the Redis tier's
 * renderers and started through its scripts: role-discovery.sh decides each node's role from the
 * Sentinels, sentinel-start.sh builds each Sentinel's writable config.
 */
export class RedisSet {
  readonly password = "drill-redis-pass";
  readonly sentinelPassword = "drill-sentinel-pass";
  readonly nodes = [0, 1, 2];
  readonly sentinelIds = [0, 1, 2];
  private readonly base: string;

  constructor(
    private readonly sup: Supervisor,
    readonly settings: RedisSettings,
  ) {
    this.base = sup.mkdir("redis");
    sup.writeFile("redis/redis-password", this.password);
    sup.writeFile("redis/sentinel-password", this.sentinelPassword);
    for (const i of this.nodes) {
      const data = sup.mkdir(`redis/node-${i}/data`);
      sup.writeFile(`redis/node-${i}/redis.src.conf`, renderRedisConf(settings, { port: this.nodePort(i), bind: "127.0.0.1", dir: data }), 0o644);
    }
    for (const j of this.sentinelIds) {
      const d = sup.mkdir(`redis/sentinel-${j}`);
      sup.writeFile(
        `redis/sentinel-${j}/sentinel.src.conf`,
        renderSentinelConf(settings, { primaryHost: "127.0.0.1", primaryPort: this.nodePort(0), port: this.sentinelPort(j), bind: "127.0.0.1", dir: d }),
        0o644,
      );
    }
  }

  nodePort(i: number): number {
    return PORTS.redis + i;
  }

  sentinelPort(j: number): number {
    return PORTS.sentinel + j;
  }

  get sentinelAddresses(): string {
    return this.sentinelIds.map((j) => `127.0.0.1:${this.sentinelPort(j)}`).join(",");
  }

  nodeOfPort(port: number): number | undefined {
    return this.nodes.find((i) => this.nodePort(i) === port);
  }

  async start(onPhase: (p: string) => void = () => undefined): Promise<void> {
    for (const p of [...this.nodes.map((i) => this.nodePort(i)), ...this.sentinelIds.map((j) => this.sentinelPort(j))]) {
      if (await portOpen(p)) throw new Error(`port ${p} on 127.0.0.1 is already in use: another drill or server is running; stop it first`);
    }
    onPhase("starting 3 Sentinels (sentinel-start.sh)");
    for (const j of this.sentinelIds) await this.startSentinel(j);
    await Promise.all(this.sentinelIds.map((j) => waitFor(`sentinel ${j} to listen`, 15000, () => portOpen(this.sentinelPort(j)))));
    onPhase("starting 3 Redis nodes (role-discovery.sh)");
    await this.startNode(0);
    await waitFor("redis node 0 to start as the first primary", 60000, () => portOpen(this.nodePort(0)), 200);
    for (const i of this.nodes.slice(1)) await this.startNode(i);
    await this.waitHealthy(90000);
  }

  private async startSentinel(j: number): Promise<void> {
    const d = path.join(this.base, `sentinel-${j}`);
    await this.sup.start(`sentinel-${j}`, "/bin/sh", [path.join(SCRIPTS, "sentinel-start.sh")], {
      env: {
        SENTINEL_CONF_SOURCE: path.join(d, "sentinel.src.conf"),
        SENTINEL_CONF: path.join(d, "sentinel.conf"),
        REDIS_PASSWORD_FILE: path.join(this.base, "redis-password"),
        SENTINEL_PASSWORD_FILE: path.join(this.base, "sentinel-password"),
        ANNOUNCE_HOST: "127.0.0.1",
        SENTINELS: this.sentinelAddresses,
      },
    });
  }

  /** Start node i through role-discovery.sh, as a pod (re)start does. */
  async startNode(i: number): Promise<void> {
    const d = path.join(this.base, `node-${i}`);
    await this.sup.start(`redis-${i}`, "/bin/sh", [path.join(SCRIPTS, "role-discovery.sh")], {
      env: {
        REDIS_CONF_SOURCE: path.join(d, "redis.src.conf"),
        REDIS_CONF: path.join(d, "redis.conf"),
        REDIS_PASSWORD_FILE: path.join(this.base, "redis-password"),
        SENTINEL_PASSWORD_FILE: path.join(this.base, "sentinel-password"),
        SENTINELS: this.sentinelAddresses,
        ANNOUNCE_HOST: "127.0.0.1",
        ANNOUNCE_PORT: String(this.nodePort(i)),
        ORDINAL: String(i),
        DISCOVERY_TIMEOUT_SECONDS: "120",
      },
    });
  }

  /** The script execs redis-server, so the supervised PID is the server itself. */
  async killNode(i: number): Promise<void> {
    const p = this.sup.get(`redis-${i}`);
    await this.sup.killHard([p.pid]);
    await this.sup.reap(`redis-${i}`);
  }

  sentinelClient(j: number): Redis {
    return new Redis({ host: "127.0.0.1", port: this.sentinelPort(j), password: this.sentinelPassword, lazyConnect: true, connectTimeout: 1000, commandTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  }

  nodeClient(i: number): Redis {
    return new Redis({ host: "127.0.0.1", port: this.nodePort(i), password: this.password, lazyConnect: true, connectTimeout: 1000, commandTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  }

  /** One-shot command against a node or a Sentinel. */
  async command(kind: "node" | "sentinel", idx: number, cmd: string, ...args: (string | number)[]): Promise<unknown> {
    const c = kind === "node" ? this.nodeClient(idx) : this.sentinelClient(idx);
    c.on("error", () => undefined);
    try {
      await c.connect();
      return await c.call(cmd, ...args);
    } finally {
      c.disconnect();
    }
  }

  /** The primary the Sentinels agree on (a majority answering the same address). */
  async primary(): Promise<number | undefined> {
    const answers = await Promise.all(
      this.sentinelIds.map(async (j) => {
        try {
          const r = (await this.command("sentinel", j, "SENTINEL", "get-master-addr-by-name", MASTER_NAME)) as string[] | null;
          return r ? Number(r[1]) : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    const counts = new Map<number, number>();
    for (const a of answers) if (a !== undefined) counts.set(a, (counts.get(a) ?? 0) + 1);
    for (const [port, n] of counts) if (n >= 2) return this.nodeOfPort(port);
    return undefined;
  }

  async role(i: number): Promise<string | undefined> {
    try {
      const r = (await this.command("node", i, "ROLE")) as unknown[];
      return String(r[0]);
    } catch {
      return undefined;
    }
  }

  async info(i: number, section: string): Promise<Record<string, string>> {
    return infoFields(String(await this.command("node", i, "INFO", section)));
  }

  /** A primary with its replicas linked and counted as good (min-replicas-to-write), seen by every Sentinel. */
  async waitHealthy(timeoutMs: number, replicas = 2): Promise<number> {
    try {
      return await waitFor(`a Redis primary with ${replicas} linked replicas known to all Sentinels`, timeoutMs, async () => {
        const p = await this.primary();
        if (p === undefined) return undefined;
        const info = await this.info(p, "replication");
        if (info.role !== "master" || Number(info.connected_slaves) < replicas) return undefined;
        if (this.settings.minReplicasToWrite > 0 && Number(info.min_slaves_good_slaves ?? 0) < Math.min(replicas, this.settings.minReplicasToWrite)) return undefined;
        for (const j of this.sentinelIds) {
          const m = (await this.command("sentinel", j, "SENTINEL", "master", MASTER_NAME)) as string[];
          const rec = Object.fromEntries(m.reduce<[string, string][]>((acc, v, k) => (k % 2 ? acc : [...acc, [v, m[k + 1]]]), []));
          if (Number(rec["num-slaves"]) < replicas || Number(rec["num-other-sentinels"]) < this.sentinelIds.length - 1) return undefined;
        }
        return p;
      }, 250);
    } catch (e) {
      const logs = this.nodes.map((i) => `--- redis-${i}\n${tail(path.join(this.sup.logDir, `redis-${i}.log`), 6)}`).join("\n");
      throw new Error(`${(e as Error).message}\n${logs}`);
    }
  }

  async stop(): Promise<void> {
    for (const i of this.nodes) await this.sup.stop(`redis-${i}`, 5000);
    for (const j of this.sentinelIds) await this.sup.stop(`sentinel-${j}`, 5000);
  }
}
