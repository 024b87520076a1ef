/**
 * The whole probe (`runProbe`) against a real PostgreSQL 15 on loopback (password auth for the
 * class owner, as through the pooler) and s3rver for the reports: the server crashes
 * (`pg_ctl stop -m immediate`) and comes back 3 s later; the probe's write gap is checked against an
 * independent client, its read-back against the table, its report against what landed in the
 * bucket (the SSE-KMS headers are checked in test/unit/probe-model.test.ts and the IAM matrix; s3rver ignores them). Ports: AGENT_DR_DRILL_PORT_BASE (default 23900) + 60..62. Wall time about 20 s.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { spawnSync } from "child_process";
import { spawnAsServerUser, stdoutOrThrow } from "../../testbed/server-user";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { PROBE_METRICS, PROBE_REPORT_PREFIX, PROBE_TABLE, probePostgresPasswordEnv, type ProbeConfig, type ProbeMeasurement } from "../../contract/probe";
import { runProbe } from "../../probe/run";
import { probeRtoToleranceSeconds } from "../../drills/probe-beside";
import { testPortBase } from "../../testbed/ports";

const S3rver = require("s3rver");

const PG_BIN = "/usr/lib/postgresql/15/bin";
const BASE = testPortBase(23900);
const PG_PORT = BASE + 60;
const S3_PORT = BASE + 61;
const METRICS_PORT = BASE + 62;
const INTERVAL_MS = 100;
const BUCKET = "agent-dr-staging-backups-test";
const KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/probe-test";
const OWNER = "conversations_owner";
const PASSWORD = `p${Math.random().toString(36).slice(2)}`;
const asRoot = process.getuid?.() === 0;

let work: string;
let pgData: string;
let sock: string;
let s3: any;
let pgStarted = false;

const asPgUser = spawnAsServerUser;
const must = stdoutOrThrow;

const pgStart = () => must(asPgUser(`${PG_BIN}/pg_ctl`, ["-D", pgData, "-l", path.join(work, "pg.log"), "-w", "-o", `-c listen_addresses=127.0.0.1 -p ${PG_PORT} -k ${sock}`, "start"]), "pg_ctl start");

async function superQuery(sql: string, db = "postgres"): Promise<any[]> {
  const c = new Client({ host: sock, port: PG_PORT, user: "postgres", database: db });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "agent-dr-probe-pg-"));
  pgData = path.join(work, "pgdata");
  sock = path.join(work, "run");
  fs.mkdirSync(pgData);
  fs.mkdirSync(sock);
  if (asRoot) must(spawnSync("chown", ["-R", "agentdr:agentdr", work], { encoding: "utf8" }), "chown");
  // Local socket trusted for the test's own setup; TCP (the probe's way in) needs the owner's password.
  must(asPgUser(`${PG_BIN}/initdb`, ["-D", pgData, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"]), "initdb");
  pgStart();
  pgStarted = true;
  await superQuery(`create role ${OWNER} login password '${PASSWORD}'`);
  await superQuery(`create database conversations owner ${OWNER}`);
  s3 = new S3rver({ address: "127.0.0.1", port: S3_PORT, silent: true, directory: path.join(work, "s3"), configureBuckets: [{ name: BUCKET }] });
  await s3.run();
}, 60_000);

afterAll(async () => {
  if (s3) await s3.close();
  if (pgStarted) asPgUser(`${PG_BIN}/pg_ctl`, ["-D", pgData, "-m", "immediate", "-w", "stop"]);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const sample = (text: string, name: string, labels: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").pop()) : undefined;
};

test("a PostgreSQL crash and restart: the probe's write gap agrees with an independent client, nothing acknowledged is lost, the report lands under its prefix", async () => {
  const config: ProbeConfig = {
    environment: "staging",
    region: "us-east-1",
    writeIntervalMs: INTERVAL_MS,
    classes: [{ class: "conversation_history", store: "postgres", endpoint: { host: "127.0.0.1", port: PG_PORT, database: "conversations", user: OWNER }, scenarios: { "instance-loss": { targetRtoSeconds: 900, targetRpoSeconds: 60, predictedRtoSeconds: 87.5, predictedRpoSeconds: 60 } } }],
    faults: [{ fault: "postgres-leader-kill", schedule: "* * * * *", durationSeconds: 60 }],
    reportBucket: BUCKET,
    reportKmsKeyArn: KEY_ARN,
  };
  // s3rver stands in for S3: the client is the probe's, only the endpoint differs.
  const s3Client = new S3Client({ region: "us-east-1", endpoint: `http://127.0.0.1:${S3_PORT}`, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
  const logs: string[] = [];
  const stop = new AbortController();
  const running = runProbe(config, { env: { [probePostgresPasswordEnv("conversation_history")]: PASSWORD }, listen: { host: "127.0.0.1", port: METRICS_PORT }, log: (l) => logs.push(l), s3: s3Client, checkIntervalMs: 200, settleMs: 1000 }, stop.signal);
  const labels = 'class="conversation_history",scenario="instance-loss",store="postgres"';
  const scrape = async () => (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`).catch(() => undefined))?.text() ?? "";
  try {
    let until = Date.now() + 20_000;
    while ((sample(await scrape(), PROBE_METRICS.writesTotal, 'class="conversation_history",outcome="ok",store="postgres"') ?? 0) < 20) {
      if (Date.now() > until) throw new Error(`no acknowledged canary writes: ${logs.join("\n")}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const killedAt = Date.now();
    must(asPgUser(`${PG_BIN}/pg_ctl`, ["-D", pgData, "-m", "immediate", "-w", "stop"]), "pg_ctl stop");
    await new Promise((r) => setTimeout(r, 3000));
    pgStart();
    // Independent of the probe: a fresh connection and an INSERT of its own every 20 ms until one commits.
    let writableAt: number | undefined;
    until = Date.now() + 60_000;
    while (writableAt === undefined && Date.now() < until) {
      const c = new Client({ host: "127.0.0.1", port: PG_PORT, user: OWNER, password: PASSWORD, database: "conversations", connectionTimeoutMillis: 1000 });
      c.on("error", () => undefined);
      try {
        await c.connect();
        await c.query("create table if not exists observer (at timestamptz default now())");
        await c.query("insert into observer default values");
        writableAt = Date.now();
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      } finally {
        await c.end().catch(() => undefined);
      }
    }
    expect(writableAt).toBeDefined();
    const independentRto = ((writableAt as number) - killedAt) / 1000;

    until = Date.now() + 30_000;
    let rto: number | undefined;
    while ((rto = sample(await scrape(), PROBE_METRICS.measuredRtoSeconds, labels)) === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(rto).toBeDefined();
    const m = JSON.parse(logs.find((l) => l.startsWith("{")) as string) as ProbeMeasurement;
    console.log(`probe RTO ${rto} s, independent ${independentRto.toFixed(3)} s, lost ${m.lostAcknowledgedWrites} of ${m.acknowledgedWrites}`);
    expect(m).toMatchObject({ class: "conversation_history", store: "postgres", scenario: "instance-loss", fault: "postgres-leader-kill", measuredRtoSeconds: rto, predictedRtoSeconds: 87.5 });
    // The observer polls every 20 ms from the restart on; the probe writes every 100 ms: within the drills' tolerance.
    expect(Math.abs((rto as number) - independentRto)).toBeLessThanOrEqual(probeRtoToleranceSeconds(INTERVAL_MS));
    // A crash of a server that fsyncs its commits loses no acknowledged write, and the table agrees.
    expect(m.lostAcknowledgedWrites).toBe(0);
    const rows = await superQuery(`select count(*)::int as n from ${PROBE_TABLE}`, "conversations");
    expect(rows[0].n).toBeGreaterThanOrEqual(m.acknowledgedWrites);

    // The report: under recovery-probe/staging/, the measurement itself.
    until = Date.now() + 10_000;
    let keys: string[] = [];
    while (keys.length === 0 && Date.now() < until) {
      keys = ((await s3Client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PROBE_REPORT_PREFIX}staging/` }))).Contents ?? []).map((o) => o.Key as string);
      if (keys.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(keys).toEqual([`${PROBE_REPORT_PREFIX}staging/${m.recoveredAt}-conversation_history-instance-loss.json`]);
    const body = await (await s3Client.send(new GetObjectCommand({ Bucket: BUCKET, Key: keys[0] }))).Body!.transformToString();
    expect(JSON.parse(body)).toEqual(m);
  } finally {
    stop.abort();
    await running;
  }
}, 120_000);
