import type { ActionSet, Journal, RunEvent, Runbook, RunResult } from "../engine";
import { runRunbook } from "../engine";
import type { Alert, Alerter } from "./alerts";

export interface HealthResult {
  healthy: boolean;
  detail: string;
}

/** One component the controller watches, and the runbook that recovers it. */
export interface ComponentWatch {
  component: string;
  check(signal: AbortSignal): Promise<HealthResult>;
  /** Built when needed, so it reflects the current targets. */
  runbook(): Runbook;
  /** Manual-approval mode: after the threshold, alert and wait for approve(component). */
  requiresApproval?: boolean;
}

export interface ControllerOptions {
  watches: ComponentWatch[];
  actions: ActionSet;
  /** Between health-check rounds (default 10 s). */
  intervalMs?: number;
  /** Consecutive failed checks before the runbook runs (default 3). */
  failureThreshold?: number;
  /** After a run (ok or not), no new run for the component this long (default 10 min): no flapping. */
  cooldownMs?: number;
  /** Bound on one health check (default: the interval, at most 5 s). */
  checkTimeoutMs?: number;
  alert?: Alerter;
  journal?: Journal;
  log?: (line: string) => void;
  now?: () => number;
}

export type ComponentState = "healthy" | "failing" | "awaiting-approval" | "failing-over" | "cooldown";

export interface ComponentStatus {
  component: string;
  state: ComponentState;
  consecutiveFailures: number;
  lastCheck?: { at: string; healthy: boolean; detail: string };
  cooldownUntil?: string;
  lastRun?: { runId: string; ok: boolean; rtoSeconds: number; failedStep?: string; finishedAt: string };
  /** Seconds from the first failed check of the episode to the end of the run (detection + recovery). */
  lastEndToEndSeconds?: number;
}

interface Tracked {
  watch: ComponentWatch;
  failures: number;
  firstFailureAt?: number;
  running?: Promise<RunResult>;
  cooldownUntil: number;
  awaitingApproval: boolean;
  approved: boolean;
  alertedCooldown: boolean;
  status: ComponentStatus;
}

/**
 * Watches components on an interval; after `failureThreshold` consecutive failed checks it runs
 * the component's runbook, at most one run per component at a time, then holds off for a
 * cool-down. Region promotion can require a human's approval.
 */
