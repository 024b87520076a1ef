/**
 * The drills' S3 policy front on real servers: s3rver behind testbed/s3/policy-front.ts (its own
 * process, as the drill user), judged by the real IAM evaluator against the rendered bucket policy
 * and the production IAM policies, driven by real curl (SigV4) and the Debian aws CLI. Ports
 * 24100-24102 on 127.0.0.1. Wall time about 15-25 s.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { dumpUploadHeaders, walgUploadHeaders } from "../../access/clients";
import type { SseHeaders } from "../../access/s3-operations";
import { S3Endpoint, s3SpecOf, type CurlOptions } from "../../testbed/postgres/s3";
import { portOpen } from "../../testbed/runtime/procfs";
import { Supervisor } from "../../testbed/runtime/supervisor";
import type { IdentityName } from "../../testbed/s3/identities";
import type { JudgedRequest } from "../../testbed/s3/policy-front";
import { loadDrillStack, type DrillStack } from "../../testbed/stack";
import { testPortBase } from "../../testbed/ports";

const BASE = testPortBase(24100);
const PORTS = { store: BASE, front: BASE + 1, plain: BASE + 2 };
const MiB = 1024 * 1024;

let stack: DrillStack;
let sup: Supervisor;
let s3: S3Endpoint;

beforeAll(async () => {
  for (const p of Object.values(PORTS)) {
    if (await portOpen(p)) throw new Error(`port ${p} on 127.0.0.1 is in use: another run of this suite or another server; stop it first`);
  }
  stack = loadDrillStack("prod");
  sup = new Supervisor("agent-dr-s3-front-test-");
  s3 = new S3Endpoint(sup, s3SpecOf(stack), PORTS);
  await s3.start();
}, 60000);

afterAll(async () => {
  if (s3) await s3.stop();
  if (sup) {
    await sup.stopAll();
    sup.removeDir();
  }
});

/** A file of random bytes in the drill dir, readable by the drill user who runs the clients. */
function randomFile(name: string, bytes: number): string {
  const p = path.join(sup.dir, "files", name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, crypto.randomBytes(bytes));
  sup.chown(path.dirname(p));
  return p;
}

/** curl through the front as a drill identity: the HTTP status and the response body. */
async function curl(mode: "put" | "get" | "delete", file: string, key: string, opts: CurlOptions = {}): Promise<{ status: number; body: string }> {
  const out = await sup.run("/bin/sh", ["-c", s3.curlCommand(mode, file, key, { ...opts, probe: true })]);
  const lines = out.split("\n");
  const status = Number(lines.pop());
  const body = mode === "get" && status === 200 ? "" : mode === "get" ? fs.readFileSync(file, "utf8") : lines.join("\n");
  return { status, body };
}

const put = (as: IdentityName, file: string, key: string, headers: SseHeaders, extra: CurlOptions = {}) => curl("put", file, key, { as, headers, ...extra });

/** What s3rver holds, asked directly (bypassing the front): the test's oracle for "landed". */
async function stored(key: string): Promise<Buffer | undefined> {
  const r = await fetch(`http://127.0.0.1:${PORTS.store}/${s3.bucket}/${key.split("/").map(encodeURIComponent).join("/")}`);
  return r.status === 200 ? Buffer.from(await r.arrayBuffer()) : undefined;
}

/** The front's entries for one key since an earlier mark. */
function judgedFor(key: string, from: number): JudgedRequest[] {
  return s3.judged().slice(from).filter((e) => e.key === key);
}

function dumpKey(db: string): string {
  return `${s3.logicalPrefix}${db}/20261201T020000Z.dump`;
}

/** The headers `aws s3 cp` sends with the env of the rendered logical-backup CronJob's upload container. */
function renderedDumpHeaders(): SseHeaders {
  return dumpUploadHeaders(Object.entries(s3.logicalBackupUploadEnv(["conversations"], "0 2 * * *")).map(([name, value]) => ({ name, value })));
}

