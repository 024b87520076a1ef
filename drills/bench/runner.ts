import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { allDrillPorts, drillPorts, PORT_BASE_ENV } from "../../testbed/ports";
import { DRILLS } from "../run";
import { portOpen, sleep, waitGone } from "../../testbed/runtime/procfs";
import { type ConfigName } from "./configs";
import { ProcessTreeWatch } from "./proctree";
import { appendRecord, type InterruptedRecord, type RepetitionRecord } from "./record";
import type { RepetitionOutcome, RepetitionTask } from "./repetition";

const REPO = path.resolve(__dirname, "../..");
const REPETITION_SCRIPT = path.join(__dirname, "repetition.ts");

/** The offline plan's run time, measured as `npm run plan` runs it (a fresh Node with swc). */
export const PLAN_ID = "offline-plan";
/** Failover scenarios: RTO and loss under each configuration; 10 repetitions by default. */
export const FAILOVER_SCENARIOS = ["postgres-primary-loss-sync", "postgres-primary-loss-async", "postgres-switchover", "redis-primary-loss"];
/** Throughput scenarios: independent of the failover timings, run with the derived settings only; 3 repetitions by default. */
export const THROUGHPUT_SCENARIOS = ["postgres-archive-s3-outage", "postgres-pitr", "postgres-logical-backup"];
export const DEFAULT_SCENARIOS = [...FAILOVER_SCENARIOS, "postgres-archive-s3-outage", "postgres-pitr", PLAN_ID];
export const DEFAULT_RUNS = { failover: 10, other: 3 } as const;

/** Environment variable of the failure-injection test hook: `<scenario id>#<repetition>` (1-based). */
export const INJECT_FAILURE_ENV = "AGENT_DR_BENCH_INJECT_FAILURE";

/** One unit of work: one drill (reporting one or more scenario ids) in one configuration, repetition k. */
export interface BenchTask {
  drill: string;
  scenarios: string[];
  config: ConfigName;
  repetition: number;
}

export interface BenchOptions {
  stack: string;
  scenarios: string[];
  configs: ConfigName[];
  runs: (id: string) => number;
  out: string;
  timeoutMs: number;
  portBase?: number;
  injectFailure?: { id: string; repetition: number };
  runId: string;
  log: (line: string) => void;
}

/** Which configurations a scenario runs under: every one for failover scenarios, derived only for the rest. */
export function configsFor(id: string, configs: ConfigName[]): ConfigName[] {
  return THROUGHPUT_SCENARIOS.includes(id) || id === PLAN_ID ? ["derived"] : configs;
}

/**
 * The order of the work: repetition 1 of every drill and configuration, then repetition 2, ...
 * Interleaved, so a change in the machine's load over the run touches every configuration alike
 * and a partial run has every configuration at about the same n.
 */
export function schedule(scenarios: string[], configs: ConfigName[], runs: (id: string) => number): BenchTask[] {
  const units: { drill: string; scenarios: string[]; config: ConfigName; runs: number }[] = [];
  for (const d of DRILLS) {
    const ids = d.ids.filter((id) => scenarios.includes(id));
    if (ids.length === 0) continue;
    for (const config of configsFor(ids[0], configs)) units.push({ drill: d.ids.join("+"), scenarios: ids, config, runs: Math.max(...ids.map(runs)) });
  }
  if (scenarios.includes(PLAN_ID)) units.push({ drill: PLAN_ID, scenarios: [PLAN_ID], config: "derived", runs: runs(PLAN_ID) });
  const max = Math.max(0, ...units.map((u) => u.runs));
  const out: BenchTask[] = [];
  for (let k = 1; k <= max; k++) for (const u of units) if (k <= u.runs) out.push({ drill: u.drill, scenarios: u.scenarios, config: u.config, repetition: k });
  return out;
}

interface Current {
  child: ChildProcess;
  watch: ProcessTreeWatch;
}

/**
 * Runs the schedule, one repetition at a time, each in a process of its own with its own temp
 * directory, and appends a record per scenario as soon as its repetition ends. A repetition that
 * throws, times out or cannot start is recorded as failed and the bench goes on.
 */
export class Bench {
  private interrupted = false;
  private forced = false;
  private current?: Current;
  readonly records: RepetitionRecord[] = [];
  private readonly ports: number[];

  constructor(private readonly opts: BenchOptions) {
    this.ports = allDrillPorts(drillPorts(opts.portBase));
  }

  get wasInterrupted(): boolean {
    return this.interrupted;
  }

  /** Ctrl-C: the running repetition stops its servers and ends; nothing new starts. A second call kills at once. */
  interrupt(): void {
    const c = this.current;
    if (this.interrupted) {
      this.forced = true;
      if (c) {
        c.watch.poll();
        c.watch.killSurvivors();
        c.child.kill("SIGKILL");
      }
      return;
    }
    this.interrupted = true;
    // The child's supervisor kills its servers by PID on SIGTERM (it may have had the SIGINT already).
    c?.child.kill("SIGTERM");
  }

