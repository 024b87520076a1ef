/** What the controller tells people, through a webhook (Slack/Teams/Alertmanager-style receivers take JSON). */
export interface Alert {
  source: "agent-dr-failover-controller";
  kind: "failover-start" | "step-failed" | "failover-end" | "approval-required" | "recovered-before-approval" | "suppressed-cooldown";
  severity: "info" | "warning" | "critical";
  component: string;
  runbook?: string;
  runId?: string;
  step?: string;
  ok?: boolean;
  rtoSeconds?: number;
  message: string;
  at: string;
}

export type Alerter = (alert: Alert) => Promise<void>;

/**
 * POST each alert as JSON to a webhook URL. A failed delivery is reported to `log` and never
 * stops a failover: alerting is a side channel.
 */
export function webhookAlerter(url: string, log: (line: string) => void = () => undefined, timeoutMs = 5000): Alerter {
  return async (alert) => {
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(alert), signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      if (!res.ok) log(`alert webhook answered HTTP ${res.status} for ${alert.kind}`);
    } catch (e) {
      log(`alert webhook failed for ${alert.kind}: ${(e as Error).message}`);
    }
  };
}
