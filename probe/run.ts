import { S3Client } from "@aws-sdk/client-s3";
import { Client } from "pg";
import Redis from "ioredis";
import { setTimeout as sleep } from "node:timers/promises";
import { PROBE_ENV, PROBE_KEY_PREFIX, PROBE_KEY_TTL_SECONDS, PROBE_METRICS, PROBE_TABLE, probePostgresPasswordEnv, type ProbeClassConfig, type ProbeConfig, type ProbeMeasurement } from "../contract/probe";
import type { Writer } from "./attempt";
import { ClassProbe } from "./class-probe";
import { serveProbe } from "./http";
import { ProbeMetrics } from "./metrics";
import { expireRowsSql, PgWriter, presentRowIds, sequencedTableDdl } from "./postgres-writer";
import { presentKeyIds, RedisWriter } from "./redis-writer";
import { writeReport } from "./s3-report";

export interface ProbeRuntime {
  env: NodeJS.ProcessEnv;
  listen: { host: string; port: number };
  log: (line: string) => void;
  /** Absent: no S3 client (reports only in the log). */
  s3?: S3Client;
  /** ms between checks for ended outages. */
  checkIntervalMs?: number;
  settleMs?: number;
  lookbackMs?: number;
}

function secret(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`${name}: not set: the probe's Deployment fills it from a Secret`);
  return v;
}

/** Publish a measurement's gauges (labels class, scenario, store). */
export function recordMeasurement(metrics: ProbeMetrics, m: ProbeMeasurement, nowMs: number): void {
  const labels = { class: m.class, scenario: m.scenario, store: m.store };
  metrics.set(PROBE_METRICS.measuredRtoSeconds, labels, m.measuredRtoSeconds);
  metrics.set(PROBE_METRICS.measuredRpoSeconds, labels, m.measuredRpoSeconds);
  metrics.set(PROBE_METRICS.lostAcknowledgedWrites, labels, m.lostAcknowledgedWrites);
  metrics.set(PROBE_METRICS.lastMeasurementTimestamp, labels, nowMs / 1000);
}

/** The target and prediction gauges of every class and scenario in the config (absent where null). */
export function recordExpectations(metrics: ProbeMetrics, classes: ProbeClassConfig[]): void {
  for (const c of classes) {
    for (const [scenario, e] of Object.entries(c.scenarios)) {
      const labels = { class: c.class, scenario, store: c.store };
      const pairs: Array<[string, number | null]> = [
        [PROBE_METRICS.targetRtoSeconds, e.targetRtoSeconds],
        [PROBE_METRICS.targetRpoSeconds, e.targetRpoSeconds],
        [PROBE_METRICS.predictedRtoSeconds, e.predictedRtoSeconds],
        [PROBE_METRICS.predictedRpoSeconds, e.predictedRpoSeconds],
      ];
      for (const [name, v] of pairs) if (v !== null) metrics.set(name, labels, v);
    }
  }
}

