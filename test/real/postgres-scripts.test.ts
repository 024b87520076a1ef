/**
 * The logical backup and restore-verification scripts, run for real: PostgreSQL 15 on loopback
 * (port 21010, as the unprivileged user when the suite runs as root) and s3rver (port 21011) as the
 * S3 endpoint, the Debian AWS CLI as the client. The configure script creates the least-privileged
 * roles against the same server (Patroni's REST API stood in for on port 21012), and the dump runs
 * as the backup role, as the CronJob does. Wall time about 15-25 s.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { spawn, spawnSync } from "child_process";
import { spawnAsServerUser, stdoutOrThrow } from "../../testbed/server-user";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";

const S3rver = require("s3rver");

const PG_BIN = "/usr/lib/postgresql/15/bin";
const PG_PORT = 21010;
const S3_PORT = 21011;
const PATRONI_PORT = 21012;
/** The roles the configure Job creates (components/postgres/render/names.ts BACKUP_USER, EXPORTER_USER). */
const BACKUP_ROLE = "agent_dr_backup";
const EXPORTER_ROLE = "agent_dr_exporter";
const BUCKET = "agent-dr-backups-test";
const PREFIX = "logical-backups/agent-pg-test";
const SCRIPTS = path.resolve(__dirname, "../../components/postgres/scripts");
const asRoot = process.getuid?.() === 0;

let work: string;
let pgData: string;
let s3: any;
let pgStarted = false;
let patroni: http.Server | undefined;
/** Patroni dynamic-config PATCHes the stand-in received. */
const patroniPatches: string[] = [];

const asPgUser = spawnAsServerUser;
const must = stdoutOrThrow;

const s3Env = {
  AWS_ACCESS_KEY_ID: "S3RVER",
  AWS_SECRET_ACCESS_KEY: "S3RVER",
  AWS_REGION: "us-east-1",
  AWS_DEFAULT_REGION: "us-east-1",
  AWS_ENDPOINT_URL: `http://127.0.0.1:${S3_PORT}`,
  AWS_CLI: "/usr/bin/aws",
  BACKUP_BUCKET: BUCKET,
  BACKUP_PREFIX: PREFIX,
};

const pgEnv = { PGHOST: "127.0.0.1", PGPORT: String(PG_PORT), PGUSER: "postgres", PGSSLMODE: "disable", PGCONNECT_TIMEOUT: "5" };

interface ScriptResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Asynchronous on purpose: s3rver runs in this process and must keep answering while the script runs. */
function runScript(script: string, phase: string, env: Record<string, string>): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [path.join(SCRIPTS, script), phase], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, ...pgEnv, ...s3Env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const client = () => new S3Client({ endpoint: s3Env.AWS_ENDPOINT_URL, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });

