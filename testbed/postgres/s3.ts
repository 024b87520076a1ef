import { execFile } from "node:child_process";
import * as path from "node:path";
import { curlHeaderArgs, walgUploadHeaders } from "../../access/clients";
import type { SseHeaders } from "../../access/s3-operations";
import { renderWalgEnv, type EnvVar } from "../../components/postgres/render/env";
import { renderLogicalBackupCronJob, renderRestoreDrillCronJob, restoreDrillMaxAgeHours } from "../../components/postgres/render/jobs";
import { logicalBackupPrefix, walArchiveUrl } from "../../contract/postgres";
import type { PostgresSettings } from "../../dr/settings/types";
import { PORTS } from "../ports";
import { portOpen, waitFor } from "../runtime/procfs";
import { Supervisor, tail } from "../runtime/supervisor";
import { DRILL_ACCOUNT, drillIdentities, drillKeyArn, type DrillIdentity, type IdentityName } from "../s3/identities";
import { readJudged, summarize, type FrontConfig, type FrontSummary, type JudgedRequest } from "../s3/policy-front";
import { selfSignedCert } from "../s3/tls";
import type { DrillStack } from "../stack";

/** Debian's aws CLI; root's PATH may find a pyenv aws v1 first (drills.md section 1). */
export const AWS_CLI = "/usr/bin/aws";
export const BUCKET = "drill-backups";

const REPO = path.resolve(__dirname, "../..");
const FRONT_SCRIPT = path.join(REPO, "testbed", "s3", "policy-front.ts");

/** What the S3 layout and the clients' requests are derived from: the stack's cluster, as deployed. */
export interface S3Spec {
  clusterName: string;
  /** PostgreSQL major: the archive lives at spilo/<cluster>/wal/<major>. */
  version: string;
  region: string;
  retentionDays: number;
  postgres: PostgresSettings;
}

export function s3SpecOf(stack: DrillStack): S3Spec {
  if (!stack.settings.postgres) throw new Error(`stack ${stack.name} has no PostgreSQL tier`);
  return {
    clusterName: stack.config.postgres.clusterName,
    version: stack.config.postgres.version,
    region: stack.config.regions.primary,
    retentionDays: stack.config.backup.retentionDays,
    postgres: stack.settings.postgres,
  };
}

export interface S3Ports {
  /** s3rver (plain HTTP, reachable by the front only in practice). */
  store: number;
  /** The policy front's TLS listener: the endpoint every client uses. */
  front: number;
  /** Optional plain-HTTP listener of the front (refused by the bucket policy, as in production). */
  plain?: number;
}

export interface CurlOptions {
  /** Drill identity that signs (default walg: curl stands in for WAL-G). */
  as?: IdentityName;
  /** Encryption headers on a put (default: what WAL-G sends with the rendered Spilo env). */
  headers?: SseHeaders;
  /** Use the front's plain-HTTP listener. */
  plain?: boolean;
  /** Report instead of failing: no -f, the response body (puts, deletes) then the HTTP status on the last line of stdout. */
  probe?: boolean;
}

/**
 * The drills' S3: s3rver for storage behind the policy front (testbed/s3/policy-front.ts), which
 * judges every request as production's S3 would. The drill can take both down and bring them back.
 */
export class S3Endpoint {
  readonly url: string;
  readonly plainUrl?: string;
  readonly bucket = BUCKET;
  readonly region: string;
  readonly keyArn: string;
  readonly identities: Record<IdentityName, DrillIdentity>;
  /** The Spilo env the stack renders for this cluster (renderWalgEnv): WAL-G's requests follow from it. */
  readonly walgEnv: EnvVar[];
  /** What WAL-G puts on PutObject / CreateMultipartUpload with that env. */
  readonly walgHeaders: SseHeaders;
  /** spilo/<cluster>/wal/<major>/, where Spilo points WAL-G (walArchiveUrl). */
  readonly archivePrefix: string;
  /** WAL-G's layout inside it: segments under wal_005/, base backups under basebackups_005/. */
  readonly walSegmentsPrefix: string;
  readonly baseBackupsPrefix: string;
  /** logical-backups/<cluster>/, the dump CronJob's BACKUP_PREFIX. */
  readonly logicalPrefix: string;
  readonly dataDir: string;
  readonly frontDir: string;
  readonly caFile: string;
  readonly judgedLog: string;
  private readonly configFile: string;
  private certMade = false;

