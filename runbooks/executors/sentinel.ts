import Redis from "ioredis";
import type { RedisStatus } from "./types";

export interface SentinelAccess {
  sentinels: Array<{ host: string; port: number }>;
  /** Password of the Redis servers. */
  password?: string;
  /** Password of the Sentinels (the Redis tier's Secret keeps one per kind). */
  sentinelPassword?: string;
  /** Probe key written by the write probe (namespaced so it never collides with application keys). */
  probeKey?: string;
}

const CONNECT_MS = 1000;

function client(host: string, port: number, password?: string): Redis {
  return new Redis({ host, port, password, lazyConnect: true, connectTimeout: CONNECT_MS, commandTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
}

async function withClient<T>(host: string, port: number, password: string | undefined, fn: (c: Redis) => Promise<T>): Promise<T> {
  const c = client(host, port, password);
  c.on("error", () => undefined);
  try {
    await c.connect();
    return await fn(c);
  } finally {
    c.disconnect();
  }
}

/** Each reachable Sentinel's view of the primary, as host:port. */
async function sentinelViews(a: SentinelAccess, master: string): Promise<Array<{ sentinel: string; primary?: string; error?: string }>> {
  return Promise.all(
    a.sentinels.map(async (s) => {
      const name = `${s.host}:${s.port}`;
      try {
        const addr = (await withClient(s.host, s.port, a.sentinelPassword, (c) => c.call("SENTINEL", "get-master-addr-by-name", master))) as string[] | null;
        return addr ? { sentinel: name, primary: `${addr[0]}:${addr[1]}` } : { sentinel: name, error: `does not monitor ${master}` };
      } catch (e) {
        return { sentinel: name, error: (e as Error).message };
      }
    }),
  );
}

function split(addr: string): [string, number] {
  const i = addr.lastIndexOf(":");
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}

export async function sentinelStatus(a: SentinelAccess, master: string): Promise<RedisStatus> {
  const views = await sentinelViews(a, master);
  const answered = views.filter((v) => v.primary);
  const distinct = new Set(answered.map((v) => v.primary));
  const agree = answered.length > 0 && distinct.size === 1;
  const primary = agree ? answered[0].primary! : "";
  let quorum = { ok: false, message: views.map((v) => `${v.sentinel}: ${v.error ?? v.primary}`).join("; ") };
  for (const s of a.sentinels) {
    try {
      const msg = (await withClient(s.host, s.port, a.sentinelPassword, (c) => c.call("SENTINEL", "ckquorum", master))) as string;
      quorum = { ok: true, message: msg };
      break;
    } catch (e) {
      quorum = { ok: false, message: (e as Error).message };
      if (/NOQUORUM/.test(quorum.message)) break;
    }
  }
  let primaryRole = agree ? "" : `Sentinels disagree or none answered (${[...distinct].join(", ") || views.map((v) => v.error).join("; ")})`;
  let connectedReplicas = 0;
  if (agree) {
    const [host, port] = split(primary);
    try {
      await withClient(host, port, a.password, async (c) => {
        const role = (await c.call("ROLE")) as unknown[];
        primaryRole = String(role[0]);
        const info = await c.info("replication");
        connectedReplicas = Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0);
      });
    } catch (e) {
      primaryRole = `unreachable: ${(e as Error).message}`;
    }
  }
  return { primary, sentinelsReachable: answered.length, sentinelsAgree: agree, quorum, primaryRole, connectedReplicas };
}

/**
 * SENTINEL FAILOVER on the first Sentinel that accepts it, then wait (until the signal aborts)
 * for every reachable Sentinel to report one new primary that answers ROLE as master.
 */
export async function sentinelFailover(a: SentinelAccess, master: string, signal: AbortSignal, sleep: (ms: number) => Promise<void>): Promise<string> {
  const before = await sentinelStatus(a, master);
  const old = before.primary || (await sentinelViews(a, master)).find((v) => v.primary)?.primary;
  const errors: string[] = [];
  let asked: string | undefined;
  for (const s of a.sentinels) {
    try {
      await withClient(s.host, s.port, a.sentinelPassword, (c) => c.call("SENTINEL", "failover", master));
      asked = `${s.host}:${s.port}`;
      break;
    } catch (e) {
      const msg = (e as Error).message;
      // INPROG: a failover is already under way (Sentinel's own, typically); wait for it like ours.
      if (/INPROG/.test(msg)) {
        asked = `${s.host}:${s.port} (failover already in progress)`;
        break;
      }
      errors.push(`${s.host}:${s.port}: ${msg}`);
    }
  }
  if (!asked) throw new Error(`no Sentinel accepted SENTINEL FAILOVER ${master}: ${errors.join("; ")}`);
  for (;;) {
    if (signal.aborted) throw signal.reason;
    const now = await sentinelStatus(a, master);
    if (now.sentinelsAgree && now.primary !== old && now.primaryRole === "master") {
      return `asked ${asked}; primary ${old ?? "unknown"} -> ${now.primary}`;
    }
    await sleep(250);
  }
}

/** Write and read back a probe key on the primary Sentinel reports, as a client would after discovery. */
export async function sentinelWriteProbe(a: SentinelAccess, master: string): Promise<string> {
  const s = await sentinelStatus(a, master);
  if (!s.sentinelsAgree) throw new Error(`no agreed primary: ${s.primaryRole}`);
  const [host, port] = split(s.primary);
  const key = a.probeKey ?? "agent-dr:runbook-probe";
  const value = new Date().toISOString();
  await withClient(host, port, a.password, async (c) => {
    await c.set(key, value, "EX", 3600);
    const back = await c.get(key);
    if (back !== value) throw new Error(`probe read back ${JSON.stringify(back)}, expected ${JSON.stringify(value)}`);
  });
  return `wrote ${key} on ${s.primary}`;
}
