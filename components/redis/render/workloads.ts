import type * as k8s from "@pulumi/kubernetes";
import type { RedisSettings } from "../../../dr/settings/types";
import { MASTER_NAME, podFqdn, podLabels, RedisNames, REDIS_PORT, SENTINEL_PORT } from "../../../contract/redis";

type StatefulSetSpec = k8s.types.input.apps.v1.StatefulSetSpec;
type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type ResourceRequirements = k8s.types.input.core.v1.ResourceRequirements;

/** Official image, pinned (Bitnami's images are frozen since 2025). Its `redis` user is uid/gid 999. */
export const REDIS_IMAGE = "docker.io/library/redis:7.4.2-bookworm";
const REDIS_UID = 999;

export interface WorkloadInput {
  settings: RedisSettings;
  names: RedisNames;
  prefix: string;
  namespace: string;
  clusterDomain: string;
  image: string;
  /** sha256 of the ConfigMap data: a change rolls the pods. */
  configChecksum: string;
  dataVolumeSize: string;
  storageClassName?: string;
  redisResources: ResourceRequirements;
  sentinelResources: ResourceRequirements;
}

const SOURCE_DIR = "/etc/redis-source";
const AUTH_DIR = "/etc/redis-auth";

/** Every Sentinel's stable address, as the start scripts and the clients list them. */
export function sentinelAddresses(i: Pick<WorkloadInput, "names" | "namespace" | "clusterDomain" | "settings">): string[] {
  return Array.from({ length: i.settings.sentinels }, (_, j) => `${podFqdn(i.names.sentinel, j, i.names.sentinelHeadless, i.namespace, i.clusterDomain)}:${SENTINEL_PORT}`);
}

/** redis-cli PING with the password from the mounted Secret; `-e` makes an error reply (LOADING) fail the probe. */
function pingProbe(port: number, passwordFile: string) {
  return { exec: { command: ["sh", "-c", `REDISCLI_AUTH="$(cat ${passwordFile})" redis-cli -p ${port} --no-auth-warning -e ping`] } };
}

// Factories, not shared objects: every rendered manifest gets its own copy to change.
const containerSecurity = () => ({
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
});