  constructor(
    private readonly sup: Supervisor,
    readonly spec: S3Spec,
    readonly ports: S3Ports = { store: PORTS.s3, front: PORTS.s3Front },
  ) {
    this.url = `https://127.0.0.1:${ports.front}`;
    if (ports.plain !== undefined) this.plainUrl = `http://127.0.0.1:${ports.plain}`;
    this.region = spec.region;
    this.keyArn = drillKeyArn(spec.region);
    this.identities = drillIdentities({ bucket: this.bucket, region: this.region, keyArn: this.keyArn }, spec.clusterName);
    this.walgEnv = renderWalgEnv({
      clusterName: spec.clusterName,
      region: spec.region,
      bucket: this.bucket,
      kmsKeyArn: this.keyArn,
      settings: spec.postgres,
      retentionDays: spec.retentionDays,
      walgRoleArn: this.identities.walg.principal,
    });
    this.walgHeaders = walgUploadHeaders(this.walgEnv);
    this.archivePrefix = `${walArchiveUrl(this.bucket, spec.clusterName, spec.version).slice(`s3://${this.bucket}/`.length)}/`;
    this.walSegmentsPrefix = `${this.archivePrefix}wal_005/`;
    this.baseBackupsPrefix = `${this.archivePrefix}basebackups_005/`;
    this.logicalPrefix = logicalBackupPrefix(spec.clusterName);
    this.dataDir = sup.mkdir("s3");
    this.frontDir = sup.mkdir("s3-front");
    this.caFile = path.join(this.frontDir, "tls", "ca.pem");
    this.judgedLog = path.join(this.frontDir, "judged.jsonl");
    this.configFile = path.join(this.frontDir, "front.json");
  }

  frontConfig(): FrontConfig {
    return {
      host: "127.0.0.1",
      tlsPort: this.ports.front,
      ...(this.ports.plain !== undefined ? { httpPort: this.ports.plain } : {}),
      upstreamPort: this.ports.store,
      bucket: this.bucket,
      region: this.region,
      account: DRILL_ACCOUNT,
      keyArn: this.keyArn,
      bucketKey: true,
      identities: Object.values(this.identities),
      certFile: this.caFile,
      keyFile: path.join(this.frontDir, "tls", "key.pem"),
      logFile: this.judgedLog,
    };
  }

  /** s3rver, then the front (the certificate is made once and kept across restarts). */
  async start(): Promise<void> {
    if (!this.certMade) {
      await selfSignedCert(this.sup, path.relative(this.sup.dir, path.join(this.frontDir, "tls")));
      this.sup.writeFile(path.relative(this.sup.dir, this.configFile), JSON.stringify(this.frontConfig(), null, 2));
      this.certMade = true;
    }
    const bin = path.join(path.dirname(require.resolve("s3rver/package.json")), "bin", "s3rver.js");
    await this.sup.start("s3rver", process.execPath, [bin, "-d", this.dataDir, "-a", "127.0.0.1", "-p", String(this.ports.store), "--no-vhost-buckets", "--silent", "--configure-bucket", this.bucket]);
    await waitFor("s3rver to listen", 15000, () => portOpen(this.ports.store));
    // The front is TypeScript run by the drill user's own Node, as the drill CLI runs.
    const front = await this.sup.start("s3-front", process.execPath, ["-r", require.resolve("@swc-node/register"), FRONT_SCRIPT, this.configFile], {
      env: { SWC_NODE_PROJECT: path.join(REPO, "tsconfig.json") },
    });
    let exitCode: number | null | undefined;
    void front.exited.then((code) => (exitCode = code));
    const state = await waitFor("the S3 policy front to listen", 30000, async () => (exitCode !== undefined ? "exited" : (await portOpen(this.ports.front)) && "listening")).catch((e: Error) => {
      throw new Error(`${e.message}\n${tail(front.log)}`);
    });
    if (state === "exited") throw new Error(`the S3 policy front exited (${exitCode}) before listening:\n${tail(front.log)}`);
  }

  /** Both down: to a client this is S3 unreachable. */
  async stop(): Promise<void> {
    await this.sup.stop("s3-front", 5000);
    await this.sup.stop("s3rver", 5000);
  }

  /**
   * curl's SigV4 request for one object: a real signed S3 request without the aws CLI's 1-2 s of
   * Python start-up per segment (drills.md section 3a), which on a busy 2-core box pushed archive lag
   * past archive_timeout + 5 s. Puts carry the encryption headers WAL-G sends. Fails (exit 7, 22 or
   * 35) when the endpoint is down or refuses, so PostgreSQL keeps the segment and retries.
   */
  curlCommand(mode: "put" | "get" | "delete", localPath: string, key: string, opts: CurlOptions = {}): string {
    const who = this.identities[opts.as ?? "walg"];
    const io = mode === "put" ? `${curlHeaderArgs(opts.headers ?? this.walgHeaders)} -T ${localPath}` : mode === "get" ? `-o ${localPath}` : "-X DELETE";
    const base = opts.plain ? this.plainUrl : this.url;
    if (!base) throw new Error("the policy front serves no plain-HTTP listener here");
    const report = opts.probe ? `-w '\\n%{http_code}'` : "-f";
    return [
      "/usr/bin/curl -sS",
      report,
      "--max-time 60",
      `--cacert ${this.caFile}`,
      `--aws-sigv4 aws:amz:${this.region}:s3`,
      `--user ${who.accessKeyId}:${who.secretAccessKey}`,
      "-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD'",
      io,
      `${base}/${this.bucket}/${key}`,
    ].join(" ");
  }