async function listKeys(): Promise<string[]> {
  const out = await client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/` }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function query(db: string, sql: string): Promise<any[]> {
  const c = new Client({ host: "127.0.0.1", port: PG_PORT, user: "postgres", database: db });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

/** A stamp some minutes from now, so an object put with it is the newest. */
function futureStamp(minutes: number): string {
  return new Date(Date.now() + minutes * 60_000).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "agent-dr-pgscripts-"));
  pgData = path.join(work, "pgdata");
  const sock = path.join(work, "run");
  fs.mkdirSync(pgData);
  fs.mkdirSync(sock);
  if (asRoot) must(spawnSync("chown", ["-R", "agentdr:agentdr", work], { encoding: "utf8" }), "chown");
  must(asPgUser(`${PG_BIN}/initdb`, ["-D", pgData, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]), "initdb");
  must(
    asPgUser(`${PG_BIN}/pg_ctl`, ["-D", pgData, "-l", path.join(work, "pg.log"), "-w", "-o", `-c listen_addresses=127.0.0.1 -p ${PG_PORT} -k ${sock}`, "start"]),
    "pg_ctl start",
  );
  pgStarted = true;
  await query("postgres", "CREATE DATABASE conversations");
  await query("postgres", "CREATE DATABASE agent_config");
  await query(
    "conversations",
    `CREATE TABLE messages (id bigserial PRIMARY KEY, session text NOT NULL, body text NOT NULL);
     INSERT INTO messages (session, body) SELECT 's' || (g % 7), 'line ' || g || E'\\nsecond line' FROM generate_series(1, 2500) g;
     CREATE TABLE "Audit Trail" (at timestamptz DEFAULT now(), what text);
     INSERT INTO "Audit Trail" (what) VALUES ('created'), ('updated');
     CREATE TABLE empty_table (x int);`,
  );
  await query("agent_config", `CREATE TABLE agents (name text PRIMARY KEY, prompt text); INSERT INTO agents VALUES ('a', 'p1'), ('b', 'p2'), ('c', 'p3');`);

  // RLS hides rows from a role without BYPASSRLS, and pg_dump (row_security off) then refuses.
  await query("postgres", "CREATE DATABASE rls_check");
  await query("rls_check", `CREATE TABLE notes (owner text, body text); INSERT INTO notes VALUES ('a', 'x'), ('b', 'y');
     ALTER TABLE notes ENABLE ROW LEVEL SECURITY; CREATE POLICY own ON notes USING (owner = current_user);`);

  // Patroni's REST API as the configure script calls it: GET /config until it answers, then PATCH /config.
  patroni = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.method === "PATCH") patroniPatches.push(body);
      res.writeHead(req.url === "/config" ? 200 : 404, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((r) => patroni!.listen(PATRONI_PORT, "127.0.0.1", r));

  s3 = new S3rver({ address: "127.0.0.1", port: S3_PORT, silent: true, directory: path.join(work, "s3"), configureBuckets: [{ name: BUCKET }] });
  await s3.run();
}, 90_000);

afterAll(async () => {
  if (s3) await s3.close();
  if (patroni) await new Promise((r) => patroni!.close(r));
  if (pgStarted) asPgUser(`${PG_BIN}/pg_ctl`, ["-D", pgData, "-m", "immediate", "-w", "stop"]);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** The configure Job's environment (components/postgres/render/jobs.ts renderConfigureJob), on a writable cluster. */
const configureEnv = (backupPassword: string) => ({
  PATRONI_URL: `http://127.0.0.1:${PATRONI_PORT}`,
  PATRONI_CONFIG_PATCH: '{"primary_start_timeout":25}',
  ROLE_SYNCHRONOUS_COMMIT: "",
  BACKUP_ROLE,
  BACKUP_PASSWORD: backupPassword,
  BACKUP_DATABASES: "conversations agent_config rls_check",
  EXPORTER_ROLE,
  EXPORTER_PASSWORD: "exporter-secret",
  WAIT_SECONDS: "30",
});

/** The dump container's connection: the backup role, as the CronJob sets PGUSER (never the superuser). */
const asBackupRole = { PGUSER: BACKUP_ROLE, PGPASSWORD: "ignored-by-trust-auth" };

