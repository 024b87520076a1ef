import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { RedisSettings } from "../../dr/settings/types";
import { MASTER_NAME } from "../../contract/redis";
import { SERVER_USER } from "../server-user";
import { waitFor } from "../runtime/procfs";
import { renderRedisConf } from "../../components/redis/render/redis-conf";
import { renderSentinelConf } from "../../components/redis/render/sentinel-conf";

const SCRIPTS = path.resolve(__dirname, "../../components/redis/scripts");

export interface LoopbackOptions {
  settings: RedisSettings;
  /** Redis nodes listen on basePort + i, Sentinels on basePort + 10 + j. */
  basePort: number;
  nodes?: number;
  sentinels?: number;
}

interface Proc {
  child: ChildProcess;
  exited: Promise<void>;
}

/**
 * A Redis set on loopback run exactly as the pods run it: configs from renderRedisConf /
 * renderSentinelConf, each Redis node started through scripts/role-discovery.sh and each Sentinel
 * through scripts/sentinel-start.sh. Every process is tracked by PID and stopped by stop().
 */
export class LoopbackRedisSet {
  readonly dir: string;
  readonly redisPassword = `r${Math.random().toString(36).slice(2)}x`;
  readonly sentinelPassword = `s${Math.random().toString(36).slice(2)}x`;
  private readonly procs = new Map<string, Proc>();
  private readonly nodes: number;
  private readonly sentinelCount: number;

  constructor(private readonly opts: LoopbackOptions) {
    this.nodes = opts.nodes ?? 3;
    this.sentinelCount = opts.sentinels ?? 3;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-dr-redis-loop-"));
    fs.writeFileSync(path.join(this.dir, "redis-password"), this.redisPassword);
    fs.writeFileSync(path.join(this.dir, "sentinel-password"), this.sentinelPassword);
    for (let i = 0; i < this.nodes; i++) {
      fs.mkdirSync(this.nodeDataDir(i), { recursive: true });
      fs.writeFileSync(path.join(this.dir, `node-${i}`, "redis.src.conf"), renderRedisConf(opts.settings, { port: this.nodePort(i), bind: "127.0.0.1", dir: this.nodeDataDir(i) }));
    }
    for (let j = 0; j < this.sentinelCount; j++) {
      fs.mkdirSync(path.join(this.dir, `sentinel-${j}`), { recursive: true });
      fs.writeFileSync(
        path.join(this.dir, `sentinel-${j}`, "sentinel.src.conf"),
        renderSentinelConf(opts.settings, { primaryHost: "127.0.0.1", primaryPort: this.nodePort(0), port: this.sentinelPort(j), bind: "127.0.0.1", dir: path.join(this.dir, `sentinel-${j}`) }),
      );
    }
    if (process.getuid?.() === 0) spawnSync("chown", ["-R", `${SERVER_USER}:`, this.dir], { stdio: "inherit" });
  }

  nodePort(i: number): number {
    return this.opts.basePort + i;
  }
  sentinelPort(j: number): number {
    return this.opts.basePort + 10 + j;
  }
  nodeDataDir(i: number): string {
    return path.join(this.dir, `node-${i}`, "data");
  }
  get sentinelAddresses(): string {
    return Array.from({ length: this.sentinelCount }, (_, j) => `127.0.0.1:${this.sentinelPort(j)}`).join(",");
  }

  /**
   * Bring the whole set up as a first deployment does: the Sentinels, then the replicas (they must
   * follow the bootstrap node, not promote themselves while it is absent), then node 0. Resolves
   * once node 0 is the primary, every other node its replica, and every Sentinel knows all the
   * replicas and the other Sentinels (a failover needs both).
   */
  async start(timeoutMs = 30_000): Promise<void> {
    for (let j = 0; j < this.sentinelCount; j++) this.startSentinel(j);
    const others = Array.from({ length: this.nodes - 1 }, (_, k) => k + 1);
    for (const i of [...others].reverse()) this.startNode(i);
    await waitFor("the replicas to start", timeoutMs, () => (others.every((i) => this.role(i) === "slave") ? true : undefined));
    this.startNode(0);
    await waitFor("node 0 to start as the primary", timeoutMs, () => (this.role(0) === "master" ? true : undefined));
    const replicas = String(this.nodes - 1);
    const peers = String(this.sentinelCount - 1);
    await waitFor(`every Sentinel to know ${replicas} replicas and ${peers} peers`, timeoutMs, () =>
      Array.from({ length: this.sentinelCount }, (_, j) => j).every((j) => this.sentinelField(j, "num-slaves") === replicas && this.sentinelField(j, "num-other-sentinels") === peers) ? true : undefined,
    );
  }

  /** Start Sentinel j through sentinel-start.sh. */
  startSentinel(j: number): void {
    const d = path.join(this.dir, `sentinel-${j}`);
    this.launch(`sentinel-${j}`, path.join(SCRIPTS, "sentinel-start.sh"), path.join(d, "log.txt"), {
      SENTINEL_CONF_SOURCE: path.join(d, "sentinel.src.conf"),
      SENTINEL_CONF: path.join(d, "sentinel.conf"),
      REDIS_PASSWORD_FILE: path.join(this.dir, "redis-password"),
      SENTINEL_PASSWORD_FILE: path.join(this.dir, "sentinel-password"),
      ANNOUNCE_HOST: "127.0.0.1",
      SENTINELS: this.sentinelAddresses,
    });
  }