function podSecurity() {
  return {
    runAsNonRoot: true,
    runAsUser: REDIS_UID,
    runAsGroup: REDIS_UID,
    fsGroup: REDIS_UID,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Spread over zones (hard: the budget's zone-loss row assumes it) and over nodes (soft). */
function spread(labels: Record<string, string>) {
  return [
    { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: labels } },
    { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } },
  ];
}

const podEnv = () => [
  { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
  { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
];

function configVolumes(names: RedisNames, keys: string[]) {
  return [
    { name: "source", configMap: { name: names.config, defaultMode: 0o444, items: keys.map((k) => ({ key: k, path: k })) } },
    { name: "auth", secret: { secretName: names.secret, defaultMode: 0o440 } },
  ];
}

function claim(name: string, size: string, storageClassName?: string) {
  return {
    metadata: { name },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, ...(storageClassName ? { storageClassName } : {}) },
  };
}

type Role = Parameters<typeof podLabels>[1];

/** The start of a server container: named after its role, run by its start script from the ConfigMap, listening on its port. */
function serverContainer(i: WorkloadInput, role: Role, script: string, port: number) {
  return { name: role, image: i.image, command: ["sh", `${SOURCE_DIR}/${script}`], ports: [{ name: role, containerPort: port }] };
}

/** The pod's name and IP, and the address the server announces: its pod's DNS name behind the headless Service. */
function announceEnv(i: WorkloadInput, headlessService: string, port: number) {
  return [
    ...podEnv(),
    { name: "ANNOUNCE_HOST", value: `$(POD_NAME).${headlessService}.${i.namespace}.svc.${i.clusterDomain}` },
    { name: "ANNOUNCE_PORT", value: String(port) },
  ];
}

/** Both passwords, as files of the mounted Secret: every server talks to Redis nodes and Sentinels. */
const passwordFileEnv = () => [
  { name: "REDIS_PASSWORD_FILE", value: `${AUTH_DIR}/redis-password` },
  { name: "SENTINEL_PASSWORD_FILE", value: `${AUTH_DIR}/sentinel-password` },
];

/** The ConfigMap's files and the Secret's passwords, read-only (configVolumes). */
const configMounts = () => [
  { name: "source", mountPath: SOURCE_DIR, readOnly: true },
  { name: "auth", mountPath: AUTH_DIR, readOnly: true },
];

interface RoleStatefulSet {
  role: Role;
  serviceName: string;
  replicas: number;
  container: Container;
  /** The ConfigMap's keys the role mounts. */
  configKeys: string[];
  /** Volumes besides the ConfigMap and the Secret. */
  volumes?: Volume[];
  terminationGracePeriodSeconds?: number;
  persistentVolumeClaimRetentionPolicy?: StatefulSetSpec["persistentVolumeClaimRetentionPolicy"];
  dataVolumeSize: string;
}

/**
 * The frame both StatefulSets share: pods started in parallel, rolled on a config change, spread
 * over zones and nodes, hardened, with the ConfigMap and the Secret mounted and a data volume each.
 */
function roleStatefulSet(i: WorkloadInput, r: RoleStatefulSet): StatefulSetSpec {
  const labels = podLabels(i.prefix, r.role);
  return {
    serviceName: r.serviceName,
    replicas: r.replicas,
    podManagementPolicy: "Parallel",
    selector: { matchLabels: labels },
    updateStrategy: { type: "RollingUpdate" },
    ...(r.persistentVolumeClaimRetentionPolicy ? { persistentVolumeClaimRetentionPolicy: r.persistentVolumeClaimRetentionPolicy } : {}),
    template: {
      metadata: { labels, annotations: { "agent-dr/config-sha256": i.configChecksum } },
      spec: {
        securityContext: podSecurity(),
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        ...(r.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: r.terminationGracePeriodSeconds } : {}),
        topologySpreadConstraints: spread(labels),
        containers: [r.container],
        volumes: [...configVolumes(i.names, r.configKeys), ...(r.volumes ?? [])],
      },
    },
    volumeClaimTemplates: [claim("data", r.dataVolumeSize, i.storageClassName)],
  };
}

/**
 * The Redis nodes. Parallel pod management is safe because no pod decides its own role: the
 * role-discovery script asks the Sentinels, and only ordinal 0 founds a never-formed set.
 */
export function redisStatefulSetSpec(i: WorkloadInput): StatefulSetSpec {
  // A node marked down waits this long for Sentinel to promote another before resuming as primary: one whole failover attempt.
  const failoverWait = Math.ceil((i.settings.downAfterMilliseconds + i.settings.failoverTimeoutMilliseconds) / 1000);
  const container: Container = {
    ...serverContainer(i, "redis", "role-discovery.sh", REDIS_PORT),
    env: [
      ...announceEnv(i, i.names.redisHeadless, REDIS_PORT),
      { name: "SELF_ADDRESSES", value: "$(POD_IP)" },
      { name: "SENTINELS", value: sentinelAddresses(i).join(",") },
      { name: "MASTER_NAME", value: MASTER_NAME },
      { name: "REDIS_CONF_SOURCE", value: `${SOURCE_DIR}/redis.conf` },
      { name: "REDIS_CONF", value: "/run/redis/redis.conf" },
      ...passwordFileEnv(),
      { name: "FAILOVER_WAIT_SECONDS", value: String(failoverWait) },
      { name: "DISCOVERY_TIMEOUT_SECONDS", value: "300" },
      { name: "PRESTOP_WAIT_SECONDS", value: "20" },
    ],
    // A planned stop of the primary hands over first (SENTINEL FAILOVER), within the grace period below.
    lifecycle: { preStop: { exec: { command: ["sh", `${SOURCE_DIR}/pre-stop.sh`] } } },
    volumeMounts: [...configMounts(), { name: "run", mountPath: "/run/redis" }, { name: "data", mountPath: "/data" }],
    resources: i.redisResources,
    securityContext: containerSecurity(),
    // Discovery may wait up to DISCOVERY_TIMEOUT_SECONDS and a large AOF takes time to load.
    startupProbe: { ...pingProbe(REDIS_PORT, `${AUTH_DIR}/redis-password`), periodSeconds: 5, failureThreshold: 120, timeoutSeconds: 3 },
    readinessProbe: { ...pingProbe(REDIS_PORT, `${AUTH_DIR}/redis-password`), periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 3 },
    livenessProbe: { ...pingProbe(REDIS_PORT, `${AUTH_DIR}/redis-password`), periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 3 },
  };
  return roleStatefulSet(i, {
    role: "redis",
    serviceName: i.names.redisHeadless,
    replicas: i.settings.replicas,
    container,
    configKeys: ["redis.conf", "role-discovery.sh", "pre-stop.sh"],
    volumes: [{ name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } }],
    terminationGracePeriodSeconds: 30,
    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
    dataVolumeSize: i.dataVolumeSize,
  });
}

/** The Sentinels, each with a small volume for the state Sentinel writes into its config. */
export function sentinelStatefulSetSpec(i: WorkloadInput): StatefulSetSpec {
  const container: Container = {
    ...serverContainer(i, "sentinel", "sentinel-start.sh", SENTINEL_PORT),
    env: [
      ...announceEnv(i, i.names.sentinelHeadless, SENTINEL_PORT),
      { name: "SENTINELS", value: sentinelAddresses(i).join(",") },
      { name: "MASTER_NAME", value: MASTER_NAME },
      { name: "SENTINEL_CONF_SOURCE", value: `${SOURCE_DIR}/sentinel.conf` },
      { name: "SENTINEL_CONF", value: "/data/sentinel.conf" },
      ...passwordFileEnv(),
    ],
    volumeMounts: [...configMounts(), { name: "data", mountPath: "/data" }],
    resources: i.sentinelResources,
    securityContext: containerSecurity(),
    readinessProbe: { ...pingProbe(SENTINEL_PORT, `${AUTH_DIR}/sentinel-password`), periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 3 },
    livenessProbe: { ...pingProbe(SENTINEL_PORT, `${AUTH_DIR}/sentinel-password`), initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 3 },
  };
  return roleStatefulSet(i, {
    role: "sentinel",
    serviceName: i.names.sentinelHeadless,
    replicas: i.settings.sentinels,
    container,
    configKeys: ["sentinel.conf", "sentinel-start.sh"],
    dataVolumeSize: "256Mi",
  });
}