export class FailoverController {
  private readonly tracked: Map<string, Tracked>;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = true;
  readonly intervalMs: number;
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: ControllerOptions) {
    this.intervalMs = opts.intervalMs ?? 10_000;
    this.failureThreshold = opts.failureThreshold ?? 3;
    this.cooldownMs = opts.cooldownMs ?? 600_000;
    if (!(this.intervalMs > 0)) throw new Error(`intervalMs: ${this.intervalMs}: expected a number > 0`);
    if (!Number.isInteger(this.failureThreshold) || this.failureThreshold < 1) throw new Error(`failureThreshold: ${this.failureThreshold}: expected an integer >= 1`);
    if (!(this.cooldownMs >= 0)) throw new Error(`cooldownMs: ${this.cooldownMs}: expected a number >= 0`);
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? (() => undefined);
    const names = opts.watches.map((w) => w.component);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new Error(`watches: component ${JSON.stringify(dup)} appears twice; expected one watch per component`);
    this.tracked = new Map(
      opts.watches.map((w) => [
        w.component,
        { watch: w, failures: 0, cooldownUntil: 0, awaitingApproval: false, approved: false, alertedCooldown: false, status: { component: w.component, state: "healthy", consecutiveFailures: 0 } },
      ]),
    );
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.ticking = this.tick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.intervalMs);
      });
    };
    loop();
  }

  /** Stop checking; waits for the current round and any running failover to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await Promise.all([...this.tracked.values()].map((t) => t.running?.catch(() => undefined)));
  }

  status(): ComponentStatus[] {
    return [...this.tracked.values()].map((t) => ({ ...t.status }));
  }

  /** Approve a pending run (manual mode). False when nothing waits for approval. */
  approve(component: string): boolean {
    const t = this.tracked.get(component);
    if (!t) throw new Error(`approve: component ${JSON.stringify(component)}: expected one of ${[...this.tracked.keys()].join(", ")}`);
    if (!t.awaitingApproval) return false;
    t.approved = true;
    this.log(`${component}: run approved`);
    return true;
  }

  /** Wait for a component's running failover, if any (tests, shutdown). */
  async settled(component: string): Promise<RunResult | undefined> {
    return this.tracked.get(component)?.running;
  }

  /** One round of health checks (all components in parallel). */
  async tick(): Promise<void> {
    await Promise.all([...this.tracked.values()].map((t) => this.checkOne(t)));
  }

  private async checkOne(t: Tracked): Promise<void> {
    // Never a second failover, and no checks, while one runs: the runbook is changing what the check sees.
    if (t.running) return;
    const timeout = this.opts.checkTimeoutMs ?? Math.min(this.intervalMs, 5000);
    let result: HealthResult;
    try {
      result = await t.watch.check(AbortSignal.timeout(timeout));
    } catch (e) {
      result = { healthy: false, detail: `check failed: ${(e as Error).message}` };
    }
    const now = this.now();
    t.status.lastCheck = { at: new Date(now).toISOString(), healthy: result.healthy, detail: result.detail };
    const comp = t.watch.component;

    if (result.healthy) {
      if (t.awaitingApproval) await this.alert({ kind: "recovered-before-approval", severity: "info", component: comp, message: `${comp} recovered before the run was approved: ${result.detail}` });
      t.failures = 0;
      t.firstFailureAt = undefined;
      t.awaitingApproval = false;
      t.approved = false;
      t.alertedCooldown = false;
      t.status.state = now < t.cooldownUntil ? "cooldown" : "healthy";
      t.status.consecutiveFailures = 0;
      return;
    }

    t.failures += 1;
    t.firstFailureAt ??= now;
    t.status.consecutiveFailures = t.failures;
    t.status.state = "failing";
    this.log(`${comp}: check failed ${t.failures}/${this.failureThreshold}: ${result.detail}`);
    if (t.failures < this.failureThreshold) return;

    if (now < t.cooldownUntil) {
      t.status.state = "cooldown";
      if (!t.alertedCooldown) {
        t.alertedCooldown = true;
        await this.alert({ kind: "suppressed-cooldown", severity: "warning", component: comp, message: `${comp} unhealthy again within the cool-down after the last run; not running ${t.watch.runbook().name} until ${new Date(t.cooldownUntil).toISOString()}` });
      }
      return;
    }

    if (t.watch.requiresApproval && !t.approved) {
      if (!t.awaitingApproval) {
        t.awaitingApproval = true;
        await this.alert({
          kind: "approval-required",
          severity: "critical",
          component: comp,
          runbook: t.watch.runbook().name,
          message: `${comp} failed ${t.failures} consecutive checks (${result.detail}); ${t.watch.runbook().name} waits for approval (POST /approve/${comp})`,
        });
      }
      t.status.state = "awaiting-approval";
      return;
    }

    this.startRun(t, result.detail);
  }

  private startRun(t: Tracked, reason: string): void {
    const comp = t.watch.component;
    const runbook = t.watch.runbook();
    t.awaitingApproval = false;
    t.approved = false;
    t.status.state = "failing-over";
    const onEvent = async (e: RunEvent) => {
      if (e.type === "run-start") {
        await this.alert({ kind: "failover-start", severity: "critical", component: comp, runbook: e.runbook, runId: e.runId, message: `${comp}: running ${e.runbook} after ${t.failures} failed checks (${reason})` });
      } else if (e.type === "step-failed") {
        await this.alert({ kind: "step-failed", severity: e.willRetry ? "warning" : "critical", component: comp, runbook: e.runbook, runId: e.runId, step: e.step, message: `${e.runbook}: step ${e.step} attempt ${e.attempt} failed: ${e.error}${e.willRetry ? " (retrying)" : ""}` });
      } else if (e.type === "run-end") {
        await this.alert({
          kind: "failover-end",
          severity: e.ok ? "info" : "critical",
          component: comp,
          runbook: e.runbook,
          runId: e.runId,
          ok: e.ok,
          rtoSeconds: e.rtoSeconds,
          ...(e.failedStep ? { step: e.failedStep } : {}),
          message: e.ok ? `${e.runbook} completed in ${e.rtoSeconds.toFixed(1)} s` : `${e.runbook} failed at ${e.failedStep}: ${e.error}; completed steps were rolled back`,
        });
      }
    };
    const firstFailureAt = t.firstFailureAt ?? this.now();
    t.running = runRunbook(runbook, { actions: this.opts.actions, journal: this.opts.journal, onEvent, log: (l) => this.log(`${comp}: ${l}`) })
      .catch((e: Error) => {
        // A runbook that could not even start (bad definition) still ends the episode with an alert.
        void this.alert({ kind: "failover-end", severity: "critical", component: comp, runbook: runbook.name, ok: false, message: `${runbook.name} could not run: ${e.message}` });
        return { runId: "", runbook: runbook.name, ok: false, dryRun: false, rtoSeconds: 0, error: e.message, steps: [], rolledBack: [], plan: [] } as RunResult;
      })
      .then((r) => {
        const end = this.now();
        t.cooldownUntil = end + this.cooldownMs;
        t.failures = 0;
        t.firstFailureAt = undefined;
        t.status = {
          ...t.status,
          state: "cooldown",
          consecutiveFailures: 0,
          cooldownUntil: new Date(t.cooldownUntil).toISOString(),
          lastRun: { runId: r.runId, ok: r.ok, rtoSeconds: r.rtoSeconds, ...(r.failedStep ? { failedStep: r.failedStep } : {}), finishedAt: new Date(end).toISOString() },
          lastEndToEndSeconds: (end - firstFailureAt) / 1000,
        };
        return r;
      })
      .finally(() => {
        t.running = undefined;
      });
  }

  private async alert(a: Omit<Alert, "source" | "at">): Promise<void> {
    this.log(`alert ${a.kind}: ${a.message}`);
    if (!this.opts.alert) return;
    try {
      await this.opts.alert({ source: "agent-dr-failover-controller", at: new Date(this.now()).toISOString(), ...a });
    } catch (e) {
      this.log(`alert delivery failed: ${(e as Error).message}`);
    }
  }
}
