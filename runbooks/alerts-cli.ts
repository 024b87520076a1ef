import type { RunEvent } from "./engine";
import { webhookAlerter } from "./controller/alerts";

/**
 * For one-off runs (CLI, DR test CronJobs): alert on failure only, through ALERT_WEBHOOK_URL when
 * set. A successful scheduled test is recorded in the journal; a failed one must reach a person.
 */
export function failureAlerts(url: string | undefined, component: string, log: (l: string) => void): ((e: RunEvent) => Promise<void>) | undefined {
  if (!url) return undefined;
  const send = webhookAlerter(url, log);
  return async (e) => {
    const at = new Date().toISOString();
    if (e.type === "step-failed" && !e.willRetry) {
      await send({ source: "agent-dr-failover-controller", kind: "step-failed", severity: "critical", component, runbook: e.runbook, runId: e.runId, step: e.step, message: `${e.runbook}: step ${e.step} failed: ${e.error}`, at });
    } else if (e.type === "run-end" && !e.ok) {
      await send({ source: "agent-dr-failover-controller", kind: "failover-end", severity: "critical", component, runbook: e.runbook, runId: e.runId, ok: false, rtoSeconds: e.rtoSeconds, ...(e.failedStep ? { step: e.failedStep } : {}), message: `${e.runbook} failed at ${e.failedStep}: ${e.error}`, at });
    }
  };
}