/** A Postgres class's writer through the pooler, with its read-back, and the table created first. */
async function postgresProbe(c: ProbeClassConfig, config: ProbeConfig, rt: ProbeRuntime, run: string, epoch: number): Promise<{ writer: Writer; present: (ids: number[]) => Promise<Set<number>>; expire: () => Promise<void> }> {
  const { host, port, database } = c.endpoint;
  const user = c.endpoint.user ?? "";
  const password = secret(rt.env, probePostgresPasswordEnv(c.class));
  const connect = async () => {
    const client = new Client({ host, port, user, password, database, connectionTimeoutMillis: 5000, query_timeout: 15000 });
    client.on("error", () => undefined);
    await client.connect();
    return client;
  };
  // The store may be down when the probe starts: retry until the table exists.
  for (;;) {
    try {
      const client = await connect();
      await client.query(sequencedTableDdl(PROBE_TABLE)).finally(() => client.end().catch(() => undefined));
      break;
    } catch (e) {
      rt.log(`${c.class}: creating ${PROBE_TABLE}: ${(e as Error).message}; retrying`);
      await sleep(5000);
    }
  }
  const writer = new PgWriter({ table: PROBE_TABLE, database: database as string, user, password, run, epoch, intervalMs: config.writeIntervalMs, locate: async () => ({ member: `${host}:${port}`, host, port }) });
  const present = async (ids: number[]) => {
    const client = await connect();
    try {
      const all = await presentRowIds((sql, p) => client.query(sql, p).then((r) => r.rows), PROBE_TABLE, run, Math.min(...ids));
      return new Set(ids.filter((id) => all.has(id)));
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  // The canary table would otherwise grow by a row per interval for ever.
  const expire = async () => {
    const client = await connect();
    await client.query(expireRowsSql(PROBE_TABLE, 1)).finally(() => client.end().catch(() => undefined));
  };
  return { writer, present, expire };
}

function redisProbe(c: ProbeClassConfig, config: ProbeConfig, rt: ProbeRuntime, run: string, epoch: number): { writer: Writer; present: (ids: number[]) => Promise<Set<number>>; expire?: () => Promise<void> } {
  const writer = new RedisWriter({
    sentinels: [{ host: c.endpoint.host, port: c.endpoint.port }],
    masterName: c.endpoint.masterName as string,
    password: secret(rt.env, PROBE_ENV.redisPassword),
    sentinelPassword: rt.env[PROBE_ENV.sentinelPassword] || undefined,
    epoch,
    keyPrefix: `${PROBE_KEY_PREFIX}${c.class}:${run}:`,
    intervalMs: config.writeIntervalMs,
    ttlSeconds: PROBE_KEY_TTL_SECONDS,
  });
  return { writer, present: (ids) => presentKeyIds(writer.client as Redis, writer.keyPrefix, ids) };
}

/**
 * Run the probe until `signal` aborts: one writer per Postgres and Redis class, a check for ended
 * outages every second, each measurement logged, exported as gauges and written to the bucket.
 */
export async function runProbe(config: ProbeConfig, rt: ProbeRuntime, signal: AbortSignal): Promise<ProbeMeasurement[]> {
  const metrics = new ProbeMetrics();
  recordExpectations(metrics, config.classes);
  const server = await serveProbe(metrics, rt.listen.host, rt.listen.port);
  const epoch = Date.now();
  const run = `probe-${new Date(epoch).toISOString()}`;
  const lookbackMs = rt.lookbackMs ?? Math.min(600_000, (PROBE_KEY_TTL_SECONDS * 1000) / 4);
  const probes: ClassProbe[] = [];
  const counted = new Map<ClassProbe, number>();
  const expiries: Array<() => Promise<void>> = [];
  let lastExpiry = 0;
  const all: ProbeMeasurement[] = [];
  try {
    for (const c of config.classes) {
      if (c.store === "llm-gateway") continue; // the gateway's own drill measures it; no canary writes there
      const built = c.store === "postgres" ? await postgresProbe(c, config, rt, run, epoch) : redisProbe(c, config, rt, run, epoch);
      const probe = new ClassProbe({ cls: c, faults: config.faults, writer: built.writer, present: (acked) => built.present(acked.map((a) => a.id)), settleMs: rt.settleMs ?? 5000, lookbackMs });
      built.writer.start();
      if (built.expire) expiries.push(built.expire);
      probes.push(probe);
      counted.set(probe, 0);
      rt.log(`${c.class}: writing to ${c.store} ${c.endpoint.host}:${c.endpoint.port} every ${config.writeIntervalMs} ms`);
    }
    while (!signal.aborted) {
      await sleep(rt.checkIntervalMs ?? 1000, undefined, { signal }).catch(() => undefined);
      for (const p of probes) {
        const c = p.opts.cls;
        // Count new attempts by id (ids only grow; pruning removes only counted ones).
        const last = counted.get(p) as number;
        for (const a of p.opts.writer.attempts) if (a.id > last) metrics.inc(PROBE_METRICS.writesTotal, { class: c.class, store: c.store, outcome: a.ok ? "ok" : "error" });
        const tail = p.opts.writer.attempts.at(-1);
        if (tail) counted.set(p, Math.max(last, tail.id));
        let done: ProbeMeasurement[] = [];
        try {
          done = await p.check();
        } catch (e) {
          rt.log(`${c.class}: reading back acknowledged writes failed (${(e as Error).message}); will retry`);
        }
        for (const m of done) {
          all.push(m);
          recordMeasurement(metrics, m, Date.now());
          rt.log(JSON.stringify(m));
          if (config.reportBucket && config.reportKmsKeyArn && rt.s3) {
            await writeReport(rt.s3, config.reportBucket, config.reportKmsKeyArn, config.environment, m)
              .then((key) => rt.log(`report s3://${config.reportBucket}/${key}`))
              .catch((e) => rt.log(`report upload failed: ${(e as Error).message}`));
          }
        }
        p.prune();
      }
      if (Date.now() - lastExpiry > 3_600_000) {
        lastExpiry = Date.now();
        for (const expire of expiries) await expire().catch((e) => rt.log(`expiring old canaries failed: ${(e as Error).message}`));
      }
    }
  } finally {
    await Promise.all(probes.map((p) => p.opts.writer.stop()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return all;
}