  /** Environment of an aws CLI (or a script running one) signing as `as`, through the front. */
  awsEnv(as: IdentityName): Record<string, string> {
    const who = this.identities[as];
    return {
      AWS_ACCESS_KEY_ID: who.accessKeyId,
      AWS_SECRET_ACCESS_KEY: who.secretAccessKey,
      AWS_REGION: this.region,
      AWS_DEFAULT_REGION: this.region,
      AWS_ENDPOINT_URL: this.url,
      AWS_CA_BUNDLE: this.caFile,
      AWS_CLI,
    };
  }

  /** Run the aws CLI through the front (or `endpoint`) as a drill identity (the inspector by default). */
  aws(args: string[], as: IdentityName = "inspector", opts: { timeoutMs?: number; endpoint?: string } = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? 120000;
    return new Promise((resolve, reject) => {
      const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.sup.dir, LANG: "C.UTF-8", ...this.awsEnv(as) };
      execFile(AWS_CLI, ["--endpoint-url", opts.endpoint ?? this.url, ...args], { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`aws ${args.join(" ")} (as ${as}) failed: ${stderr || err.message}`));
        else resolve(stdout);
      });
    });
  }

  /** Object keys under a prefix, listed by the read-only inspector. */
  async list(prefix: string): Promise<string[]> {
    const out = await this.aws(["s3", "ls", "--recursive", `s3://${this.bucket}/${prefix}`]);
    return out
      .split("\n")
      .map((l) => l.trim().split(/\s+/)[3])
      .filter((k): k is string => Boolean(k));
  }

  /** The upload container's env of the logical-backup CronJob the stack renders for this bucket and key (S3_SSE, S3_SSE_KMS_KEY_ID, BACKUP_PREFIX, ...). */
  logicalBackupUploadEnv(databases: string[], schedule: string): Record<string, string> {
    const job = renderLogicalBackupCronJob({ clusterName: this.spec.clusterName, primaryHost: "127.0.0.1", databases, bucket: this.bucket, kmsKeyArn: this.keyArn, region: this.region, schedule, verifyTables: [], labels: {} });
    return containerEnv(job.spec.jobTemplate.spec.template.spec.containers, "upload");
  }

  /** The download container's env of the rendered restore-drill CronJob (BACKUP_PREFIX, MAX_AGE_HOURS, ...). */
  restoreDrillDownloadEnv(databases: string[], backupSchedule: string, drillSchedule: string): Record<string, string> {
    const maxAgeHours = restoreDrillMaxAgeHours(backupSchedule);
    const job = renderRestoreDrillCronJob({ clusterName: this.spec.clusterName, databases, bucket: this.bucket, region: this.region, schedule: drillSchedule, maxAgeHours, verifyTables: [], labels: {} });
    return containerEnv(job.spec.jobTemplate.spec.template.spec.initContainers, "download");
  }

  /** Every request the front judged so far, oldest first. */
  judged(): JudgedRequest[] {
    return readJudged(this.judgedLog);
  }

  /** Counts and refusals of the requests judged since `from` (an earlier `judged().length`). */
  frontSummary(from = 0): FrontSummary {
    return summarize(this.judged().slice(from));
  }
}

function containerEnv(containers: Array<{ name: string; env: Array<Record<string, unknown>> }>, name: string): Record<string, string> {
  const c = containers.find((x) => x.name === name);
  if (!c) throw new Error(`rendered CronJob has no container ${name}`);
  const out: Record<string, string> = {};
  for (const e of c.env) {
    if (typeof e.value !== "string") throw new Error(`container ${name}: env ${String(e.name)} is not a plain value; the drill can not reproduce it`);
    out[String(e.name)] = e.value;
  }
  return out;
}

/** One note per refusal (at most five, then a count): production would have refused the same requests. */
export function refusalNotes(summary: FrontSummary): string[] {
  if (summary.refused === 0) return [];
  const shown = summary.refusals.slice(0, 5).map((r) => `S3 policy front refused ${r.method} ${r.path} as ${r.identity ?? "unknown"}: ${r.message ?? r.verdict}`);
  return summary.refused > shown.length ? [...shown, `... and ${summary.refused - shown.length} more refusals (see the front's judged log)`] : shown;
}