describe("configure-cluster.sh: the least-privileged roles", () => {
  test("creates the backup role (pg_read_all_data, BYPASSRLS, CONNECT) and the exporter role (pg_monitor), neither a superuser nor able to write", async () => {
    const r = await runScript("configure-cluster.sh", "", configureEnv("backup-secret-1"));
    expect(r.stderr).toContain(`role ${BACKUP_ROLE}: login, member of pg_read_all_data, no superuser`);
    expect(r.stderr).toContain(`role ${EXPORTER_ROLE}: login, member of pg_monitor, no superuser`);
    expect(r.status).toBe(0);
    expect(patroniPatches).toEqual(['{"primary_start_timeout":25}']);
    const roles = await query(
      "postgres",
      `SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin, rolpassword LIKE 'SCRAM-SHA-256$%' AS hashed,
         array_to_string(array(SELECT b.rolname::text FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = a.oid ORDER BY 1), ',') AS member_of
       FROM pg_authid a WHERE rolname IN ('${BACKUP_ROLE}', '${EXPORTER_ROLE}') ORDER BY rolname`,
    );
    expect(roles).toEqual([
      { rolname: BACKUP_ROLE, rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolreplication: false, rolbypassrls: true, rolcanlogin: true, hashed: true, member_of: "pg_read_all_data" },
      { rolname: EXPORTER_ROLE, rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolreplication: false, rolbypassrls: false, rolcanlogin: true, hashed: true, member_of: "pg_monitor" },
    ]);
    expect(await query("postgres", `SELECT has_database_privilege('${BACKUP_ROLE}', 'conversations', 'CONNECT') AS c`)).toEqual([{ c: true }]);
    // Reads everything, writes nothing.
    const write = spawnSync("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(PG_PORT), "-U", BACKUP_ROLE, "-d", "conversations", "-c", "DELETE FROM messages"], { encoding: "utf8" });
    expect(write.status).not.toBe(0);
    expect(write.stderr).toContain("permission denied for table messages");
  });

  test("a second run with a rotated password changes the password and nothing else", async () => {
    const before = await query("postgres", `SELECT rolpassword FROM pg_authid WHERE rolname = '${BACKUP_ROLE}'`);
    const r = await runScript("configure-cluster.sh", "", configureEnv("backup-secret-2"));
    expect(r.status).toBe(0);
    const after = await query("postgres", `SELECT rolpassword, rolsuper, rolbypassrls FROM pg_authid WHERE rolname = '${BACKUP_ROLE}'`);
    expect(after[0].rolpassword).not.toBe(before[0].rolpassword);
    expect(after[0]).toMatchObject({ rolsuper: false, rolbypassrls: true });
    // The password never appears on a command line the server logs or ps shows: it went to psql on stdin.
    expect(fs.readFileSync(path.join(SCRIPTS, "configure-cluster.sh"), "utf8")).not.toMatch(/-c "[^"]*PASSWORD/);
  });

  test("a bad role name is refused before any SQL runs", async () => {
    const r = await runScript("configure-cluster.sh", "", { ...configureEnv("x"), BACKUP_ROLE: "backup; DROP ROLE postgres" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("bad role name 'backup; DROP ROLE postgres'");
  });
});

describe("logical-backup.sh and restore-verify.sh against PostgreSQL 15 and s3rver", () => {
  const databases = "conversations agent_config";

  test("the dump runs as the backup role and fails without its grants: pg_read_all_data for the rows, BYPASSRLS for row-level security", async () => {
    const ok = await runScript("logical-backup.sh", "dump", { ...asBackupRole, DATABASES: "conversations rls_check", DUMP_DIR: path.join(work, "dump-role") });
    expect(ok.stderr).toContain("dumped rls_check");
    expect(ok.status).toBe(0);
    await query("postgres", `REVOKE pg_read_all_data FROM ${BACKUP_ROLE}`);
    const noRead = await runScript("logical-backup.sh", "dump", { ...asBackupRole, DATABASES: "conversations", DUMP_DIR: path.join(work, "dump-noread") });
    expect(noRead.status).not.toBe(0);
    expect(noRead.stderr).toMatch(/permission denied for (table|sequence) /);
    await query("postgres", `GRANT pg_read_all_data TO ${BACKUP_ROLE}; ALTER ROLE ${BACKUP_ROLE} NOBYPASSRLS`);
    const noBypass = await runScript("logical-backup.sh", "dump", { ...asBackupRole, DATABASES: "rls_check", DUMP_DIR: path.join(work, "dump-norls") });
    expect(noBypass.status).not.toBe(0);
    expect(noBypass.stderr).toContain("row-level security");
    // The configure Job puts the role back as it must be.
    expect((await runScript("configure-cluster.sh", "", configureEnv("backup-secret-2"))).status).toBe(0);
    expect((await runScript("logical-backup.sh", "dump", { ...asBackupRole, DATABASES: "rls_check", DUMP_DIR: path.join(work, "dump-again") })).status).toBe(0);
  });

  test("a dump of each database is uploaded under a timestamped key, restored into a scratch database and checked", async () => {
    const dumpDir = path.join(work, "dump");
    // The CronJob's two containers: dump (PostgreSQL image, as the backup role) then upload (AWS CLI image).
    const dump = await runScript("logical-backup.sh", "dump", { ...asBackupRole, DATABASES: databases, DUMP_DIR: dumpDir });
    expect(dump.stderr).toContain("dumped conversations");
    expect(dump.status).toBe(0);
    const upload = await runScript("logical-backup.sh", "upload", { DUMP_DIR: dumpDir });
    expect(upload.status).toBe(0);

    const keys = await listKeys();
    for (const db of ["conversations", "agent_config"]) {
      expect(keys.filter((k) => new RegExp(`^${PREFIX}/${db}/\\d{8}T\\d{6}Z\\.dump$`).test(k))).toHaveLength(1);
      expect(keys.filter((k) => new RegExp(`^${PREFIX}/${db}/\\d{8}T\\d{6}Z\\.dump\\.sha256$`).test(k))).toHaveLength(1);
    }
    // What is in the bucket is a real custom-format archive.
    const obj = await client().send(new GetObjectCommand({ Bucket: BUCKET, Key: keys.find((k) => k.endsWith(".dump"))! }));
    const head = Buffer.from(await obj.Body!.transformToByteArray()).subarray(0, 5).toString("latin1");
    expect(head).toBe("PGDMP");

    const restoreDir = path.join(work, "restore-ok");
    const verify = await runScript("restore-verify.sh", "all", {
      DATABASES: databases,
      RESTORE_DIR: restoreDir,
      KEEP_SCRATCH: "1",
      VERIFY_TABLES: "conversations:public.messages:2500 agent_config:public.agents:3",
    });
    expect(verify.stderr).toContain("VERIFIED conversations: 3 tables, 3 with data, 2502 rows match the dump");
    expect(verify.stderr).toContain("VERIFIED agent_config: 1 tables, 1 with data, 3 rows match the dump");
    expect(verify.status).toBe(0);

    // Checked independently of the script: the scratch database holds the source's rows.
    const src = await query("conversations", "SELECT count(*)::int AS n, md5(string_agg(body, '|' ORDER BY id)) AS h FROM messages");
    const restored = await query("restore_check_conversations", "SELECT count(*)::int AS n, md5(string_agg(body, '|' ORDER BY id)) AS h FROM messages");
    expect(restored).toEqual(src);
    expect(await query("restore_check_conversations", `SELECT count(*)::int AS n FROM "Audit Trail"`)).toEqual([{ n: 2 }]);
  });

  test("a key table below its minimum fails the drill", async () => {
    // The dump downloaded by the first test; only the verify phase runs.
    const r = await runScript("restore-verify.sh", "verify", {
      DATABASES: "agent_config",
      RESTORE_DIR: path.join(work, "restore-ok"),
      VERIFY_TABLES: "agent_config:public.agents:1000",
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("key table public.agents has 3 rows; expected at least 1000");
  });

  test("a corrupted newest dump makes the script fail", async () => {
    const good = fs.readFileSync(path.join(work, "dump", "agent_config.dump"));
    // Truncated in the middle of the data and padded with garbage: the header still reads as PGDMP.
    const corrupt = Buffer.concat([good.subarray(0, Math.floor(good.length * 0.6)), Buffer.from("garbage".repeat(50))]);
    await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/agent_config/${futureStamp(5)}.dump`, Body: corrupt }));
    const r = await runScript("restore-verify.sh", "all", { DATABASES: "agent_config", RESTORE_DIR: path.join(work, "restore-corrupt") });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/pg_restore of .* failed/);
  });

  test("a dump whose bytes differ from its stored checksum fails before the restore", async () => {
    const good = fs.readFileSync(path.join(work, "dump", "agent_config.dump"));
    const flipped = Buffer.from(good);
    flipped[flipped.length - 10] ^= 0xff;
    const key = `${PREFIX}/agent_config/${futureStamp(10)}.dump`;
    await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: flipped }));
    await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: `${key}.sha256`, Body: fs.readFileSync(path.join(work, "dump", "agent_config.dump.sha256")) }));
    const r = await runScript("restore-verify.sh", "download", { DATABASES: "agent_config", RESTORE_DIR: path.join(work, "restore-sum") });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`checksum mismatch for ${key}`);
  });

  test("an unreachable server makes the backup fail", async () => {
    const r = await runScript("logical-backup.sh", "dump", { DATABASES: "conversations", DUMP_DIR: path.join(work, "dump-fail"), PGPORT: "21019" });
    expect(r.status).not.toBe(0);
  });

  test("with ARCHIVE_PREFIX the drill also finds a destroyed or stalled WAL archive: no completed base backup, or one too old, fails it", async () => {
    const archive = "spilo/agent-pg-test/wal/15";
    const fresh = { DATABASES: "conversations", RESTORE_DIR: path.join(work, "restore-archive"), ARCHIVE_PREFIX: archive, ARCHIVE_MAX_AGE_HOURS: "2" };
    const missing = await runScript("restore-verify.sh", "download", fresh);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain(`no completed base backup under s3://${BUCKET}/${archive}/basebackups_005/`);
    // A base backup still being uploaded has no sentinel yet, so it does not count.
    await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: `${archive}/basebackups_005/base_000000010000000000000004/tar_partitions/part_1.tar.zst`, Body: "x" }));
    expect((await runScript("restore-verify.sh", "download", fresh)).status).not.toBe(0);
    await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: `${archive}/basebackups_005/base_000000010000000000000002_backup_stop_sentinel.json`, Body: "{}" }));
    const ok = await runScript("restore-verify.sh", "download", fresh);
    expect([ok.status, ok.stderr]).toEqual([0, expect.stringContaining(`archive: newest completed base backup under s3://${BUCKET}/${archive}/basebackups_005/ finished`)]);
    await new Promise((r) => setTimeout(r, 1100));
    const stale = await runScript("restore-verify.sh", "download", { ...fresh, ARCHIVE_MAX_AGE_HOURS: "0" });
    expect(stale.status).not.toBe(0);
    expect(stale.stderr).toMatch(/newest completed base backup under .* is 0 h old; expected at most 0 h/);
  });

  test("no dump at all under the prefix fails the drill loudly", async () => {
    const r = await runScript("restore-verify.sh", "download", { DATABASES: "billing", RESTORE_DIR: path.join(work, "restore-none") });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`no dump of billing under s3://${BUCKET}/${PREFIX}/billing/`);
  });
});
