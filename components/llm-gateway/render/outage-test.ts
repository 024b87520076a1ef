import type * as k8s from "@pulumi/kubernetes";
import { chainWorstSeconds } from "../../../dr/budget/llm";
import { providerWorstSeconds } from "../../../dr/settings/llm";
import type { LlmGatewaySettings } from "../../../dr/settings/types";
import { CONFIG_HEADER, LLM_CLIENT_LABEL } from "./names";
import { DEGRADED_IMAGE } from "./workloads";

type CronJobSpec = k8s.types.input.batch.v1.CronJobSpec;

/**
 * The monthly "LLM API outage" test of the DR test schedule, in staging by default (like the
 * others: components/controller/schedule.ts). 05:00 UTC on the 8th: apart from the weekly tests
 * (03:00 Mondays and Wednesdays) and the monthly ones (04:00 on the 1st and 15th).
 */
export const LLM_OUTAGE_TEST = {
  name: "llm-outage-test",
  schedule: "0 5 8 * *",
  description: "Monthly: break the primary LLM provider, then every provider, for the test's own requests; the gateway must answer from the standby, then with the degraded response and a delivered hand-off.",
} as const;

/** A real provider's own answer time on top of the failed ones: the test is about failover, not about the model's speed. */
const ANSWER_SLACK_SECONDS = 10;

/** The bounds the test holds, from the same budget the plan prints. */
export function outageTestBounds(l: LlmGatewaySettings): { maxStandbySeconds: number; maxDegradedSeconds: number } {
  return { maxStandbySeconds: providerWorstSeconds(l.requestTimeoutSeconds, l.retries) + ANSWER_SLACK_SECONDS, maxDegradedSeconds: chainWorstSeconds(l) + ANSWER_SLACK_SECONDS };
}

export function outageTestEnv(l: LlmGatewaySettings, gatewayUrl: string, routeFile: string, blackholeUrl?: string): Array<{ name: string; value: string }> {
  const b = outageTestBounds(l);
  return [
    { name: "GATEWAY_URL", value: gatewayUrl },
    { name: "ROUTE_FILE", value: routeFile },
    { name: "REQUESTS", value: "3" },
    { name: "MAX_STANDBY_SECONDS", value: String(b.maxStandbySeconds) },
    { name: "MAX_DEGRADED_SECONDS", value: String(b.maxDegradedSeconds) },
    ...(blackholeUrl ? [{ name: "BLACKHOLE_URL", value: blackholeUrl }] : []),
  ];
}

export interface OutageTestInput {
  settings: LlmGatewaySettings;
  gatewayUrl: string;
  routeSecret: string;
  scriptConfigMap: string;
}

/**
 * The CronJob: one run at a time, never retried (a failed test is a finding, not a flake to hide),
 * cut off after 5 minutes. Its pod is an LLM client (the gateway's NetworkPolicy admits it) and
 * reads the route Secret like the agent API does; it holds no service account token.
 */
export function outageTestCronJobSpec(i: OutageTestInput): CronJobSpec {
  const routeDir = "/etc/llm-route";
  return {
    schedule: LLM_OUTAGE_TEST.schedule,
    concurrencyPolicy: "Forbid",
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
    jobTemplate: {
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: 300,
        template: {
          metadata: { labels: { "app.kubernetes.io/name": LLM_OUTAGE_TEST.name, [LLM_CLIENT_LABEL.key]: LLM_CLIENT_LABEL.value } },
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "test",
                image: DEGRADED_IMAGE,
                command: ["node", "/opt/test/llm-outage-test.mjs"],
                env: outageTestEnv(i.settings, i.gatewayUrl, `${routeDir}/${CONFIG_HEADER}`),
                resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
                volumeMounts: [
                  { name: "route", mountPath: routeDir, readOnly: true },
                  { name: "script", mountPath: "/opt/test", readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: "route", secret: { secretName: i.routeSecret, defaultMode: 0o400, items: [{ key: CONFIG_HEADER, path: CONFIG_HEADER }] } },
              { name: "script", configMap: { name: i.scriptConfigMap, defaultMode: 0o444, items: [{ key: "llm-outage-test.mjs", path: "llm-outage-test.mjs" }] } },
            ],
          },
        },
      },
    },
  };
}
