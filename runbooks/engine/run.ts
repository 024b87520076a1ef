import { randomBytes } from "crypto";
import { StepTimeoutError } from "./errors";
import type { Journal } from "./journal";
import type { ActionCall, ActionContext, ActionSet, JournalEntry, Outcome, RunEvent, RunResult, Runbook, StepSpec } from "./types";
import { backoffDelayMs, validateRunbook } from "./validate";

export interface RunOptions {
  actions: ActionSet;
  journal?: Journal;
  /** Print what would happen; execute nothing (not even the idempotency probes). */
  dryRun?: boolean;
  /** Alerts and progress; errors thrown here are reported to `log` and never fail the run. */
  onEvent?: (event: RunEvent) => void | Promise<void>;
  /** Cancels the run (the current attempt is aborted, completed steps are rolled back). */
  signal?: AbortSignal;
  runId?: string;
  log?: (line: string) => void;
}

const RUN = "(run)";

/**
 * Execute a runbook: each step is skipped when its effect already holds, otherwise attempted up
 * to 1 + retries times with backoff, each attempt (action and verification) bounded by the step's
 * timeout. When a step fails for good, the steps this run completed are rolled back in reverse
 * order. Every step, attempt and rollback is a journal line.
 */
export async function runRunbook(runbook: Runbook, opts: RunOptions): Promise<RunResult> {
  validateRunbook(runbook, opts.actions);
  const runId = opts.runId ?? `${runbook.name}-${new Date().toISOString().replace(/[:.]/g, "")}-${randomBytes(3).toString("hex")}`;
  const log = opts.log ?? (() => undefined);
  const result: RunResult = { runId, runbook: runbook.name, ok: false, dryRun: !!opts.dryRun, rtoSeconds: 0, steps: [], rolledBack: [], plan: [] };
  const journal = (e: Omit<JournalEntry, "runId" | "runbook">) => opts.journal?.write({ runId, runbook: runbook.name, ...e });
  const emit = async (event: RunEvent) => {
    if (!opts.onEvent) return;
    try {
      await opts.onEvent(event);
    } catch (e) {
      log(`event handler failed on ${event.type}: ${(e as Error).message}`);
    }
  };

  const runStart = new Date();
  await emit({ type: "run-start", runId, runbook: runbook.name, dryRun: !!opts.dryRun });

  if (opts.dryRun) {
    runbook.steps.forEach((step, i) => {
      const line = describeStep(step, i, opts.actions);
      result.plan.push(line);
      log(line);
      const now = new Date().toISOString();
      journal({ step: step.name, phase: "step", start: now, end: now, outcome: "dry-run", output: line });
      result.steps.push({ name: step.name, outcome: "dry-run", attempts: 0, output: line });
    });
    result.ok = true;
    finishRun(result, runStart, journal);
    await emit({ type: "run-end", runId, runbook: runbook.name, ok: true, rtoSeconds: result.rtoSeconds });
    return result;
  }

  const completed: StepSpec[] = [];
  for (const step of runbook.steps) {
    const outcome = await runStep(runbook, step, opts, journal, emit, runId, log);
    result.steps.push({ name: step.name, outcome: outcome.outcome, attempts: outcome.attempts, output: outcome.output });
    if (outcome.outcome === "ok") completed.push(step);
    if (outcome.outcome === "ok" || outcome.outcome === "skipped") continue;

    result.failedStep = step.name;
    result.error = outcome.output;
    for (const done of [...completed].reverse()) {
      if (!done.rollback) continue;
      const rb = await runRollback(done, opts, journal, log);
      result.rolledBack.push({ name: done.name, outcome: rb.outcome, output: rb.output });
      await emit({ type: "rollback", runId, runbook: runbook.name, step: done.name, outcome: rb.outcome, output: rb.output });
    }
    finishRun(result, runStart, journal);
    await emit({ type: "run-end", runId, runbook: runbook.name, ok: false, rtoSeconds: result.rtoSeconds, failedStep: step.name, error: outcome.output });
    return result;
  }
  result.ok = true;
  finishRun(result, runStart, journal);
  await emit({ type: "run-end", runId, runbook: runbook.name, ok: true, rtoSeconds: result.rtoSeconds });
  return result;
}

function finishRun(result: RunResult, start: Date, journal: (e: Omit<JournalEntry, "runId" | "runbook">) => void): void {
  const end = new Date();
  result.rtoSeconds = (end.getTime() - start.getTime()) / 1000;
  journal({
    step: RUN,
    phase: "run",
    start: start.toISOString(),
    end: end.toISOString(),
    outcome: result.dryRun ? "dry-run" : result.ok ? "ok" : "failed",
    output: result.ok ? "completed" : `failed at ${result.failedStep}: ${result.error}`,
    rtoSeconds: result.rtoSeconds,
  });
}

/** The dry-run line for one step. */
export function describeStep(step: StepSpec, index: number, actions: ActionSet): string {
  const d = (c: ActionCall) => actions[c.action].describe(c.params);
  let line = `${index + 1}. ${step.name}: ${d(step)} [timeout ${step.timeoutSeconds}s, ${step.retries} ${step.retries === 1 ? "retry" : "retries"}]`;
  if (step.verify) line += `; verify: ${d(step.verify)}`;
  if (step.rollback) line += `; rollback: ${d(step.rollback)}`;
  return line;
}