  async run(tasks: BenchTask[]): Promise<RepetitionRecord[]> {
    for (const [i, t] of tasks.entries()) {
      if (this.interrupted) break;
      this.opts.log(`repetition ${i + 1}/${tasks.length}: ${t.drill} [${t.config}] #${t.repetition}`);
      const recs = t.drill === PLAN_ID ? await this.runPlan(t) : await this.runDrill(t);
      for (const r of recs) {
        appendRecord(this.opts.out, r);
        if (r.type === "repetition") {
          this.records.push(r);
          this.opts.log(`${r.id} [${r.config}] #${r.repetition}: ${r.failed ? `FAILED (no measurement): ${(r.error ?? "").split("\n")[0]}` : `${r.ok ? "ok" : "verdict FAILED"}${typeof r.measured?.rtoSeconds === "number" ? `, RTO ${r.measured.rtoSeconds.toFixed(2)} s` : ""}`}`);
        } else {
          this.opts.log(`${r.id} [${r.config}] #${r.repetition}: interrupted, not counted`);
        }
      }
    }
    return this.records;
  }

  private base(t: BenchTask, id: string, loadAvg1: number, t0: number): Omit<RepetitionRecord, "failed"> {
    return { type: "repetition", runId: this.opts.runId, at: new Date().toISOString(), id, config: t.config, repetition: t.repetition, wallSeconds: (Date.now() - t0) / 1000, loadAvg1 };
  }

  private failedAll(t: BenchTask, error: string, loadAvg1: number, t0: number, logs?: string): RepetitionRecord[] {
    return t.scenarios.map((id) => ({ ...this.base(t, id, loadAvg1, t0), failed: true, error, ...(logs ? { logs } : {}) }));
  }

  /**
   * A failed repetition's server logs, copied out of its temp directory before that is removed:
   * <out>.logs/<config>-<drill>-<k>/. Undefined when there were none.
   */
  private keepLogs(t: BenchTask, tmp: string): string | undefined {
    try {
      const drillDirs = fs.readdirSync(tmp).filter((f) => fs.existsSync(path.join(tmp, f, "logs")));
      if (drillDirs.length === 0) return undefined;
      const dest = path.join(`${this.opts.out}.logs`, `${t.config}-${t.drill}-${t.repetition}`);
      fs.rmSync(dest, { recursive: true, force: true });
      for (const d of drillDirs) fs.cpSync(path.join(tmp, d, "logs"), drillDirs.length === 1 ? dest : path.join(dest, d), { recursive: true });
      return dest;
    } catch (e) {
      this.opts.log(`  [${t.config} #${t.repetition}] could not keep the logs: ${(e as Error).message}`);
      return undefined;
    }
  }

  private interruptedAll(t: BenchTask): InterruptedRecord[] {
    return t.scenarios.map((id) => ({ type: "interrupted", runId: this.opts.runId, at: new Date().toISOString(), id, config: t.config, repetition: t.repetition }));
  }

  private inject(t: BenchTask): string | undefined {
    const f = this.opts.injectFailure;
    return f && t.scenarios.includes(f.id) && t.repetition === f.repetition ? `${f.id}#${f.repetition}` : undefined;
  }

