import type * as k8s from "@pulumi/kubernetes";
import { CLIENT_LABEL, podLabels, RedisNames, REDIS_PORT, SENTINEL_PORT } from "../../../contract/redis";

type ServiceSpec = k8s.types.input.core.v1.ServiceSpec;
type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

export interface NamedSpec<T> {
  name: string;
  spec: T;
}

/**
 * Headless Services give every pod a stable DNS name; they publish not-ready addresses because a
 * pod must be resolvable while it starts (Sentinel resolves hostnames, and a node that waits in
 * role discovery is not ready yet). Clients reach the Sentinels through a plain ClusterIP Service.
 */
export function serviceSpecs(names: RedisNames, prefix: string): Array<NamedSpec<ServiceSpec>> {
  return [
    {
      name: names.redisHeadless,
      spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: podLabels(prefix, "redis"), ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }] },
    },
    {
      name: names.sentinelHeadless,
      spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: podLabels(prefix, "sentinel"), ports: [{ name: "sentinel", port: SENTINEL_PORT, targetPort: "sentinel" }] },
    },
    {
      name: names.sentinelClient,
      spec: { type: "ClusterIP", selector: podLabels(prefix, "sentinel"), ports: [{ name: "sentinel", port: SENTINEL_PORT, targetPort: "sentinel" }] },
    },
  ];
}

/**
 * Ingress: only the tier itself and labelled clients (`agent-dr/redis-client: "true"`, same
 * namespace). Egress: Redis nodes reach each other (replication) and the Sentinels (role
 * discovery); Sentinels reach the nodes and each other. DNS comes from the namespace baseline
 * (components/network); nothing else leaves the tier.
 */
export function networkPolicySpecs(names: RedisNames, prefix: string): Array<NamedSpec<NetworkPolicySpec>> {
  const redisPods = { podSelector: { matchLabels: podLabels(prefix, "redis") } };
  const sentinelPods = { podSelector: { matchLabels: podLabels(prefix, "sentinel") } };
  const tier = [redisPods, sentinelPods];
  const clients = { podSelector: { matchLabels: { [CLIENT_LABEL.key]: CLIENT_LABEL.value } } };
  const egress = [
    { to: [redisPods], ports: [{ protocol: "TCP", port: REDIS_PORT }] },
    { to: [sentinelPods], ports: [{ protocol: "TCP", port: SENTINEL_PORT }] },
  ];
  return [
    {
      name: names.redis,
      spec: {
        podSelector: { matchLabels: podLabels(prefix, "redis") },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [...tier, clients], ports: [{ protocol: "TCP", port: REDIS_PORT }] }],
        egress,
      },
    },
    {
      name: names.sentinel,
      spec: {
        podSelector: { matchLabels: podLabels(prefix, "sentinel") },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [...tier, clients], ports: [{ protocol: "TCP", port: SENTINEL_PORT }] }],
        egress,
      },
    },
    {
      // Labelled clients of the tier's own namespace: out to the nodes and the Sentinels.
      name: `${names.redis}-clients`,
      spec: { podSelector: clients.podSelector, policyTypes: ["Egress"], egress },
    },
  ];
}