async function runStep(
  runbook: Runbook,
  step: StepSpec,
  opts: RunOptions,
  journal: (e: Omit<JournalEntry, "runId" | "runbook">) => void,
  emit: (e: RunEvent) => Promise<void>,
  runId: string,
  log: (line: string) => void,
): Promise<{ outcome: Outcome; attempts: number; output: string }> {
  const impl = opts.actions[step.action];

  // Idempotency: a re-run after a partial run skips what already holds.
  if (impl.holds) {
    const start = new Date();
    try {
      const holds = await withTimeout(step, opts.signal, (ctx) => impl.holds!(step.params, ctx));
      if (holds) {
        const output = `already holds: ${impl.describe(step.params)}`;
        journal({ step: step.name, phase: "step", attempt: 0, start: start.toISOString(), end: new Date().toISOString(), outcome: "skipped", output });
        log(`${step.name}: skipped (${output})`);
        await emit({ type: "step-end", runId, runbook: runbook.name, step: step.name, outcome: "skipped", output });
        return { outcome: "skipped", attempts: 0, output };
      }
    } catch (e) {
      // A failed probe is not a failed step: the action itself decides.
      log(`${step.name}: idempotency probe failed (${(e as Error).message}); running the action`);
    }
  }

  let last = { outcome: "failed" as Outcome, output: "" };
  const attempts = step.retries + 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      try {
        await abortableSleep(backoffDelayMs(step.backoff, attempt - 1), opts.signal);
      } catch {
        break;
      }
    }
    await emit({ type: "step-start", runId, runbook: runbook.name, step: step.name, attempt });
    const start = new Date();
    try {
      const output = await withTimeout(step, opts.signal, async (ctx) => {
        const out = await impl.run(step.params, ctx);
        if (!step.verify) return out;
        const verified = await opts.actions[step.verify.action].run(step.verify.params, ctx);
        return `${out}; verified: ${verified}`;
      });
      journal({ step: step.name, phase: "step", attempt, start: start.toISOString(), end: new Date().toISOString(), outcome: "ok", output });
      log(`${step.name}: ok (${output})`);
      await emit({ type: "step-end", runId, runbook: runbook.name, step: step.name, outcome: "ok", output });
      return { outcome: "ok", attempts: attempt, output };
    } catch (e) {
      const outcome: Outcome = e instanceof StepTimeoutError ? "timeout" : "failed";
      const output = (e as Error).message;
      last = { outcome, output };
      journal({ step: step.name, phase: "step", attempt, start: start.toISOString(), end: new Date().toISOString(), outcome, output });
      const willRetry = attempt < attempts && !opts.signal?.aborted;
      log(`${step.name}: attempt ${attempt}/${attempts} ${outcome}: ${output}${willRetry ? "; retrying" : ""}`);
      await emit({ type: "step-failed", runId, runbook: runbook.name, step: step.name, attempt, error: output, willRetry });
      if (!willRetry) break;
    }
  }
  await emit({ type: "step-end", runId, runbook: runbook.name, step: step.name, outcome: last.outcome, output: last.output });
  return { outcome: last.outcome, attempts, output: last.output };
}

async function runRollback(
  step: StepSpec,
  opts: RunOptions,
  journal: (e: Omit<JournalEntry, "runId" | "runbook">) => void,
  log: (line: string) => void,
): Promise<{ outcome: Outcome; output: string }> {
  const call = step.rollback!;
  let last = "";
  // Rollback runs even when the run was cancelled: it is what makes a cancel safe.
  for (let attempt = 1; attempt <= step.retries + 1; attempt++) {
    if (attempt > 1) await abortableSleep(backoffDelayMs(step.backoff, attempt - 1));
    const start = new Date();
    try {
      const output = await withTimeout(step, undefined, (ctx) => opts.actions[call.action].run(call.params, ctx));
      journal({ step: step.name, phase: "rollback", attempt, start: start.toISOString(), end: new Date().toISOString(), outcome: "rolled-back", output });
      log(`${step.name}: rolled back (${output})`);
      return { outcome: "rolled-back", output };
    } catch (e) {
      last = (e as Error).message;
      journal({ step: step.name, phase: "rollback", attempt, start: start.toISOString(), end: new Date().toISOString(), outcome: "rollback-failed", output: last });
      log(`${step.name}: rollback attempt ${attempt} failed: ${last}`);
    }
  }
  return { outcome: "rollback-failed", output: last };
}

/**
 * Run fn with an AbortSignal that fires after the step's timeout (or when the run is cancelled);
 * the race makes the timeout hold even for an action that ignores its signal.
 */
async function withTimeout<T>(step: StepSpec, outer: AbortSignal | undefined, fn: (ctx: ActionContext) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const timeoutError = new StepTimeoutError(step.name, step.timeoutSeconds);
  const timer = setTimeout(() => ac.abort(timeoutError), step.timeoutSeconds * 1000);
  const onOuter = () => ac.abort(outer?.reason ?? new Error("run cancelled"));
  if (outer?.aborted) onOuter();
  outer?.addEventListener("abort", onOuter, { once: true });
  const aborted = new Promise<never>((_, reject) => {
    if (ac.signal.aborted) reject(ac.signal.reason);
    ac.signal.addEventListener("abort", () => reject(ac.signal.reason), { once: true });
  });
  aborted.catch(() => undefined);
  const ctx: ActionContext = { signal: ac.signal, sleep: (ms) => abortableSleep(ms, ac.signal) };
  try {
    return await Promise.race([fn(ctx), aborted]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onOuter);
    if (!ac.signal.aborted) ac.abort(new Error("attempt finished"));
  }
}

/** setTimeout as a promise that rejects when the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
