import type * as k8s from "@pulumi/kubernetes";
import { CLIENT_LABEL, podLabels, RedisNames, REDIS_PORT, SENTINEL_PORT } from "../../../contract/redis";

type ServiceSpec = k8s.types.input.core.v1.ServiceSpec;
type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type Role = Parameters<typeof podLabels>[1];

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
  const headless = (name: string, role: Role, port: number): NamedSpec<ServiceSpec> => ({
    name,
    spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: podLabels(prefix, role), ports: [{ name: role, port, targetPort: role }] },
  });
  return [
    headless(names.redisHeadless, "redis", REDIS_PORT),
    headless(names.sentinelHeadless, "sentinel", SENTINEL_PORT),
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
  // The pods of one role: reached on their port by the tier and its clients, out to the tier.
  const rolePolicy = (name: string, role: Role, port: number): NamedSpec<NetworkPolicySpec> => ({
    name,
    spec: {
      podSelector: { matchLabels: podLabels(prefix, role) },
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [...tier, clients], ports: [{ protocol: "TCP", port }] }],
      egress,
    },
  });
  return [
    rolePolicy(names.redis, "redis", REDIS_PORT),
    rolePolicy(names.sentinel, "sentinel", SENTINEL_PORT),
    {
      // Labelled clients of the tier's own namespace: out to the nodes and the Sentinels.
      name: `${names.redis}-clients`,
      spec: { podSelector: clients.podSelector, policyTypes: ["Egress"], egress },
    },
  ];
}
