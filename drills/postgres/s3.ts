import { execFile } from "node:child_process";
import * as path from "node:path";
import { PORTS } from "../ports";
import { portOpen, waitFor } from "../runtime/procfs";
import { Supervisor } from "../runtime/supervisor";

/** s3rver only accepts these credentials (drills.md section 2). */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_DEFAULT_REGION: "us-east-1" } as const;
/** Debian's aws CLI; root's PATH may find a pyenv aws v1 first (drills.md section 1). */
export const AWS_CLI = "/usr/bin/aws";
export const BUCKET = "drill-wal";

/** An S3-compatible endpoint on loopback (s3rver from npm), which the drill can take down and bring back. */
export class S3Endpoint {
  readonly url = `http://127.0.0.1:${PORTS.s3}`;
  readonly dataDir: string;
  constructor(private readonly sup: Supervisor) {
    this.dataDir = sup.mkdir("s3");
  }

  async start(): Promise<void> {
    const bin = path.join(path.dirname(require.resolve("s3rver/package.json")), "bin", "s3rver.js");
    await this.sup.start("s3rver", process.execPath, [bin, "-d", this.dataDir, "-a", "127.0.0.1", "-p", String(PORTS.s3), "--no-vhost-buckets", "--silent", "--configure-bucket", BUCKET]);
    await waitFor("s3rver to listen", 15000, () => portOpen(PORTS.s3));
  }

  async stop(): Promise<void> {
    await this.sup.stop("s3rver", 5000);
  }

  /** `KEY=.. /usr/bin/aws --endpoint-url .. s3` prefix for shell commands (archive_command, restore_command). */
  shellPrefix(): string {
    const env = Object.entries(S3RVER_CREDENTIALS).map(([k, v]) => `${k}=${v}`).join(" ");
    return `${env} ${AWS_CLI} --endpoint-url ${this.url} s3`;
  }

  /**
   * curl's SigV4 PUT/GET of one file: a real S3 request without the aws CLI's 1-2 s of Python
   * start-up per segment (drills.md section 3a), which on a busy 2-core box pushed archive lag past
   * archive_timeout + 5 s. Fails (exit 7 or 22) when the endpoint is down or refuses, so PostgreSQL
   * keeps the segment and retries.
   */
  curlCommand(mode: "put" | "get", localPath: string, key: string): string {
    const { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, AWS_DEFAULT_REGION: region } = S3RVER_CREDENTIALS;
    const io = mode === "put" ? `-T ${localPath}` : `-o ${localPath}`;
    return `/usr/bin/curl -sS -f --max-time 60 --aws-sigv4 aws:amz:${region}:s3 --user ${id}:${secret} -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' ${io} ${this.url}/${BUCKET}/${key}`;
  }

  /** Run the aws CLI against the endpoint (as the caller; objects are files of s3rver, not of this user). */
  aws(args: string[], timeoutMs = 120000): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(AWS_CLI, ["--endpoint-url", this.url, ...args], { env: { ...process.env, ...S3RVER_CREDENTIALS, HOME: this.sup.dir }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`aws ${args.join(" ")} failed: ${stderr || err.message}`));
        else resolve(stdout);
      });
    });
  }

  /** Object keys under a prefix. */
  async list(prefix: string): Promise<string[]> {
    const out = await this.aws(["s3", "ls", "--recursive", `s3://${BUCKET}/${prefix}`]);
    return out
      .split("\n")
      .map((l) => l.trim().split(/\s+/)[3])
      .filter((k): k is string => Boolean(k));
  }
}
