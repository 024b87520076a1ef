import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import { promisify } from "util";
import * as YAML from "yaml";

const run = promisify(execFile);

/**
 * A small Kubernetes REST client: in-cluster service account, or a kubeconfig context with a
 * token, client certificate or exec credential plugin (EKS: `aws eks get-token`). Written here
 * because @kubernetes/client-node 1.x is ESM-only and does not load under jest's CommonJS
 * runtime; the few calls the runbooks need are plain REST.
 */
export interface KubeAccess {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTlsVerify?: boolean;
  /** Bearer token, re-read per request (projected service account tokens rotate). */
  token?: () => Promise<string | undefined>;
  /** Default namespace of the context / service account. */
  namespace?: string;
}

export class KubeError extends Error {
  constructor(readonly status: number, readonly method: string, readonly path: string, body: string) {
    super(`${method} ${path}: HTTP ${status} ${extractMessage(body)}`);
    this.name = "KubeError";
  }
}

function extractMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body.slice(0, 300);
  } catch {
    return body.slice(0, 300);
  }
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export function inClusterAccess(): KubeAccess {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host) throw new Error("in-cluster Kubernetes access: KUBERNETES_SERVICE_HOST is not set (not running in a pod?)");
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    ca: fs.readFileSync(`${SA_DIR}/ca.crt`),
    token: async () => fs.readFileSync(`${SA_DIR}/token`, "utf8").trim(),
    namespace: fs.existsSync(`${SA_DIR}/namespace`) ? fs.readFileSync(`${SA_DIR}/namespace`, "utf8").trim() : undefined,
  };
}

const b64 = (s: string) => Buffer.from(s, "base64");

/** Access for one context of a kubeconfig (file path, or KUBECONFIG / ~/.kube/config). */
export function kubeconfigAccess(context?: string, file?: string): KubeAccess {
  const path = file ?? process.env.KUBECONFIG?.split(":")[0] ?? `${process.env.HOME}/.kube/config`;
  if (!fs.existsSync(path)) throw new Error(`kubeconfig ${path} does not exist; expected a kubeconfig with context ${JSON.stringify(context ?? "(current)")} (set KUBECONFIG), or --local / --in-cluster`);
  const doc = YAML.parse(fs.readFileSync(path, "utf8")) as any;
  const ctxName = context ?? doc["current-context"];
  const ctx = doc.contexts?.find((c: any) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`kubeconfig ${path}: context ${JSON.stringify(ctxName)}: expected one of ${(doc.contexts ?? []).map((c: any) => c.name).join(", ")}`);
  const cluster = doc.clusters?.find((c: any) => c.name === ctx.cluster)?.cluster;
  const user = doc.users?.find((u: any) => u.name === ctx.user)?.user ?? {};
  if (!cluster?.server) throw new Error(`kubeconfig ${path}: cluster ${JSON.stringify(ctx.cluster)} has no server`);
  const file64 = (data?: string, f?: string) => (data ? b64(data) : f ? fs.readFileSync(f) : undefined);
  let cached: { token: string; expires: number } | undefined;
  const exec = user.exec;
  return {
    server: cluster.server,
    ca: file64(cluster["certificate-authority-data"], cluster["certificate-authority"]),
    cert: file64(user["client-certificate-data"], user["client-certificate"]),
    key: file64(user["client-key-data"], user["client-key"]),
    insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
    namespace: ctx.namespace,
    token: async () => {
      if (user.token) return user.token as string;
      if (user.tokenFile) return fs.readFileSync(user.tokenFile, "utf8").trim();
      if (!exec) return undefined;
      if (cached && cached.expires > Date.now() + 30_000) return cached.token;
      const env = { ...process.env, ...Object.fromEntries((exec.env ?? []).map((e: any) => [e.name, e.value])) };
      const { stdout } = await run(exec.command, exec.args ?? [], { env, timeout: 30_000 });
      const cred = JSON.parse(stdout) as { status?: { token?: string; expirationTimestamp?: string } };
      if (!cred.status?.token) throw new Error(`kubeconfig exec ${exec.command}: ExecCredential without status.token`);
      cached = { token: cred.status.token, expires: cred.status.expirationTimestamp ? Date.parse(cred.status.expirationTimestamp) : Date.now() + 60_000 };
      return cached.token;
    },
  };
}

export interface KubeRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

export class KubeClient {
  constructor(readonly access: KubeAccess) {}

  async request<T = any>(req: KubeRequest): Promise<T> {
    const res = await this.requestText(req);
    if (res.status < 200 || res.status >= 300) throw new KubeError(res.status, req.method, req.path, res.text);
    return (res.text ? JSON.parse(res.text) : {}) as T;
  }

  /** The raw answer (status and body), for non-JSON bodies such as Patroni's through the pod proxy. */
  async requestText(req: KubeRequest): Promise<{ status: number; text: string }> {
    const url = new URL(req.path, this.access.server);
    const token = await this.access.token?.();
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string> = { accept: "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) {
      headers["content-type"] = req.contentType ?? "application/json";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    const isHttps = url.protocol === "https:";
    const options: https.RequestOptions = {
      method: req.method,
      headers,
      timeout: 15_000,
      // A fresh connection per call: runbooks make few calls, often minutes apart, and a reused
      // keep-alive socket the server has closed meanwhile fails with ECONNRESET.
      agent: false,
      ...(req.signal ? { signal: req.signal } : {}),
      ...(isHttps ? { ca: this.access.ca, cert: this.access.cert, key: this.access.key, rejectUnauthorized: !this.access.insecureSkipTlsVerify } : {}),
    };
    const text = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const r = (isHttps ? https : http).request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      r.on("timeout", () => r.destroy(new Error(`${req.method} ${req.path}: no answer within 15 s`)));
      r.on("error", reject);
      if (body !== undefined) r.write(body);
      r.end();
    });
    return text;
  }

  get<T = any>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>({ method: "GET", path, signal });
  }

  /** GET that maps 404 to undefined. */
  async find<T = any>(path: string, signal?: AbortSignal): Promise<T | undefined> {
    try {
      return await this.get<T>(path, signal);
    } catch (e) {
      if (e instanceof KubeError && e.status === 404) return undefined;
      throw e;
    }
  }
}
