import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { RedisSettings } from "../../dr/settings/types";
import { DataClass, serializeTargets, TARGETS_ANNOTATION } from "../../dr/targets";
import type { RegionCluster } from "../../contract/region-cluster";
import { configChecksum, renderConfigData } from "./render/config-map";
import { disruptionBudgetSpecs } from "./render/disruption";
import { CONFIG_LABEL, MASTER_NAME, REDIS_PREFIX, REGION_ROLE_LABEL, redisNames, SENTINEL_PORT } from "../../contract/redis";
import { networkPolicySpecs, serviceSpecs } from "./render/network";
import { checkRedisSettings } from "./render/settings-check";
import { REDIS_IMAGE, redisStatefulSetSpec, sentinelAddresses, sentinelStatefulSetSpec } from "./render/workloads";

export interface RedisSentinelArgs {
  /** The region's cluster (provider and namespace) from AgentPlatform. */
  cluster: RegionCluster;
  /** "primary" serves the platform; "dr" is the empty set that waits in the DR region. */
  regionRole: "primary" | "dr";
  /** Settings derived from the targets, overrides applied (dr/settings). */
  settings: RedisSettings;
  /** The data classes stored in Redis; their targets go into the recovery-targets annotation. */
  dataClasses: DataClass[];
  /** Labels every object carries (baseLabels of the platform). */
  labels: Record<string, string>;
  /** Redis image; defaults to the pinned official image. */
  image?: string;
  /** Size of each Redis node's data volume (AOF + RDB); default 8Gi. */
  dataVolumeSize?: string;
  storageClassName?: string;
  /** Kubernetes cluster DNS domain; default cluster.local. */
  clusterDomain?: string;
  /** Object name prefix; default agent-redis. */
  prefix?: string;
}

/**
 * A Sentinel-managed Redis set on Kubernetes: Redis nodes (one primary, the rest replicas; the
 * role is decided at pod start by asking the Sentinels) and Sentinels, each a StatefulSet spread
 * over zones, with persistence, auth from generated passwords, a NetworkPolicy and disruption
 * budgets. Everything it deploys is rendered by the pure functions in ./render.
 */
export class RedisSentinel extends pulumi.ComponentResource {
  /** Where clients find the primary: Sentinel addresses and the master name (Sentinel protocol). */
  readonly sentinels: pulumi.Output<string[]>;
  readonly sentinelService: pulumi.Output<string>;
  readonly masterName: string = MASTER_NAME;
  /** Secret holding `redis-password` and `sentinel-password`. */
  readonly secretName: pulumi.Output<string>;

  constructor(name: string, args: RedisSentinelArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agent-dr:redis:RedisSentinel", name, {}, opts);
    // Fail before any child exists when the settings would make Redis refuse writes or never fail over.
    checkRedisSettings(args.settings);
    const provider = args.cluster.provider;
    const child = { parent: this, provider };
    const prefix = args.prefix ?? REDIS_PREFIX;
    const names = redisNames(prefix);
    const clusterDomain = args.clusterDomain ?? "cluster.local";
    const ns = args.cluster.namespace;
    const labels = { ...args.labels, [REGION_ROLE_LABEL]: args.regionRole };
    const meta = (objName: string, extra: Record<string, string> = {}) => ns.apply((namespace) => ({ name: objName, namespace, labels: { ...labels, ...extra } }));

    // Alphanumeric: the start scripts write the passwords into the config files unquoted.
    const redisPassword = new random.RandomPassword(`${name}-redis-password`, { length: 40, special: false }, { parent: this });
    const sentinelPassword = new random.RandomPassword(`${name}-sentinel-password`, { length: 40, special: false }, { parent: this });
    const secret = new k8s.core.v1.Secret(
      `${name}-auth`,
      { metadata: meta(names.secret), type: "Opaque", stringData: { "redis-password": redisPassword.result, "sentinel-password": sentinelPassword.result } },
      child,
    );

    const data = ns.apply((namespace) =>
      renderConfigData({ settings: args.settings, names, namespace, clusterDomain, dataClasses: args.dataClasses.map((c) => c.name) }),
    );
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      {
        metadata: ns.apply((namespace) => ({
          name: names.config,
          namespace,
          labels: { ...labels, [CONFIG_LABEL.key]: CONFIG_LABEL.value, "agent-dr/region": args.cluster.region },
          annotations: { [TARGETS_ANNOTATION]: serializeTargets(args.dataClasses) },
        })),
        data: data.apply((d) => ({ ...d })),
      },
      child,
    );

    const workload = pulumi.all([ns, data]).apply(([namespace, d]) => ({
      settings: args.settings,
      names,
      prefix,
      namespace,
      clusterDomain,
      image: args.image ?? REDIS_IMAGE,
      configChecksum: configChecksum(d),
      dataVolumeSize: args.dataVolumeSize ?? "8Gi",
      ...(args.storageClassName ? { storageClassName: args.storageClassName } : {}),
      redisResources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
      sentinelResources: { requests: { cpu: "25m", memory: "32Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
    }));
    const dependsOn = [config, secret];

    for (const svc of serviceSpecs(names, prefix)) {
      new k8s.core.v1.Service(`${name}-svc-${svc.name}`, { metadata: meta(svc.name), spec: svc.spec }, child);
    }
    new k8s.apps.v1.StatefulSet(
      `${name}-redis`,
      { metadata: meta(names.redis), spec: workload.apply(redisStatefulSetSpec) },
      { ...child, dependsOn },
    );
    new k8s.apps.v1.StatefulSet(
      `${name}-sentinel`,
      { metadata: meta(names.sentinel), spec: workload.apply(sentinelStatefulSetSpec) },
      { ...child, dependsOn },
    );
    for (const np of networkPolicySpecs(names, prefix)) {
      new k8s.networking.v1.NetworkPolicy(`${name}-netpol-${np.name}`, { metadata: meta(np.name), spec: np.spec }, child);
    }
    for (const pdb of disruptionBudgetSpecs(names, prefix, args.settings)) {
      new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb-${pdb.name}`, { metadata: meta(pdb.name), spec: pdb.spec }, child);
    }

    this.sentinels = ns.apply((namespace) => sentinelAddresses({ names, namespace, clusterDomain, settings: args.settings }));
    this.sentinelService = ns.apply((namespace) => `${names.sentinelClient}.${namespace}.svc.${clusterDomain}:${SENTINEL_PORT}`);
    this.secretName = secret.metadata.name;
    this.registerOutputs({ sentinels: this.sentinels, sentinelService: this.sentinelService, masterName: this.masterName, secretName: this.secretName });
  }
}
