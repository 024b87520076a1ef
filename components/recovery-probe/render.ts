import { PROBE_APP_LABEL, PROBE_ENV, PROBE_METRICS_PORT, PROBE_NAME, probePostgresPasswordEnv, type ProbeConfig } from "../../contract/probe";
import { credentialSecretName, poolerPodLabels, clusterPodLabels, POSTGRES_PORT } from "../../contract/postgres";
import { CLIENT_LABEL, podLabels as redisPodLabels, REDIS_PORT, SENTINEL_PORT } from "../../contract/redis";
import { POSTGRES_CLIENT_LABEL } from "../network/labels";
import { awsApiEgressRule, podsInNamespaces, tcp, type RenderedNetworkPolicy } from "../network/render";
import { singletonDeployment } from "../singleton-deployment";

export const PROBE_COMPONENT = "recovery-probe";
const CONFIG_DIR = "/etc/agent-dr";
const CONFIG_FILE = "probe.json";

export interface ProbeRenderInput {
  namespace: string;
  image: string;
  labels: Record<string, string>;
  /** What the ConfigMap carries (components/recovery-probe/probe-config.ts). */
  probe: ProbeConfig;
  /** The PostgreSQL cluster whose operator-made credential Secrets hold the class owners' passwords, and whether a pooler fronts it. */
  postgres?: { cluster: string; pooler: boolean };
  /** The Redis tier's Secret (keys redis-password, sentinel-password) and its object prefix. */
  redis?: { secret: string; prefix: string };
  /** IRSA role allowed to write the reports. */
  roleArn?: string;
  network: { monitoringNamespace: string; monitoringPodLabels: Record<string, string>; awsApiCidrs: string[] };
  /** Scrape through a PodMonitor (the prometheus-operator CRDs exist) rather than prometheus.io annotations. */
  prometheusOperator: boolean;
}

const selector = { "app.kubernetes.io/name": PROBE_APP_LABEL };

