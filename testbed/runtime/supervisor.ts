import { ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { childrenOf, isAlive, waitGone } from "./procfs";

import { SERVER_USER as DRILL_USER, serverUserIds as userIds } from "../server-user";

export interface StartOptions {
  env?: Record<string, string>;
  cwd?: string;
}

export interface Supervised {
  name: string;
  /** The PID of the server itself (not of the runuser wrapper). */
  pid: number;
  /** The PID we spawned: the server, or runuser when running as root. */
  spawnedPid: number;
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
}

const live = new Set<Supervisor>();
let hooksInstalled = false;

/** Last resort on interpreter exit or Ctrl-C: every supervisor kills what it started, by PID. */
function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", () => {
    for (const s of live) s.killAllSync();
  });
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      for (const s of live) s.killAllSync();
      process.exit(130);
    });
  }
}

/**
 * Starts servers as the drill user in a private temp directory, remembers every PID it started,
 * and kills exactly those (and the PostgreSQL processes they own) on stop, failure or interrupt.
 */
export class Supervisor {
  readonly dir: string;
  readonly logDir: string;
  private readonly procs = new Map<string, Supervised>();
  /** Extra PIDs to kill at the end: processes the servers spawned (postmasters under Patroni). */
  private readonly extraPids = new Set<number>();
  readonly asRoot = process.getuid?.() === 0;
  readonly uid: number;
  readonly gid: number;

  constructor(prefix = "agent-dr-drill-") {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.logDir = path.join(this.dir, "logs");
    fs.mkdirSync(this.logDir);
    if (this.asRoot) {
      const ids = userIds(DRILL_USER);
      this.uid = ids.uid;
      this.gid = ids.gid;
      fs.chownSync(this.dir, this.uid, this.gid);
      fs.chownSync(this.logDir, this.uid, this.gid);
    } else {
      this.uid = process.getuid?.() ?? 0;
      this.gid = process.getgid?.() ?? 0;
    }
    live.add(this);
    installHooks();
  }

  /** A directory under the drill dir, owned by the drill user, mode 0700 (PostgreSQL insists). */
  mkdir(rel: string, mode = 0o700): string {
    const p = path.join(this.dir, rel);
    fs.mkdirSync(p, { recursive: true, mode });
    fs.chmodSync(p, mode);
    // Every directory between the drill dir and p, so the drill user can reach p.
    for (let d = p; this.asRoot && d.startsWith(this.dir) && d !== this.dir; d = path.dirname(d)) fs.chownSync(d, this.uid, this.gid);
    return p;
  }

  writeFile(rel: string, content: string, mode = 0o600): string {
    const p = path.join(this.dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content, { mode });
    fs.chmodSync(p, mode);
    if (this.asRoot) fs.chownSync(p, this.uid, this.gid);
    return p;
  }

  /** Hand a path (recursively) to the drill user. */
  chown(p: string): void {
    if (this.asRoot) execFileSync("chown", ["-R", `${this.uid}:${this.gid}`, p]);
  }

  /** Wrap a command so it runs as the drill user when we are root. */
  command(cmd: string, args: string[]): [string, string[]] {
    return this.asRoot ? ["runuser", ["-u", DRILL_USER, "--", cmd, ...args]] : [cmd, args];
  }

