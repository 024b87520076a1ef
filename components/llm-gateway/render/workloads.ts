import type * as k8s from "@pulumi/kubernetes";
import { PORTKEY } from "../../../dr/engine-facts";
import type { LlmGatewaySettings } from "../../../dr/settings/types";
import { DEGRADED_PORT, GATEWAY_PORT, gatewayPodLabels, LlmGatewayNames } from "./names";
import { GATEWAY_IMAGE_REPOSITORY } from "../../../contract/llm-gateway";

type DeploymentSpec = k8s.types.input.apps.v1.DeploymentSpec;
type EnvVar = { name: string; value: string };

/** The gateway image at the version of the npm package the drill runs (a test holds them equal). */
export const GATEWAY_IMAGE = `${GATEWAY_IMAGE_REPOSITORY}:${PORTKEY.version}`;
/** Runs the degraded responder script from the ConfigMap; the `node` user of the official image is uid 1000. */
export const DEGRADED_IMAGE = "docker.io/library/node:22.12.0-alpine3.21";
const NODE_UID = 1000;

/**
 * The gateway's environment. Production mode and --headless keep Portkey's log UI and log stream
 * off (request bodies would be served there). TRUSTED_CUSTOM_HOSTS is left unset on purpose: its
 * default trusts localhost, where the degraded responder listens, and public provider hosts pass
 * Portkey's custom-host check anyway.
 */
export function gatewayEnv(): EnvVar[] {
  return [{ name: "NODE_ENV", value: "production" }];
}

export function degradedResponderEnv(port: number, message: string): EnvVar[] {
  return [
    { name: "PORT", value: String(port) },
    { name: "DEGRADED_MESSAGE", value: message },
    { name: "HANDOFF_TIMEOUT_MS", value: "1500" },
    { name: "HANDOFF_TRIES", value: "2" },
  ];
}

// A factory, not a shared object: every rendered manifest gets its own copy to change.
const containerSecurity = () => ({
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
});

export interface GatewayWorkloadInput {
  settings: LlmGatewaySettings;
  names: LlmGatewayNames;
  prefix: string;
  degradedMessage?: string;
  /** sha256 of what the pods read at start (the degraded ConfigMap): a change rolls them. */
  configChecksum: string;
}

/**
 * The gateway Deployment: Portkey and, beside it, the degraded responder on localhost (the last
 * target of the chain, so it is reachable whenever the gateway is). Spread over zones (hard: a
 * zone loss must leave gateways), rolled one pod at a time with none lost, probed on Portkey's
 * root route and the responder's /healthz.
 */
export function gatewayDeploymentSpec(i: GatewayWorkloadInput): DeploymentSpec {
  const labels = gatewayPodLabels(i.prefix);
  const containers: k8s.types.input.core.v1.Container[] = [
    {
      name: "gateway",
      image: GATEWAY_IMAGE,
      workingDir: "/app",
      command: ["node", "build/start-server.js", `--port=${GATEWAY_PORT}`, "--headless"],
      ports: [{ name: "http", containerPort: GATEWAY_PORT }],
      env: [...gatewayEnv(), { name: "HOME", value: "/tmp" }],
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
      securityContext: containerSecurity(),
      volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
      readinessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 },
      livenessProbe: { httpGet: { path: "/", port: "http" }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
    },
  ];
  if (i.settings.degradedResponse) {
    containers.push({
      name: "degraded",
      image: DEGRADED_IMAGE,
      command: ["node", "/opt/degraded/degraded-responder.mjs"],
      ports: [{ name: "degraded", containerPort: DEGRADED_PORT }],
      env: [
        ...degradedResponderEnv(DEGRADED_PORT, i.degradedMessage ?? ""),
        // Prometheus scrapes /metrics from outside the pod; the NetworkPolicy admits only the monitoring pods.
        { name: "HOST", value: "0.0.0.0" },
        { name: "HANDOFF_WEBHOOK", valueFrom: { secretKeyRef: { name: i.names.handoff, key: "url" } } } as any,
      ],
      resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
      securityContext: containerSecurity(),
      volumeMounts: [{ name: "degraded", mountPath: "/opt/degraded", readOnly: true }],
      readinessProbe: { httpGet: { path: "/healthz", port: "degraded" }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 },
      livenessProbe: { httpGet: { path: "/healthz", port: "degraded" }, initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
    });
  }
  return {
    replicas: i.settings.replicas,
    selector: { matchLabels: labels },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    template: {
      metadata: { labels, annotations: { "agent-dr/config-sha256": i.configChecksum } },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: NODE_UID, runAsGroup: NODE_UID, seccompProfile: { type: "RuntimeDefault" } },
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 30,
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: labels } },
          { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } },
        ],
        containers,
        volumes: [
          { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
          ...(i.settings.degradedResponse ? [{ name: "degraded", configMap: { name: i.names.degraded, defaultMode: 0o444, items: [{ key: "degraded-responder.mjs", path: "degraded-responder.mjs" }] } }] : []),
        ],
      },
    },
  };
}
