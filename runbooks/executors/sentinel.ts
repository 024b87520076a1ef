import Redis from "ioredis";
import { UNPLANNED_KILL_KEY, UNPLANNED_KILL_TTL_SECONDS } from "../../contract/redis";
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

export function split(addr: string): [string, number] {
  const i = addr.lastIndexOf(":");
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}

/** An INFO reply as its fields (`name:value` lines; section headers and blank lines left out). */
export function infoFields(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split(/\r?\n/)
      .filter((l) => l.includes(":") && !l.startsWith("#"))
      .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]),
  );
}

/** Online replicas in INFO replication's fields (`slaveN: ip=<host>,port=<port>,state=online,...`), as host:port. */
export function onlineReplicas(fields: Record<string, string>): string[] {
  return Object.entries(fields)
    .filter(([k]) => /^slave\d+$/.test(k))
    .map(([, v]) => Object.fromEntries(v.split(",").map((kv) => kv.split("=") as [string, string])))
    .filter((f) => f.state === "online")
    .map((f) => `${f.ip}:${f.port}`);
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
  let replicas: string[] = [];
  if (agree) {
    const [host, port] = split(primary);
    try {
      await withClient(host, port, a.password, async (c) => {
        const role = (await c.call("ROLE")) as unknown[];
        primaryRole = String(role[0]);
        const info = infoFields(await c.info("replication"));
        connectedReplicas = Number(info.connected_slaves ?? 0);
        replicas = onlineReplicas(info);
      });
    } catch (e) {
      primaryRole = `unreachable: ${(e as Error).message}`;
    }
  }
  return { primary, sentinelsReachable: answered.length, sentinelsAgree: agree, quorum, primaryRole, connectedReplicas, replicas };
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

/** One Sentinel's record of the monitored primary (SENTINEL MASTER), or why it gave none. */
export interface SentinelView {
  sentinel: string;
  /** host:port of the primary this Sentinel names. */
  primary?: string;
  /** The master's configured quorum. */
  quorum?: number;
  /** Sentinels this one knows, itself included (num-other-sentinels + 1). */
  known?: number;
  flags?: string[];
  downAfterMs?: number;
  error?: string;
}

/** Every Sentinel's SENTINEL MASTER record of `master`. */
export async function sentinelMasterViews(a: SentinelAccess, master: string): Promise<SentinelView[]> {
  return Promise.all(
    a.sentinels.map(async (s): Promise<SentinelView> => {
      const sentinel = `${s.host}:${s.port}`;
      try {
        const reply = (await withClient(s.host, s.port, a.sentinelPassword, (c) => c.call("SENTINEL", "master", master))) as string[];
        const f: Record<string, string> = {};
        for (let i = 0; i + 1 < reply.length; i += 2) f[reply[i]] = reply[i + 1];
        return {
          sentinel,
          primary: `${f.ip}:${f.port}`,
          quorum: Number(f.quorum),
          known: Number(f["num-other-sentinels"]) + 1,
          flags: (f.flags ?? "").split(","),
          downAfterMs: Number(f["down-after-milliseconds"]),
        };
      } catch (e) {
        return { sentinel, error: (e as Error).message };
      }
    }),
  );
}

/** The primary the Sentinels agree on, and what the agreement rests on. */
export interface SentinelAgreement {
  primary: string;
  /** Sentinels naming it, and how many were needed. */
  agreeing: number;
  required: number;
  /** Sentinels of the set (the most any of them knows, or the addresses asked). */
  configured: number;
  quorum: number;
  /** The Sentinels' down-after-milliseconds (the lowest, should they differ). */
  downAfterMs: number;
  detail: string;
}

/**
 * Which server the Sentinels name as primary, by quorum agreement: every Sentinel that answers
 * names the same server, and they are at least the master's quorum and a majority of the set
 * (what a failover needs: the quorum to agree it is down, a majority to authorise the one that
 * fails over); none already sees it down or is failing over. Throws, saying which rule failed.
 */
export function judgeAgreement(views: SentinelView[], master: string): SentinelAgreement {
  const answered = views.filter((v) => v.primary);
  const all = views.map((v) => `${v.sentinel}: ${v.primary ?? v.error}`).join("; ");
  if (answered.length === 0) throw new Error(`no Sentinel named a primary of ${master} (${all})`);
  const named = [...new Set(answered.map((v) => v.primary!))];
  if (named.length > 1) throw new Error(`the Sentinels disagree on the primary of ${master} (${all}); not killing while they do`);
  const primary = named[0];
  const configured = Math.max(views.length, ...answered.map((v) => v.known ?? 0));
  const quorum = Math.max(...answered.map((v) => v.quorum ?? 0));
  const required = Math.max(quorum, Math.floor(configured / 2) + 1);
  if (answered.length < required) {
    throw new Error(`only ${answered.length} of ${configured} Sentinels name ${primary} as the primary of ${master}; ${required} needed (quorum ${quorum}, and a majority to authorise a failover): not killing a primary they could not replace (${all})`);
  }
  const busy = answered.filter((v) => (v.flags ?? []).some((f) => f === "s_down" || f === "o_down" || f === "failover_in_progress"));
  if (busy.length > 0) throw new Error(`Sentinels already see ${primary} down or are failing over (${busy.map((v) => `${v.sentinel}: ${v.flags!.join(",")}`).join("; ")}); not killing`);
  const downAfterMs = Math.min(...answered.map((v) => v.downAfterMs ?? Infinity));
  return { primary, agreeing: answered.length, required, configured, quorum, downAfterMs, detail: `${answered.length} of ${configured} Sentinels name ${primary} (quorum ${quorum})` };
}

/** INFO <section> of the server at `address` as fields, or undefined when it does not answer. */
export async function serverInfo(a: SentinelAccess, address: string, section: string): Promise<Record<string, string> | undefined> {
  const [host, port] = split(address);
  try {
    return infoFields(await withClient(host, port, a.password, (c) => c.info(section)));
  } catch {
    return undefined;
  }
}

/** How long after the killed server is back as primary (Sentinels still naming it) the run stops waiting for a failover, beyond down-after. */
const RESUMED_GRACE_MS = 3000;
/** Sentinel pings every second: it can mark a server down at most this much sooner than down-after after the kill. */
const PING_PERIOD_MS = 1000;

const secs = (ms: number) => (ms / 1000).toFixed(1);

/**
 * The unplanned primary loss: the server the Sentinels agree on (judgeAgreement) and that answers
 * ROLE master is marked (UNPLANNED_KILL_KEY: its preStop hook hands nothing over) and killed by
 * `kill` (no hand-over), then this waits, sending no SENTINEL FAILOVER,
 * until the server is gone (no answer, or another run_id: restarted) and the Sentinels agree on
 * another primary that answers as one. Fails when the new primary was named sooner than
 * down-after allows (something handed over: not the unplanned path), or when the killed server
 * came back and resumed as primary and no failover followed (a restart beat Sentinel's detection).
 */
export async function killPrimaryAndAwaitFailover(
  a: SentinelAccess,
  master: string,
  kill: (address: string, signal: AbortSignal) => Promise<string>,
  signal: AbortSignal,
  sleep: (ms: number) => Promise<void>,
): Promise<string> {
  const agreed = judgeAgreement(await sentinelMasterViews(a, master), master);
  const target = agreed.primary;
  const before = await serverInfo(a, target, "server");
  const role = before ? await serverInfo(a, target, "replication") : undefined;
  if (!before || role?.role !== "master") throw new Error(`${agreed.detail}, but it answers ${role ? `role ${role.role}` : "nothing"}; not killing`);
  // The mark that keeps the server's own preStop hook from handing over (pre-stop.sh).
  const [host, port] = split(target);
  try {
    await withClient(host, port, a.password, (c) => c.set(UNPLANNED_KILL_KEY, target, "EX", UNPLANNED_KILL_TTL_SECONDS));
  } catch (e) {
    throw new Error(`${agreed.detail}, but it refused the kill mark ${UNPLANNED_KILL_KEY} (${(e as Error).message}); not killing a primary that takes no writes`);
  }
  const killedAt = Date.now();
  const how = await kill(target, signal);
  let goneMs: number | undefined;
  for (;;) {
    if (signal.aborted) throw signal.reason;
    if (goneMs === undefined) {
      const now = await serverInfo(a, target, "server");
      if (!now || now.run_id !== before.run_id) goneMs = Date.now() - killedAt;
    }
    if (goneMs !== undefined) {
      const s = await sentinelStatus(a, master);
      const elapsed = Date.now() - killedAt;
      if (s.sentinelsAgree && s.primary !== target && s.primaryRole === "master") {
        if (elapsed < agreed.downAfterMs - PING_PERIOD_MS) {
          throw new Error(
            `the Sentinels named ${s.primary} ${secs(elapsed)} s after the kill, sooner than down-after-milliseconds ${agreed.downAfterMs} lets them notice a dead primary: something handed over (a SENTINEL FAILOVER, e.g. the pod's preStop hook), so this run did not measure the unplanned failover`,
          );
        }
        // The mark replicated to the new primary; it names the killed server, so it is inert there, but it is ours to remove.
        const [newHost, newPort] = split(s.primary);
        await withClient(newHost, newPort, a.password, (c) => c.del(UNPLANNED_KILL_KEY)).catch(() => undefined);
        return `${agreed.detail}; ${how}; it stopped answering ${secs(goneMs)} s after the kill; the Sentinels failed over on their own (no SENTINEL FAILOVER sent) to ${s.primary} ${secs(elapsed)} s after the kill (down-after-milliseconds ${agreed.downAfterMs})`;
      }
      if (s.sentinelsAgree && s.primary === target && s.primaryRole === "master" && elapsed > agreed.downAfterMs + RESUMED_GRACE_MS) {
        throw new Error(
          `${target} came back and resumed as primary, and ${secs(elapsed)} s after the kill the Sentinels still name it (down-after-milliseconds ${agreed.downAfterMs}): its restart beat Sentinel's detection, no failover happened, so this run measured a restart, not the unplanned failover`,
        );
      }
    }
    await sleep(100);
  }
}
