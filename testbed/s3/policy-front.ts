import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { judge, type NamedPolicy, type PolicyPath, type Verdict } from "../../access/evaluator";
import { iamChecksOf, kmsChecksOf, s3CallFromHttp, type IamCheck, type S3Api, type S3Call } from "../../access/s3-operations";
import { defaultKeyPolicy } from "../../access/stack-model";
import { backupBucketPolicy } from "../../components/backup/iam-documents";
import type { DrillIdentity } from "./identities";

/**
 * The drills' S3 endpoint as production's S3 would answer it: a reverse proxy on loopback in front
 * of s3rver (which enforces no policy) that judges every request with the real IAM evaluator
 * against the identity policy of the signing drill identity, the rendered bucket policy and the
 * key policy of the KMS key S3 would use, and forwards only what production would allow.
 *
 * Runs as its own process (`node -r @swc-node/register policy-front.ts <config.json>`) as the drill
 * user, so the evaluator's work never delays the drill's timed write loads, and it can be stopped
 * and started with the store for the S3 outage drill.
 */

export interface FrontConfig {
  host: string;
  /** TLS listener: aws:SecureTransport true. */
  tlsPort: number;
  /** Optional plain-HTTP listener: requests on it are judged with aws:SecureTransport false. */
  httpPort?: number;
  /** s3rver on the same host, plain HTTP. */
  upstreamPort: number;
  bucket: string;
  region: string;
  /** Account owning the bucket and its key. */
  account: string;
  keyArn: string;
  /** S3 Bucket Keys on, as deployed (components/backup/regional-bucket.ts): KMS sees the bucket ARN as context. */
  bucketKey: boolean;
  /** Key policy of the bucket's key; the AWS default key policy when absent. */
  keyPolicy?: object;
  identities: DrillIdentity[];
  certFile: string;
  keyFile: string;
  /** JSON lines, one per judged request. */
  logFile: string;
}

/** How a request ended: an evaluator verdict, or why it could not be judged (always refused). */
export type Outcome = Verdict | "NotModelled" | "UnknownIdentity" | "NotJudged";

export interface CheckResult {
  action: string;
  resource: string;
  verdict: Verdict;
  deciding: string[];
}

export interface JudgedRequest {
  at: string;
  method: string;
  path: string;
  tls: boolean;
  identity?: string;
  principal?: string;
  api?: S3Api;
  key?: string;
  /** ListObjectsV2's prefix. */
  prefix?: string;
  verdict: Outcome;
  checks: CheckResult[];
  /** The refusal's message (the AccessDenied body), absent when allowed. */
  message?: string;
  /** HTTP status the client got (s3rver's when forwarded). */
  status?: number;
}

const accountOf = (arn: string) => arn.split(":")[4] ?? "";

/** Hop-by-hop headers, the signature (s3rver verifies SigV4 only for its own key and serves unsigned requests) and Expect (answered here). */
const NOT_FORWARDED = new Set(["authorization", "host", "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "expect"]);
const NOT_RETURNED = new Set(["connection", "keep-alive", "transfer-encoding"]);

/** A DeleteObjects body lists the keys IAM checks one by one; nothing else is buffered. */
const MAX_BUFFERED_BODY = 1024 * 1024;

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) ? v.join(",") : v;
  return out;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BUFFERED_BODY) req.destroy(new Error(`request body over ${MAX_BUFFERED_BODY} bytes`));
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly outcome: Outcome,
  ) {
    super(message);
  }
}

export class PolicyFront {
  private readonly servers: http.Server[] = [];
  private readonly upstream = new http.Agent({ keepAlive: true });
  private readonly byKeyId: Map<string, DrillIdentity>;
  private readonly bucketPolicy: NamedPolicy;
  private readonly keyPolicy: NamedPolicy;

  constructor(private readonly cfg: FrontConfig) {
    this.byKeyId = new Map(cfg.identities.map((i) => [i.accessKeyId, i]));
    // The policy the stack renders for its backup buckets, for this bucket and key.
    this.bucketPolicy = { name: `bucket policy of ${cfg.bucket}`, policy: backupBucketPolicy(`arn:aws:s3:::${cfg.bucket}`, cfg.keyArn) };
    this.keyPolicy = cfg.keyPolicy ? { name: "key policy", policy: cfg.keyPolicy } : { name: "default key policy", policy: defaultKeyPolicy(cfg.account) };
  }

  async listen(): Promise<void> {
    const tls = https.createServer({ key: fs.readFileSync(this.cfg.keyFile), cert: fs.readFileSync(this.cfg.certFile) });
    await this.serve(tls, true, this.cfg.tlsPort);
    if (this.cfg.httpPort !== undefined) await this.serve(http.createServer(), false, this.cfg.httpPort);
  }