  /** Every drill port free (nothing listening) within the wait, or the ones still taken. */
  private async busyPorts(waitMs: number): Promise<number[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const busy: number[] = [];
      for (const p of this.ports) if (await portOpen(p)) busy.push(p);
      if (busy.length === 0 || Date.now() > deadline) return busy;
      await sleep(500);
    }
  }

  private async runDrill(t: BenchTask): Promise<(RepetitionRecord | InterruptedRecord)[]> {
    const loadAvg1 = os.loadavg()[0];
    const t0 = Date.now();
    const busy = await this.busyPorts(30000);
    if (busy.length > 0) return this.failedAll(t, `ports still in use before the repetition (another drill or server?): ${busy.join(", ")}`, loadAvg1, t0);
    // Its own temp directory (the drill's supervisor makes its directory under TMPDIR), removed
    // afterwards whatever happened. 0755: the drill user must reach its directory inside.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "agent-dr-bench-"));
    fs.chmodSync(tmp, 0o755);
    const task: RepetitionTask = { stack: this.opts.stack, config: t.config, scenarios: t.scenarios, resultFile: path.join(tmp, "result.json"), ...(this.inject(t) ? { injectFailure: this.inject(t) } : {}) };
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
    if (this.opts.portBase !== undefined) env[PORT_BASE_ENV] = String(this.opts.portBase);
    else delete env[PORT_BASE_ENV];
    const lastLines: string[] = [];
    let timedOut = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null };
    let leftovers: number[] = [];
    try {
      const child = spawn(process.execPath, ["-r", "@swc-node/register", REPETITION_SCRIPT, JSON.stringify(task)], { cwd: REPO, env, stdio: ["ignore", "ignore", "pipe"] });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
      if (child.pid === undefined) throw new Error("could not start the repetition process");
      const watch = new ProcessTreeWatch(child.pid);
      watch.start(1000);
      this.current = { child, watch };
      let buf = "";
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", (d: string) => {
        buf += d;
        const lines = buf.split("\n");
        buf = lines.pop() ?? "";
        for (const l of lines) {
          this.opts.log(`  [${t.config} #${t.repetition}] ${l}`);
          lastLines.push(l);
          if (lastLines.length > 30) lastLines.shift();
        }
      });
      const timer = setTimeout(() => {
        timedOut = true;
        this.opts.log(`  [${t.config} #${t.repetition}] timed out after ${this.opts.timeoutMs / 1000} s: stopping it`);
        child.kill("SIGTERM");
        setTimeout(() => {
          watch.poll();
          watch.killSurvivors();
          child.kill("SIGKILL");
        }, 20000).unref();
      }, this.opts.timeoutMs);
      exit = await exited;
      clearTimeout(timer);
      watch.stop();
      this.current = undefined;
      // Whatever the repetition started and did not stop (reparented, so no longer its
      // descendants): killed by the PIDs seen while it ran.
      leftovers = watch.killSurvivors();
      await Promise.all(leftovers.map((p) => waitGone(p, 10000)));
      if (leftovers.length > 0) this.opts.log(`  [${t.config} #${t.repetition}] killed ${leftovers.length} process(es) the repetition left behind: ${leftovers.join(", ")}`);
      let outcome: RepetitionOutcome | undefined;
      try {
        outcome = JSON.parse(fs.readFileSync(task.resultFile, "utf8")) as RepetitionOutcome;
      } catch {
        outcome = undefined;
      }
      const userStopped = !timedOut && (this.interrupted || exit.code === 130 || exit.signal === "SIGINT");
      if (userStopped && !(outcome && "results" in outcome)) {
        this.interrupted = true;
        return this.interruptedAll(t);
      }
      if (timedOut) return this.failedAll(t, `timed out after ${this.opts.timeoutMs / 1000} s; last output:\n${lastLines.slice(-8).join("\n")}`, loadAvg1, t0, this.keepLogs(t, tmp));
      if (!outcome) return this.failedAll(t, `the repetition process ended (${exit.signal ? `signal ${exit.signal}` : `exit ${exit.code}`}) without a result; last output:\n${lastLines.slice(-8).join("\n")}`, loadAvg1, t0, this.keepLogs(t, tmp));
      if ("error" in outcome) return this.failedAll(t, outcome.error, loadAvg1, t0, this.keepLogs(t, tmp));
      const results = outcome.results;
      return t.scenarios.map((id) => {
        const r = results.find((x) => x.id === id);
        if (!r) return { ...this.base(t, id, loadAvg1, t0), failed: true, error: `the drill reported no result for ${id}` };
        return {
          ...this.base(t, id, loadAvg1, t0),
          failed: false,
          ok: r.ok,
          targetMet: r.targetMet,
          notes: r.notes,
          measured: r.measured,
          ...(leftovers.length ? { notes: [...r.notes, `the bench killed ${leftovers.length} leftover process(es)`] } : {}),
        };
      });
    } catch (e) {
      return this.failedAll(t, (e as Error).message, loadAvg1, t0);
    } finally {
      this.current = undefined;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** `npm run plan` as a user runs it (a fresh process); exit 0 or 1 (violations) both measure. */
  private async runPlan(t: BenchTask): Promise<RepetitionRecord[]> {
    const loadAvg1 = os.loadavg()[0];
    const t0 = Date.now();
    const child = spawn(process.execPath, ["-r", "@swc-node/register", path.join(REPO, "cli", "plan.ts"), "--stack", this.opts.stack, "--json"], { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr?.on("data", (d) => (err = (err + String(d)).slice(-2000)));
    this.current = { child, watch: new ProcessTreeWatch(child.pid ?? -1) };
    const exit = await new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    this.current = undefined;
    const seconds = (Date.now() - t0) / 1000;
    if (this.interrupted) return [];
    if (exit === 0 || exit === 1) return [{ ...this.base(t, PLAN_ID, loadAvg1, t0), failed: false, ok: true, measured: { seconds, exitCode: exit } }];
    return [{ ...this.base(t, PLAN_ID, loadAvg1, t0), failed: true, error: `npm run plan exited ${exit}: ${err.trim().split("\n").slice(-3).join(" ")}` }];
  }
}