  /** The environment a Redis node's container has (role-discovery.sh and pre-stop.sh read it). */
  nodeEnv(i: number): Record<string, string> {
    const d = path.join(this.dir, `node-${i}`);
    return {
      REDIS_CONF_SOURCE: path.join(d, "redis.src.conf"),
      REDIS_CONF: path.join(d, "redis.conf"),
      REDIS_PASSWORD_FILE: path.join(this.dir, "redis-password"),
      SENTINEL_PASSWORD_FILE: path.join(this.dir, "sentinel-password"),
      SENTINELS: this.sentinelAddresses,
      ANNOUNCE_HOST: "127.0.0.1",
      ANNOUNCE_PORT: String(this.nodePort(i)),
      ORDINAL: String(i),
      DISCOVERY_TIMEOUT_SECONDS: "60",
    };
  }

  /** Start Redis node i through role-discovery.sh, as a pod (re)start would. */
  startNode(i: number, env: Record<string, string> = {}): void {
    this.launch(`node-${i}`, path.join(SCRIPTS, "role-discovery.sh"), path.join(this.dir, `node-${i}`, "log.txt"), { ...this.nodeEnv(i), ...env });
  }

  /** Run pre-stop.sh for node i, as the kubelet runs the preStop hook; returns its log. */
  preStop(i: number): string {
    const r = spawnSync("sh", [path.join(SCRIPTS, "pre-stop.sh")], {
      encoding: "utf8",
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...this.nodeEnv(i), PRESTOP_WAIT_SECONDS: "15" },
    });
    return `${r.stdout ?? ""}${r.stderr ?? ""}`;
  }

  /** SIGTERM node i (a graceful stop, as the kubelet does after preStop) and wait for it to exit. */
  async stopNode(i: number): Promise<void> {
    const p = this.procs.get(`node-${i}`);
    if (!p) throw new Error(`node-${i} is not running`);
    p.child.kill("SIGTERM");
    await p.exited;
    this.procs.delete(`node-${i}`);
  }

  /** SIGKILL node i (the script execs redis-server, so the spawned PID is the server). */
  async killNode(i: number): Promise<void> {
    await this.kill(`node-${i}`);
  }

  /** SIGKILL any process of the set by name (`node-<i>`, `sentinel-<j>`). */
  async kill(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (!p) throw new Error(`${name} is not running`);
    p.child.kill("SIGKILL");
    await p.exited;
    this.procs.delete(name);
  }

  /** The file a Sentinel keeps its state in (its writable config). */
  sentinelStateFile(j: number): string {
    return path.join(this.dir, `sentinel-${j}`, "sentinel.conf");
  }

  /** Run role-discovery.sh for node i without starting Redis (ROLE_DISCOVERY_EXEC=0): its decision line and log. */
  decide(i: number, env: Record<string, string> = {}): { status: number | null; output: string } {
    const r = spawnSync("sh", [path.join(SCRIPTS, "role-discovery.sh")], {
      encoding: "utf8",
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...this.nodeEnv(i), REDIS_CONF: path.join(this.dir, `node-${i}`, "decide.conf"), ROLE_DISCOVERY_EXEC: "0", ...env },
    });
    return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
  }

  log(name: string): string {
    const f = path.join(this.dir, name, "log.txt");
    return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "";
  }

  /** redis-cli against a node (`redis`) or a Sentinel; returns stdout lines, or the error text. */
  cli(kind: "redis" | "sentinel", port: number, ...args: string[]): string[] {
    const r = spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "--no-auth-warning", "--raw", ...args], {
      encoding: "utf8",
      // Generous for loaded CI machines; a timed-out call returns what it got (usually nothing).
      timeout: 10_000,
      env: { ...process.env, REDISCLI_AUTH: kind === "redis" ? this.redisPassword : this.sentinelPassword },
    });
    return `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n");
  }

  /** ROLE of node i: "master", "slave", or what the node answered instead (e.g. a connection error). */
  role(i: number): string {
    return this.cli("redis", this.nodePort(i), "ROLE")[0] ?? "";
  }

  /** The primary every Sentinel names, as host:port per Sentinel. */
  sentinelPrimaries(): string[] {
    return Array.from({ length: this.sentinelCount }, (_, j) => this.cli("sentinel", this.sentinelPort(j), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME).join(":"));
  }

  /** A field of `SENTINEL MASTER` from Sentinel j. */
  sentinelField(j: number, field: string): string {
    const lines = this.cli("sentinel", this.sentinelPort(j), "SENTINEL", "MASTER", MASTER_NAME);
    for (let k = 0; k + 1 < lines.length; k += 2) if (lines[k] === field) return lines[k + 1];
    return "";
  }

  isRunning(name: string): boolean {
    return this.procs.has(name);
  }

  /** Stop every process this set started (by PID) and remove its directory. */
  async stop(): Promise<void> {
    const all = [...this.procs.entries()];
    for (const [, p] of all) p.child.kill("SIGKILL");
    await Promise.all(all.map(([, p]) => p.exited));
    this.procs.clear();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private launch(name: string, script: string, logFile: string, env: Record<string, string>): void {
    if (this.procs.has(name)) throw new Error(`${name} is already running`);
    const out = fs.openSync(logFile, "a");
    const fullEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env };
    // setpriv execs in place (unlike runuser, which forks), so the PID we hold is the server's.
    const [cmd, args] =
      process.getuid?.() === 0 ? ["setpriv", [`--reuid=${SERVER_USER}`, `--regid=${SERVER_USER}`, "--init-groups", "sh", script]] : ["sh", [script]];
    const child = spawn(cmd as string, args as string[], { env: fullEnv, stdio: ["ignore", out, out] });
    fs.closeSync(out);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.once("exit", () => {
      if (this.procs.get(name)?.child === child) this.procs.delete(name);
    });
    this.procs.set(name, { child, exited });
  }
}