  private serve(server: http.Server, tls: boolean, port: number): Promise<void> {
    server.on("request", (req, res) => void this.handle(req, res, tls, false));
    // Judge before the client sends the body (curl and the aws CLI send Expect: 100-continue for big uploads), as S3 does.
    server.on("checkContinue", (req, res) => void this.handle(req, res, tls, true));
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, this.cfg.host, () => resolve());
    });
  }

  close(): Promise<void> {
    this.upstream.destroy();
    return Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      ),
    ).then(() => undefined);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, tls: boolean, expectsContinue: boolean): Promise<void> {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q < 0 ? url : url.slice(0, q);
    const entry: JudgedRequest = { at: new Date().toISOString(), method: req.method ?? "", path: rawPath, tls, verdict: "NotJudged", checks: [] };
    res.once("close", () => {
      entry.status = res.statusCode;
      this.record(entry);
    });
    let body: Buffer | undefined;
    try {
      const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
      const headers = flatHeaders(req.headers);
      const identity = this.identify(headers, query);
      entry.identity = identity.name;
      entry.principal = identity.principal;
      if ((headers["x-amz-content-sha256"] ?? "").startsWith("STREAMING-") || /aws-chunked/i.test(headers["content-encoding"] ?? "")) {
        // s3rver would store the chunk framing as the object's bytes.
        throw new Refusal(403, "AccessDenied", "drill policy front: aws-chunked (streaming) payloads are not modelled; refused rather than stored corrupted", "NotModelled");
      }
      if (req.method === "POST" && query.has("delete")) {
        // The keys of a batch delete are in the body; the client sends it only after a 100 Continue.
        if (expectsContinue) res.writeContinue();
        expectsContinue = false;
        body = await readBody(req);
      }
      let call: S3Call;
      let checks: IamCheck[];
      try {
        call = s3CallFromHttp({ method: req.method ?? "", path: rawPath, query, headers, tls, body: body?.toString("utf8") });
        checks = iamChecksOf(call);
      } catch (e) {
        throw new Refusal(403, "AccessDenied", `drill policy front: ${req.method} ${rawPath}${q < 0 ? "" : url.slice(q)} is a request the access model does not know (${(e as Error).message}); refused, never passed through`, "NotModelled");
      }
      entry.api = call.api;
      if (call.key !== undefined) entry.key = call.key;
      if (call.prefix !== undefined) entry.prefix = call.prefix;
      if (call.bucket === this.cfg.bucket) checks = [...checks, ...kmsChecksOf(call, { bucket: this.cfg.bucket, region: this.cfg.region, keyArn: this.cfg.keyArn, bucketKey: this.cfg.bucketKey })];
      for (const check of checks) {
        try {
          const j = await judge(check, this.policyPath(check, call, identity));
          entry.checks.push({ action: check.action, resource: check.resource, verdict: j.verdict, deciding: j.deciding });
        } catch (e) {
          throw new Refusal(403, "AccessDenied", `drill policy front: ${check.action} on ${check.resource} could not be judged: ${(e as Error).message}`, "NotJudged");
        }
      }
      const failed = entry.checks.filter((c) => c.verdict !== "Allowed");
      if (failed.length > 0) {
        const verdict: Verdict = failed.some((c) => c.verdict === "ExplicitlyDenied") ? "ExplicitlyDenied" : "ImplicitlyDenied";
        const why = failed.map((c) => `${c.action} on ${c.resource}: ${c.verdict} (${c.deciding.join("; ") || "no statement named"})`).join("; ");
        throw new Refusal(403, "AccessDenied", `${identity.principal} (drill identity ${identity.name}) is not authorized for ${call.api} over ${tls ? "TLS" : "plain HTTP"}: ${why}`, verdict);
      }
      entry.verdict = "Allowed";
    } catch (e) {
      const r = e instanceof Refusal ? e : new Refusal(500, "InternalError", `drill policy front: ${(e as Error).message}`, "NotJudged");
      entry.verdict = r.outcome;
      entry.message = r.message;
      process.stdout.write(`${entry.at} REFUSED ${entry.method} ${entry.path} as ${entry.identity ?? "-"}: ${r.message}\n`);
      this.answer(req, res, r.status, r.code, r.message, expectsContinue);
      return;
    }
    if (expectsContinue) res.writeContinue();
    this.forward(req, res, body);
  }

  /** The signing identity, from the SigV4 Authorization header's Credential=<access key id>/... */
  private identify(headers: Record<string, string | undefined>, query: URLSearchParams): DrillIdentity {
    if (query.has("X-Amz-Credential") || query.has("Signature")) {
      throw new Refusal(403, "AccessDenied", "drill policy front: presigned URLs are not modelled (no drill client uses them); refused", "NotModelled");
    }
    const auth = headers.authorization;
    if (!auth) throw new Refusal(403, "AccessDenied", "drill policy front: unsigned (anonymous) request; every drill client signs as a drill identity", "UnknownIdentity");
    const keyId = /Credential=([^/,\s]+)\//.exec(auth)?.[1];
    const identity = keyId ? this.byKeyId.get(keyId) : undefined;
    if (!identity) throw new Refusal(403, "InvalidAccessKeyId", `drill policy front: access key id ${keyId ?? "(none in the Authorization header)"} is no drill identity`, "UnknownIdentity");
    return identity;
  }

  private policyPath(check: IamCheck, call: S3Call, identity: DrillIdentity): PolicyPath {
    if (check.action.startsWith("kms:")) {
      // A key other than the bucket's (a foreign key id in the upload) is judged with its own account's default policy.
      const own = check.resource === this.cfg.keyArn;
      return {
        principal: identity.principal,
        identityPolicies: identity.identityPolicies,
        resourcePolicy: own ? this.keyPolicy : { name: `default key policy of ${check.resource}`, policy: defaultKeyPolicy(accountOf(check.resource)) },
        resourceAccount: own ? this.cfg.account : accountOf(check.resource),
      };
    }
    return {
      principal: identity.principal,
      identityPolicies: identity.identityPolicies,
      ...(call.bucket === this.cfg.bucket ? { resourcePolicy: this.bucketPolicy } : {}),
      resourceAccount: this.cfg.account,
    };
  }

  /** An S3 error document. After a refused Expect: 100-continue the body never comes, so the connection can not be reused. */
  private answer(req: http.IncomingMessage, res: http.ServerResponse, status: number, code: string, message: string, bodyPending: boolean): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const requestId = randomBytes(8).toString("hex").toUpperCase();
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId></Error>`;
    res.writeHead(status, {
      "content-type": "application/xml",
      "content-length": Buffer.byteLength(xml),
      "x-amz-request-id": requestId,
      ...(bodyPending ? { connection: "close" } : {}),
    });
    res.end(req.method === "HEAD" ? undefined : xml);
  }

  /** Pass the request to s3rver unsigned, streaming the body both ways (base backups are big). */
  private forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer | undefined): void {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!NOT_FORWARDED.has(k) && v !== undefined) headers[k] = v;
    headers.host = `${this.cfg.host}:${this.cfg.upstreamPort}`;
    if (body) headers["content-length"] = String(body.length);
    const up = http.request({ host: this.cfg.host, port: this.cfg.upstreamPort, method: req.method, path: req.url, headers, agent: this.upstream }, (ur) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(ur.headers)) if (!NOT_RETURNED.has(k) && v !== undefined) out[k] = v;
      res.writeHead(ur.statusCode ?? 502, out);
      ur.pipe(res);
    });
    up.on("error", (e) => {
      if (res.headersSent) res.destroy(e);
      else this.answer(req, res, 503, "ServiceUnavailable", `drill policy front: the S3 store behind it is unreachable (${e.message})`, !req.complete);
    });
    res.on("close", () => {
      if (!res.writableFinished) up.destroy();
    });
    if (body) up.end(body);
    else req.pipe(up);
  }

  private record(entry: JudgedRequest): void {
    // One write per line, so a reader never sees half of an entry it can not skip.
    fs.appendFileSync(this.cfg.logFile, `${JSON.stringify(entry)}\n`);
  }
}

export async function startPolicyFront(cfg: FrontConfig): Promise<PolicyFront> {
  const front = new PolicyFront(cfg);
  await front.listen();
  return front;
}

export interface FrontSummary {
  judged: number;
  allowed: number;
  refused: number;
  /** Every refused request in full. */
  refusals: JudgedRequest[];
}

/** Every request the front has judged, oldest first (a line still being written is left for the next read). */
export function readJudged(logFile: string): JudgedRequest[] {
  let text: string;
  try {
    text = fs.readFileSync(logFile, "utf8");
  } catch {
    return [];
  }
  const lines = text.split("\n");
  const out: JudgedRequest[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as JudgedRequest);
    } catch (e) {
      if (i < lines.length - 1) throw new Error(`${logFile}: line ${i + 1} is not JSON: ${(e as Error).message}`);
    }
  }
  return out;
}

export function summarize(entries: JudgedRequest[]): FrontSummary {
  const refusals = entries.filter((e) => e.verdict !== "Allowed");
  return { judged: entries.length, allowed: entries.length - refusals.length, refused: refusals.length, refusals };
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: policy-front.ts <config.json>\n");
    process.exit(2);
  }
  const cfg = JSON.parse(fs.readFileSync(file, "utf8")) as FrontConfig;
  startPolicyFront(cfg).then(
    () => process.stdout.write(`policy front for ${cfg.bucket}: https://${cfg.host}:${cfg.tlsPort}${cfg.httpPort !== undefined ? ` and http://${cfg.host}:${cfg.httpPort}` : ""} -> s3rver ${cfg.host}:${cfg.upstreamPort}\n`),
    (e: Error) => {
      process.stderr.write(`policy front failed to start: ${e.stack ?? e.message}\n`);
      process.exit(1);
    },
  );
}
