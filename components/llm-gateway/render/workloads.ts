import type * as k8s from "@pulumi/kubernetes";
import { PORTKEY } from "../../../dr/engine-facts";
import type { LlmGatewaySettings } from "../../../dr/settings/types";
import { DEGRADED_PORT, GATEWAY_PORT, gatewayPodLabels, LlmGatewayNames, METER_METRICS_PORT, PORTKEY_PORT } from "./names";
import { GATEWAY_IMAGE_REPOSITORY } from "../../../contract/llm-gateway";
import { gatewayMeterEnv } from "./meter";

type DeploymentSpec = k8s.types.input.apps.v1.DeploymentSpec;
type ServiceSpec = k8s.types.input.core.v1.ServiceSpec;
type EnvVar = { name: string; value: string };

/** The gateway image at the version of the npm package the drill runs (a test holds them equal). */
export const GATEWAY_IMAGE = `${GATEWAY_IMAGE_REPOSITORY}:${PORTKEY.version}`;
/** Runs the degraded responder and the gateway meter scripts from their ConfigMaps; the `node` user of the official image is uid 1000. */
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
  /** sha256 of what the pods read at start (the degraded and meter ConfigMaps): a change rolls them. */
  configChecksum: string;
  /** The tightest llm-provider-outage RTO of the classes served: a bound of the meter's latency histogram. */
  rtoSeconds?: number;
  /** Prometheus finds the meter through a PodMonitor (rendered apart) rather than prometheus.io annotations. */
  prometheusOperator?: boolean;
}

/** The container port names: the Service targets "http", which is the meter's. */
export const GATEWAY_PORT_NAMES = { meter: "http", portkey: "portkey", metrics: "metrics", degraded: "degraded" } as const;

/** Where Prometheus scrapes a gateway pod: the meter's /metrics, which carries the degraded responder's too. */
export function gatewayScrapeAnnotations(): Record<string, string> {
  return { "prometheus.io/scrape": "true", "prometheus.io/port": String(METER_METRICS_PORT), "prometheus.io/path": "/metrics" };
}

/**
 * The gateway Deployment: the meter in front of Portkey (clients reach the pod on the meter's
 * port; Portkey listens on its own, which only the meter calls, on localhost) and, beside them,
 * the degraded responder on localhost (the last target of the chain, so it is reachable whenever
 * the gateway is). Spread over zones (hard: a zone loss must leave gateways), rolled one pod at a
 * time with none lost, probed on Portkey's root route, the meter's and the responder's /healthz.
 */
export function gatewayDeploymentSpec(i: GatewayWorkloadInput): DeploymentSpec {
  const labels = gatewayPodLabels(i.prefix);
  const n = GATEWAY_PORT_NAMES;
  const containers: k8s.types.input.core.v1.Container[] = [
    {
      name: "gateway",
      image: GATEWAY_IMAGE,
      workingDir: "/app",
      command: ["node", "build/start-server.js", `--port=${PORTKEY_PORT}`, "--headless"],
      ports: [{ name: n.portkey, containerPort: PORTKEY_PORT }],
      env: [...gatewayEnv(), { name: "HOME", value: "/tmp" }],
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
      securityContext: containerSecurity(),
      volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
      readinessProbe: { httpGet: { path: "/", port: n.portkey }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 },
      livenessProbe: { httpGet: { path: "/", port: n.portkey }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
    },
    {
      // Every request passes through it and every answer streams through it: it is as hardened and as probed as the others.
      name: "meter",
      image: DEGRADED_IMAGE,
      command: ["node", "/opt/meter/gateway-meter.mjs"],
      ports: [
        { name: n.meter, containerPort: GATEWAY_PORT },
        { name: n.metrics, containerPort: METER_METRICS_PORT },
      ],
      env: gatewayMeterEnv(i.settings, { listen: GATEWAY_PORT, portkey: PORTKEY_PORT, metrics: METER_METRICS_PORT, ...(i.settings.degradedResponse ? { degraded: DEGRADED_PORT } : {}) }, i.rtoSeconds),
      resources: { requests: { cpu: "50m", memory: "48Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
      securityContext: containerSecurity(),
      volumeMounts: [{ name: "meter", mountPath: "/opt/meter", readOnly: true }],
      readinessProbe: { httpGet: { path: "/healthz", port: n.metrics }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 },
      livenessProbe: { httpGet: { path: "/healthz", port: n.metrics }, initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
    },
  ];
  if (i.settings.degradedResponse) {
    containers.push({
      name: "degraded",
      image: DEGRADED_IMAGE,
      command: ["node", "/opt/degraded/degraded-responder.mjs"],
      ports: [{ name: n.degraded, containerPort: DEGRADED_PORT }],
      env: [
        ...degradedResponderEnv(DEGRADED_PORT, i.degradedMessage ?? ""),
        // The kubelet's probes reach it on the pod's address (nothing else may: the NetworkPolicy admits no one on this port).
        { name: "HOST", value: "0.0.0.0" },
        { name: "HANDOFF_WEBHOOK", valueFrom: { secretKeyRef: { name: i.names.handoff, key: "url" } } } as any,
      ],
      resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
      securityContext: containerSecurity(),
      volumeMounts: [{ name: "degraded", mountPath: "/opt/degraded", readOnly: true }],
      readinessProbe: { httpGet: { path: "/healthz", port: n.degraded }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 },
      livenessProbe: { httpGet: { path: "/healthz", port: n.degraded }, initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
    });
  }
  return {
    replicas: i.settings.replicas,
    selector: { matchLabels: labels },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    template: {
      metadata: { labels, annotations: { "agent-dr/config-sha256": i.configChecksum, ...(i.prometheusOperator ? {} : gatewayScrapeAnnotations()) } },
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
          { name: "meter", configMap: { name: i.names.meter, defaultMode: 0o444, items: [{ key: "gateway-meter.mjs", path: "gateway-meter.mjs" }] } },
          ...(i.settings.degradedResponse ? [{ name: "degraded", configMap: { name: i.names.degraded, defaultMode: 0o444, items: [{ key: "degraded-responder.mjs", path: "degraded-responder.mjs" }] } }] : []),
        ],
      },
    },
  };
}

/** The gateway Service: its port goes to the meter (container port "http"), never to Portkey directly. */
export function gatewayServiceSpec(prefix: string): ServiceSpec {
  return { type: "ClusterIP", selector: gatewayPodLabels(prefix), ports: [{ name: "http", port: GATEWAY_PORT, targetPort: GATEWAY_PORT_NAMES.meter }] };
}

/** With the Prometheus operator: the meter's metrics port of every gateway pod (it serves the degraded responder's metrics too). */
export function gatewayPodMonitor(prefix: string, namespace: string, labels: Record<string, string>) {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name: prefix, namespace, labels },
    spec: {
      selector: { matchLabels: gatewayPodLabels(prefix) },
      namespaceSelector: { matchNames: [namespace] },
      podMetricsEndpoints: [{ port: GATEWAY_PORT_NAMES.metrics, path: "/metrics", interval: "15s" }],
    },
  };
}
