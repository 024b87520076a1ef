import type { FailoverSettings } from "../../dr/settings";
import { WEBHOOK_PAGER } from "../../dr/settings/derive";
import type { Planning } from "../../dr/targets/planning";
import { ObservedResource, ofType } from "./resource";

/** Region promotion is automatic only when a failover controller Deployment runs in automatic mode. */
export function observeFailover(resources: ObservedResource[], planning: Planning): FailoverSettings {
  const controller = ofType(resources, "kubernetes:apps/v1:Deployment").find(
    (d) => d.inputs.metadata?.labels?.["app.kubernetes.io/component"] === "failover-controller",
  );
  const env: Array<{ name: string; value?: string }> = controller?.inputs.spec?.template?.spec?.containers?.[0]?.env ?? [];
  const get = (n: string) => env.find((e) => e.name === n)?.value;
  const automatic = controller !== undefined && get("REGION_PROMOTION") === "automatic";
  // The page of a manual promotion: the alarm on a Route53 health check, after period x evaluationPeriods.
  const healthAlarms = ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm").filter(
    (a) => a.inputs.namespace === "AWS/Route53" && a.inputs.metricName === "HealthCheckStatus" && (a.inputs.alarmActions ?? []).length > 0,
  );
  const pageDelays = healthAlarms.map((a) => Number(a.inputs.period) * Number(a.inputs.evaluationPeriods ?? 1)).filter(Number.isFinite);
  // A page reaches someone only through a subscription to a topic the alarm notifies.
  const subscribed = new Set(ofType(resources, "aws:sns/topicSubscription:TopicSubscription").map((t) => String(t.inputs.topic)));
  const webhookPages = healthAlarms.some((a) => (a.inputs.alarmActions as unknown[]).some((arn) => subscribed.has(String(arn))));
  const pagedVia = webhookPages ? WEBHOOK_PAGER : planning.signals?.onCallSubscriber;
  return {
    regionPromotion: automatic ? "automatic" : "manual",
    manualResponseSeconds: planning.failover.manualResponseSeconds,
    pageDelaySeconds: pageDelays.length ? Math.min(...pageDelays) : Infinity,
    ...(pagedVia ? { pagedVia } : {}),
    ...(planning.failover.corruptionNoticedSeconds !== undefined ? { corruptionNoticedSeconds: planning.failover.corruptionNoticedSeconds } : {}),
    controllerIntervalSeconds: Number(get("CHECK_INTERVAL_SECONDS") ?? planning.failover.controller.intervalSeconds),
    controllerFailureThreshold: Number(get("FAILURE_THRESHOLD") ?? planning.failover.controller.failureThreshold),
  };
}