describe("S3 policy front (real s3rver, real IAM evaluator, real curl and aws CLI)", () => {
  it("a WAL segment put with the headers WAL-G sends under the rendered Spilo env is allowed as walg and lands in s3rver", async () => {
    const { clusterName, version } = stack.config.postgres;
    expect(s3.walgHeaders).toEqual({ sse: "aws:kms", kmsKeyId: s3.keyArn });
    expect(s3.walSegmentsPrefix).toBe(`spilo/${clusterName}/wal/${version}/wal_005/`);
    const segment = randomFile("000000010000000000000001", 16 * MiB);
    const key = `${s3.walSegmentsPrefix}000000010000000000000001`;
    const mark = s3.judged().length;
    const r = await put("walg", segment, key, s3.walgHeaders);
    expect(r).toEqual({ status: 200, body: "" });
    expect((await stored(key))?.equals(fs.readFileSync(segment))).toBe(true);
    const [entry] = judgedFor(key, mark);
    expect(entry).toMatchObject({ verdict: "Allowed", identity: "walg", api: "PutObject", tls: true, status: 200 });
    expect(entry.checks.map((c) => [c.action, c.verdict])).toEqual([
      ["s3:PutObject", "Allowed"],
      ["kms:GenerateDataKey", "Allowed"],
    ]);
    expect(entry.checks[0].deciding.join(" ")).toContain("ReadWriteOwnArchive");
    // And restore_command's GET as walg brings back the same bytes.
    const back = path.join(sup.dir, "files", "restored-segment");
    expect((await curl("get", back, key, { as: "walg" })).status).toBe(200);
    expect(fs.readFileSync(back).equals(fs.readFileSync(segment))).toBe(true);
  });

  it("the same upload with the env Spilo produces when WALG_S3_SSE is dropped (AES256) is refused naming DenyNonKmsUploads, and nothing lands", async () => {
    const headers = walgUploadHeaders(s3.walgEnv.filter((e) => e.name !== "WALG_S3_SSE"));
    expect(headers).toEqual({ sse: "AES256" });
    const key = `${s3.walSegmentsPrefix}000000010000000000000002`;
    const mark = s3.judged().length;
    const r = await put("walg", randomFile("seg2", 2 * MiB), key, headers);
    expect(r.status).toBe(403);
    expect(r.body).toContain("<Code>AccessDenied</Code>");
    expect(r.body).toContain("DenyNonKmsUploads");
    expect(r.body).toContain("arn:aws:iam::123456789012:role/drill-walg");
    expect(await stored(key)).toBeUndefined();
    const [entry] = judgedFor(key, mark);
    expect(entry).toMatchObject({ verdict: "ExplicitlyDenied", identity: "walg", api: "PutObject", status: 403 });
    expect(entry.message).toMatch(/s3:PutObject on arn:aws:s3:::drill-backups\/spilo\/.*ExplicitlyDenied.*DenyNonKmsUploads/);
  });

  it("an upload naming a foreign KMS key is refused naming DenyForeignKmsKey", async () => {
    const key = `${s3.walSegmentsPrefix}000000010000000000000003`;
    const r = await put("walg", randomFile("seg3", 64 * 1024), key, { sse: "aws:kms", kmsKeyId: `arn:aws:kms:${s3.region}:210987654321:key/foreign` });
    expect(r.status).toBe(403);
    expect(r.body).toContain("DenyForeignKmsKey");
    expect(await stored(key)).toBeUndefined();
  });

  it("multipart uploads with --sse aws:kms --sse-kms-key-id (aws CLI, 20 MiB) succeed: CreateMultipartUpload, every UploadPart and Complete are allowed", async () => {
    const file = randomFile("base.tar", 20 * MiB);
    const cases: Array<[IdentityName, string]> = [
      ["walg", `${s3.baseBackupsPrefix}base_000000010000000000000004/tar_partitions/part_1.tar`],
      ["logical-backup", dumpKey("agent_config")],
    ];
    for (const [as, key] of cases) {
      const mark = s3.judged().length;
      await s3.aws(["s3", "cp", "--only-show-errors", "--sse", "aws:kms", "--sse-kms-key-id", s3.keyArn, file, `s3://${s3.bucket}/${key}`], as);
      const entries = judgedFor(key, mark);
      expect(entries.map((e) => `${e.api} ${e.verdict}`)).toEqual([
        "CreateMultipartUpload Allowed",
        "UploadPart Allowed",
        "UploadPart Allowed",
        "UploadPart Allowed",
        "CompleteMultipartUpload Allowed",
      ]);
      // Complete makes S3 decrypt with the caller's credentials: the writer's policy must allow kms:Decrypt.
      expect(entries[4].checks.map((c) => c.action)).toEqual(["s3:PutObject", "kms:Decrypt"]);
      expect((await stored(key))?.equals(fs.readFileSync(file))).toBe(true);
    }
  });

  it("least privilege: logical-backup may neither read nor delete dumps nor write under spilo/; walg may not write under logical-backups/; restore-drill only reads dumps", async () => {
    const dump = randomFile("conversations.dump", 256 * 1024);
    const key = dumpKey("conversations");
    const headers = renderedDumpHeaders();
    expect(headers).toEqual({ sse: "aws:kms", kmsKeyId: s3.keyArn });
    expect((await put("logical-backup", dump, key, headers)).status).toBe(200);

    const read = await curl("get", path.join(sup.dir, "files", "read-back"), key, { as: "logical-backup" });
    expect(read.status).toBe(403);
    expect(read.body).toMatch(/s3:GetObject on .*ImplicitlyDenied/);
    const del = await curl("delete", "-", key, { as: "logical-backup" });
    expect(del.status).toBe(403);
    expect(del.body).toMatch(/s3:DeleteObject on .*ImplicitlyDenied/);
    expect((await stored(key))?.equals(fs.readFileSync(dump))).toBe(true);

    const intoArchive = `${s3.walSegmentsPrefix}000000010000000000000005`;
    const wrongPrefix = await put("logical-backup", dump, intoArchive, headers);
    expect(wrongPrefix.status).toBe(403);
    expect(wrongPrefix.body).toMatch(/drill-logical-backup.*s3:PutObject on arn:aws:s3:::drill-backups\/spilo\/.*ImplicitlyDenied/);
    expect(await stored(intoArchive)).toBeUndefined();

    const intoDumps = `${s3.logicalPrefix}conversations/20261201T030000Z.dump`;
    const walgDump = await put("walg", dump, intoDumps, s3.walgHeaders);
    expect(walgDump.status).toBe(403);
    expect(walgDump.body).toMatch(/drill-walg.*s3:PutObject on arn:aws:s3:::drill-backups\/logical-backups\/.*ImplicitlyDenied/);
    expect(await stored(intoDumps)).toBeUndefined();

    const drillRead = path.join(sup.dir, "files", "drill-read");
    expect((await curl("get", drillRead, key, { as: "restore-drill" })).status).toBe(200);
    expect(fs.readFileSync(drillRead).equals(fs.readFileSync(dump))).toBe(true);
    const drillWrite = await put("restore-drill", dump, `${s3.logicalPrefix}conversations/20261201T040000Z.dump`, headers);
    expect(drillWrite.status).toBe(403);
    const inspectorWrite = await put("inspector", dump, `${s3.logicalPrefix}conversations/20261201T050000Z.dump`, headers);
    expect(inspectorWrite.status).toBe(403);
    // The inspector lists everything (the drill's own checks) and still goes through the bucket policy.
    expect(await s3.list(s3.logicalPrefix)).toEqual(expect.arrayContaining([key, dumpKey("agent_config")]));
  });

  it("plain HTTP is refused by DenyInsecureTransport, even for a correctly encrypted upload and a listing", async () => {
    const key = `${s3.walSegmentsPrefix}000000010000000000000006`;
    const r = await put("walg", randomFile("seg6", 64 * 1024), key, s3.walgHeaders, { plain: true });
    expect(r.status).toBe(403);
    expect(r.body).toContain("DenyInsecureTransport");
    expect(r.body).toContain("plain HTTP");
    expect(await stored(key)).toBeUndefined();
    const mark = s3.judged().length;
    await expect(s3.aws(["s3", "ls", `s3://${s3.bucket}/`], "inspector", { endpoint: s3.plainUrl })).rejects.toThrow(/AccessDenied/);
    expect(s3.judged().slice(mark).map((e) => [e.api, e.tls, e.verdict])).toEqual([["ListObjectsV2", false, "ExplicitlyDenied"]]);
  });

  it("requests it can not judge are refused, never passed through: unsigned, an unknown access key, an operation the model does not know", async () => {
    const base = `https://127.0.0.1:${PORTS.front}`;
    const raw = (args: string) => sup.run("/bin/sh", ["-c", `/usr/bin/curl -sS --cacert ${s3.caFile} -w '\\n%{http_code}' ${args}`]);
    const key = `${s3.walSegmentsPrefix}000000010000000000000001`;
    expect(await raw(`${base}/${s3.bucket}/${key} -o /dev/null`)).toBe("\n403");
    const unknown = await raw(`--aws-sigv4 aws:amz:${s3.region}:s3 --user AKIAUNKNOWN000000000:x ${base}/${s3.bucket}/${key}`);
    expect(unknown).toContain("<Code>InvalidAccessKeyId</Code>");
    const w = s3.identities.walg;
    const listBuckets = await raw(`--aws-sigv4 aws:amz:${s3.region}:s3 --user ${w.accessKeyId}:${w.secretAccessKey} ${base}/`);
    expect(listBuckets).toMatch(/does not know[\s\S]*\n403$/);
    const refusals = s3.frontSummary().refusals.slice(-3).map((e) => e.verdict);
    expect(refusals).toEqual(["UnknownIdentity", "UnknownIdentity", "NotModelled"]);
  });

  it("keeps a log of every judged request: counts of allowed and refused, the refusals in full", () => {
    const summary = s3.frontSummary();
    expect(summary.judged).toBe(summary.allowed + summary.refused);
    expect(summary.allowed).toBeGreaterThanOrEqual(12);
    // b, c, e (6), f (2), the three unjudgeable requests.
    expect(summary.refused).toBe(13);
    for (const r of summary.refusals) {
      expect(r.message).toBeTruthy();
      expect(r.status).toBeGreaterThanOrEqual(400);
    }
  });
});
