import { RunbookDefinitionError } from "./errors";
import type { ActionSet, Runbook } from "./types";

/**
 * Check a runbook against the actions an executor offers before anything runs, so a typo in an
 * action name fails at once rather than halfway through a failover.
 */
export function validateRunbook(runbook: Runbook, actions?: ActionSet): void {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]*$/.test(runbook.name)) problems.push(`name: ${JSON.stringify(runbook.name)}: expected kebab-case`);
  if (runbook.steps.length === 0) problems.push(`${runbook.name}.steps: expected at least one step`);
  const seen = new Set<string>();
  runbook.steps.forEach((s, i) => {
    const at = `${runbook.name}.steps[${i}] (${s.name})`;
    if (seen.has(s.name)) problems.push(`${at}.name: ${JSON.stringify(s.name)} is used twice; expected unique step names (the journal is keyed by them)`);
    seen.add(s.name);
    if (!(s.timeoutSeconds > 0)) problems.push(`${at}.timeoutSeconds: ${s.timeoutSeconds}: expected a number > 0`);
    if (!Number.isInteger(s.retries) || s.retries < 0) problems.push(`${at}.retries: ${s.retries}: expected an integer >= 0`);
    if (!(s.backoff.initialMs >= 0) || !(s.backoff.factor >= 1) || !(s.backoff.maxMs >= s.backoff.initialMs)) {
      problems.push(`${at}.backoff: ${JSON.stringify(s.backoff)}: expected initialMs >= 0, factor >= 1, maxMs >= initialMs`);
    }
    if (actions) {
      for (const [key, call] of [["action", s], ["verify", s.verify], ["rollback", s.rollback]] as const) {
        if (call && !actions[call.action]) problems.push(`${at}.${key}: ${JSON.stringify(call.action)}: expected one of ${Object.keys(actions).sort().join(", ")}`);
      }
    }
  });
  if (problems.length > 0) throw new RunbookDefinitionError(problems);
}

/** Delay before attempt n (1-based retry number): initial * factor^(n-1), capped. */
export function backoffDelayMs(backoff: { initialMs: number; factor: number; maxMs: number }, retry: number): number {
  return Math.min(backoff.maxMs, backoff.initialMs * Math.pow(backoff.factor, Math.max(0, retry - 1)));
}
