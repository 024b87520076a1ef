/**
 * A runbook is data: an ordered list of steps, each naming an action and its parameters. The
 * actions themselves live in an ActionSet that an executor provides, so the same runbook runs
 * against Kubernetes/AWS or against the local drill topology.
 */

/** Exponential backoff between attempts of one step. */
export interface Backoff {
  initialMs: number;
  factor: number;
  maxMs: number;
}

/** A reference to an action with its parameters (plain JSON so runbooks can be printed and documented). */
export interface ActionCall {
  action: string;
  params: Record<string, unknown>;
}

export interface StepSpec extends ActionCall {
  name: string;
  /** One sentence for the generated docs and the dry-run. */
  description: string;
  /** Bound on each attempt (action + verification). */
  timeoutSeconds: number;
  /** Extra attempts after the first one fails. */
  retries: number;
  backoff: Backoff;
  /** Undoes the step; run in reverse order for completed steps when a later step fails. */
  rollback?: ActionCall;
  /** Must pass after the action for the attempt to count; failing it fails the attempt. */
  verify?: ActionCall;
}

export interface Runbook {
  name: string;
  title: string;
  /** Why and when to run it (markdown, for the docs). */
  summary: string;
  /** The component whose health the controller watches to trigger it. */
  component: string;
  steps: StepSpec[];
}

/** What an action gets besides its parameters. */
export interface ActionContext {
  /** Aborted when the attempt times out or the run is cancelled; long waits must honour it. */
  signal: AbortSignal;
  /** Sleep that ends early (rejecting) when the signal aborts. */
  sleep(ms: number): Promise<void>;
}

/** One action an executor implements. */
export interface ActionImpl {
  /** What the action would do with these parameters (dry-run, docs). */
  describe(params: Record<string, unknown>): string;
  /**
   * Whether the action's effect already holds (idempotency): when true the step is skipped.
   * Must be a quick probe, not a wait.
   */
  holds?(params: Record<string, unknown>, ctx: ActionContext): Promise<boolean>;
  /** Do it; the returned text goes into the journal. Throw to fail the attempt. */
  run(params: Record<string, unknown>, ctx: ActionContext): Promise<string>;
}

export type ActionSet = Readonly<Record<string, ActionImpl>>;

export type Outcome = "ok" | "skipped" | "failed" | "timeout" | "dry-run" | "rolled-back" | "rollback-failed";

/** One JSON line of the journal. */
export interface JournalEntry {
  runId: string;
  runbook: string;
  /** Step name, or "(run)" for the record spanning the whole run. */
  step: string;
  phase: "run" | "step" | "verify" | "rollback";
  attempt?: number;
  start: string;
  end: string;
  outcome: Outcome;
  output: string;
  /** On the "(run)" record: seconds from the run's start to its end. */
  rtoSeconds?: number;
}

export type RunEvent =
  | { type: "run-start"; runId: string; runbook: string; dryRun: boolean }
  | { type: "step-start"; runId: string; runbook: string; step: string; attempt: number }
  | { type: "step-failed"; runId: string; runbook: string; step: string; attempt: number; error: string; willRetry: boolean }
  | { type: "step-end"; runId: string; runbook: string; step: string; outcome: Outcome; output: string }
  | { type: "rollback"; runId: string; runbook: string; step: string; outcome: Outcome; output: string }
  | { type: "run-end"; runId: string; runbook: string; ok: boolean; rtoSeconds: number; failedStep?: string; error?: string };

export interface RunResult {
  runId: string;
  runbook: string;
  ok: boolean;
  dryRun: boolean;
  rtoSeconds: number;
  failedStep?: string;
  error?: string;
  /** Steps in the order they were handled, with their outcome. */
  steps: Array<{ name: string; outcome: Outcome; attempts: number; output: string }>;
  rolledBack: Array<{ name: string; outcome: Outcome; output: string }>;
  /** Dry-run: one line per step saying what it would do. */
  plan: string[];
}