  /** Run a short command as the drill user and return its stdout (throws with stderr on failure). */
  run(cmd: string, args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {}): Promise<string> {
    const [c, a] = this.command(cmd, args);
    return new Promise((resolve, reject) => {
      execFile(c, a, { cwd: opts.cwd ?? this.dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.dir, LANG: "C.UTF-8", ...opts.env }, timeout: opts.timeoutMs ?? 120000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(" ")} failed: ${(stderr || err.message).trim()}`));
        else resolve(stdout);
      });
    });
  }

  get(name: string): Supervised {
    const p = this.procs.get(name);
    if (!p) throw new Error(`drill supervisor: no process named ${name}`);
    return p;
  }

  has(name: string): boolean {
    return this.procs.has(name);
  }

  async start(name: string, cmd: string, args: string[], opts: StartOptions = {}): Promise<Supervised> {
    if (this.procs.has(name)) throw new Error(`drill supervisor: ${name} is already running`);
    const log = path.join(this.logDir, `${name}.log`);
    const fd = fs.openSync(log, "a");
    const [c, a] = this.command(cmd, args);
    const child = spawn(c, a, {
      cwd: opts.cwd ?? this.dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.dir, LANG: "C.UTF-8", ...opts.env },
      stdio: ["ignore", fd, fd],
    });
    fs.closeSync(fd);
    if (child.pid === undefined) throw new Error(`drill supervisor: could not start ${name} (${cmd})`);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const spawnedPid = child.pid;
    let pid = spawnedPid;
    if (this.asRoot) {
      // runuser forks; the server is its only child.
      const deadline = Date.now() + 5000;
      for (;;) {
        const kids = childrenOf(spawnedPid);
        if (kids.length > 0) {
          pid = kids[0];
          break;
        }
        if (!isAlive(spawnedPid) || Date.now() > deadline) throw new Error(`drill supervisor: ${name} exited at once; see ${log}:\n${tail(log)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const proc: Supervised = { name, pid, spawnedPid, child, log, exited };
    this.procs.set(name, proc);
    child.once("exit", () => {
      if (this.procs.get(name) === proc) this.procs.delete(name);
    });
    return proc;
  }

  /** Remember a PID the servers started (e.g. a postmaster) so it is killed at the end too. */
  track(pid: number): void {
    this.extraPids.add(pid);
  }

  /** Freeze then SIGKILL: PIDs and all their descendants, so none of them can react to the others' death. */
  async killHard(pids: number[]): Promise<void> {
    const all = new Set<number>();
    for (const p of pids) {
      if (!isAlive(p)) continue;
      all.add(p);
      for (const d of descendants(p)) all.add(d);
    }
    for (const p of all) signal(p, "SIGSTOP");
    for (const p of all) signal(p, "SIGKILL");
    // runuser stops itself when its child stops (su's job control) and would stay stopped, never
    // reaping the killed server nor exiting: let it continue.
    for (const proc of this.procs.values()) if (all.has(proc.pid) && proc.spawnedPid !== proc.pid) signal(proc.spawnedPid, "SIGCONT");
    await Promise.all([...all].map((p) => waitGone(p, 10000)));
  }

  /** Graceful stop of one supervised process: SIGTERM, then SIGKILL after the grace period. */
  async stop(name: string, graceMs = 15000): Promise<void> {
    const p = this.procs.get(name);
    if (!p) return;
    signal(p.pid, "SIGTERM");
    const done = await Promise.race([p.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref())]);
    if (!done) await this.killHard([p.pid, p.spawnedPid]);
    await p.exited;
    this.procs.delete(name);
  }

  /** Forget a process that the drill killed on purpose (after it is gone). */
  async reap(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (!p) return;
    await Promise.race([p.exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    this.procs.delete(name);
  }

  /** Stop everything: graceful first (in reverse start order), then kill what is left by PID. */
  async stopAll(graceMs = 10000): Promise<void> {
    const names = [...this.procs.keys()].reverse();
    await Promise.all(names.map((n) => this.stop(n, graceMs)));
    this.killExtras();
    live.delete(this);
  }

  killAllSync(): void {
    for (const p of this.procs.values()) {
      for (const d of [p.pid, ...descendants(p.pid), p.spawnedPid]) signal(d, "SIGKILL");
    }
    this.procs.clear();
    this.killExtras();
  }

  private killExtras(): void {
    for (const pid of this.extraPids) {
      if (!isAlive(pid)) continue;
      for (const d of [pid, ...descendants(pid)]) signal(d, "SIGKILL");
    }
    this.extraPids.clear();
  }

  removeDir(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    for (const c of childrenOf(p)) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
