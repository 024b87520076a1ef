import type { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { MASTER_NAME } from "../../contract/redis";
import { serverDir, serverFile, startServer, stopPid } from "../processes";
import { waitFor } from "../runtime/procfs";

export interface LocalRedisSet {
  dir: string;
  master: string;
  redisPorts: number[];
  sentinelPorts: number[];
  processes: Map<number, ChildProcess>;
  stop(): Promise<void>;
}

/**
 * A Redis primary with replicas and three Sentinels on loopback (drills.md section 4 configs),
 * started fresh in a temp dir. `stop()` ends every process by its PID.
 */
export async function startRedisSet(opts: { basePort: number; replicas?: number; downAfterMs?: number; master?: string }): Promise<LocalRedisSet> {
  const master = opts.master ?? MASTER_NAME;
  const replicas = opts.replicas ?? 2;
  const dir = serverDir(fs.mkdtempSync(path.join(os.tmpdir(), "runbook-redis-")), 0o755);
  const redisPorts = Array.from({ length: replicas + 1 }, (_, i) => opts.basePort + i);
  const sentinelPorts = [0, 1, 2].map((i) => opts.basePort + 10 + i);
  const processes = new Map<number, ChildProcess>();
  const set: LocalRedisSet = {
    dir,
    master,
    redisPorts,
    sentinelPorts,
    processes,
    async stop() {
      await Promise.all([...processes.values()].map((p) => stopPid(p.pid)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const port of redisPorts) {
      const d = serverDir(path.join(dir, `r${port}`));
      const conf = [`port ${port}`, "bind 127.0.0.1", `dir ${d}`, "appendonly yes", "appendfsync everysec", "save \"\""];
      if (port !== redisPorts[0]) conf.push(`replicaof 127.0.0.1 ${redisPorts[0]}`);
      const file = serverFile(path.join(d, "redis.conf"), conf.join("\n") + "\n");
      processes.set(port, startServer("redis-server", [file], path.join(d, "redis.log")));
    }
    await waitFor("replicas attached", 10_000, async () => {
      const info = await once(redisPorts[0], (c) => c.info("replication"));
      return Number(/connected_slaves:(\d+)/.exec(info)?.[1]) === replicas ? true : undefined;
    });
    for (const port of sentinelPorts) {
      const d = serverDir(path.join(dir, `s${port}`));
      const conf = [
        `port ${port}`,
        "bind 127.0.0.1",
        `dir ${d}`,
        `sentinel monitor ${master} 127.0.0.1 ${redisPorts[0]} 2`,
        `sentinel down-after-milliseconds ${master} ${opts.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${master} 10000`,
      ];
      const file = serverFile(path.join(d, "sentinel.conf"), conf.join("\n") + "\n");
      processes.set(port, startServer("redis-sentinel", [file], path.join(d, "sentinel.log")));
    }
    await waitFor("Sentinels to see each other and the replicas", 15_000, async () => {
      for (const port of sentinelPorts) {
        const m = (await once(port, (c) => c.call("SENTINEL", "master", master))) as string[];
        const f = (k: string) => Number(m[m.indexOf(k) + 1]);
        if (f("num-other-sentinels") !== 2 || f("num-slaves") !== replicas) return undefined;
      }
      return true;
    });
    return set;
  } catch (e) {
    await set.stop();
    throw e;
  }
}

async function once<T>(port: number, fn: (c: Redis) => Promise<T>): Promise<T> {
  const c = new Redis({ host: "127.0.0.1", port, lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on("error", () => undefined);
  try {
    await c.connect();
    return await fn(c);
  } finally {
    c.disconnect();
  }
}