export function renderProbeConfigMap(i: ProbeRenderInput) {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${PROBE_NAME}-config`, namespace: i.namespace, labels: { ...i.labels, ...selector } },
    data: { [CONFIG_FILE]: JSON.stringify(i.probe, null, 2) },
  };
}

export function renderProbeServiceAccount(i: ProbeRenderInput) {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: PROBE_NAME, namespace: i.namespace, labels: i.labels, ...(i.roleArn ? { annotations: { "eks.amazonaws.com/role-arn": i.roleArn } } : {}) },
    // The IRSA token is a projected volume of the service account; without a role nothing needs it.
    automountServiceAccountToken: Boolean(i.roleArn),
  };
}

/** Credentials by secretKeyRef from the Secrets the tiers already have: the operator's per-owner Secrets and the Redis tier's. */
function credentialEnv(i: ProbeRenderInput) {
  const env: Array<Record<string, unknown>> = [];
  for (const c of i.probe.classes) {
    if (c.store === "postgres" && i.postgres && c.endpoint.user) {
      env.push({ name: probePostgresPasswordEnv(c.class), valueFrom: { secretKeyRef: { name: credentialSecretName(c.endpoint.user, i.postgres.cluster), key: "password" } } });
    }
  }
  if (i.redis && i.probe.classes.some((c) => c.store === "redis")) {
    env.push({ name: PROBE_ENV.redisPassword, valueFrom: { secretKeyRef: { name: i.redis.secret, key: "redis-password" } } });
    env.push({ name: PROBE_ENV.sentinelPassword, valueFrom: { secretKeyRef: { name: i.redis.secret, key: "sentinel-password" } } });
  }
  return env;
}

/**
 * One replica (two probes would measure the same outage twice and double the canary load),
 * Recreate so an update never runs two; hardened like the failover controller.
 */
export function renderProbeDeployment(i: ProbeRenderInput) {
  const podLabels = { ...i.labels, ...selector, [CLIENT_LABEL.key]: CLIENT_LABEL.value, [POSTGRES_CLIENT_LABEL.key]: POSTGRES_CLIENT_LABEL.value };
  return singletonDeployment({
    name: PROBE_NAME,
    namespace: i.namespace,
    labels: i.labels,
    selector,
    pod: {
      labels: podLabels,
      ...(i.prometheusOperator ? {} : { annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": String(PROBE_METRICS_PORT), "prometheus.io/path": "/metrics" } }),
      spec: {
        serviceAccountName: PROBE_NAME,
        automountServiceAccountToken: Boolean(i.roleArn),
        securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
          {
            name: "probe",
            image: i.image,
            args: ["probe", "--config", `${CONFIG_DIR}/${CONFIG_FILE}`, "--listen", `0.0.0.0:${PROBE_METRICS_PORT}`],
            env: [{ name: "AWS_REGION", value: i.probe.region }, ...credentialEnv(i)],
            ports: [{ name: "metrics", containerPort: PROBE_METRICS_PORT }],
            readinessProbe: { httpGet: { path: "/healthz", port: "metrics" }, periodSeconds: 10 },
            livenessProbe: { httpGet: { path: "/healthz", port: "metrics" }, periodSeconds: 10, failureThreshold: 3 },
            resources: { requests: { cpu: "20m", memory: "96Mi" }, limits: { memory: "192Mi" } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            volumeMounts: [
              { name: "config", mountPath: CONFIG_DIR, readOnly: true },
              { name: "tmp", mountPath: "/tmp" },
            ],
          },
        ],
        volumes: [
          { name: "config", configMap: { name: `${PROBE_NAME}-config` } },
          { name: "tmp", emptyDir: {} },
        ],
      },
    },
  });
}

export function renderProbeService(i: ProbeRenderInput) {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: PROBE_NAME, namespace: i.namespace, labels: { ...i.labels, ...selector } },
    spec: { selector, ports: [{ name: "metrics", port: PROBE_METRICS_PORT, targetPort: "metrics", protocol: "TCP" }] },
  };
}

/** Prometheus scrapes the pod directly: a PodMonitor keeps scraping while the pod is unready, should it ever be. */
export function renderProbePodMonitor(i: ProbeRenderInput) {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name: PROBE_NAME, namespace: i.namespace, labels: { ...i.labels, ...selector } },
    spec: {
      selector: { matchLabels: selector },
      namespaceSelector: { matchNames: [i.namespace] },
      podMetricsEndpoints: [{ port: "metrics", path: "/metrics", interval: "15s" }],
    },
  };
}

/**
 * In: the monitoring namespace's Prometheus on the metrics port, nothing else (kubelet probes do
 * not pass NetworkPolicies). Out: the pooler (or the members when there is none) on 5432, Redis
 * and the Sentinels, and the AWS APIs on 443 for S3/STS/KMS; DNS comes from the namespace baseline.
 */
export function renderProbeNetworkPolicy(i: ProbeRenderInput): RenderedNetworkPolicy {
  const egress: NonNullable<RenderedNetworkPolicy["spec"]["egress"]> = [];
  if (i.postgres && i.probe.classes.some((c) => c.store === "postgres")) {
    egress.push({ to: [{ podSelector: { matchLabels: i.postgres.pooler ? poolerPodLabels(i.postgres.cluster) : clusterPodLabels(i.postgres.cluster) } }], ports: tcp(POSTGRES_PORT) });
  }
  if (i.redis && i.probe.classes.some((c) => c.store === "redis")) {
    egress.push({ to: [{ podSelector: { matchLabels: redisPodLabels(i.redis.prefix, "sentinel") } }], ports: tcp(SENTINEL_PORT) });
    egress.push({ to: [{ podSelector: { matchLabels: redisPodLabels(i.redis.prefix, "redis") } }], ports: tcp(REDIS_PORT) });
  }
  if (i.probe.reportBucket) egress.push(awsApiEgressRule(i.network.awsApiCidrs));
  return {
    metadata: { name: PROBE_NAME, labels: i.labels },
    spec: {
      podSelector: { matchLabels: { ...selector } },
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [podsInNamespaces([i.network.monitoringNamespace], i.network.monitoringPodLabels)], ports: tcp(PROBE_METRICS_PORT) }],
      egress,
    },
  };
}
