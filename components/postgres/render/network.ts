import { clusterPodLabels, EXPORTER_PORT, poolerPodLabels } from "./names";
import { JOB_KINDS, JOB_LABEL } from "./jobs";

/** Pod name label of the failover controller's Deployment (components/controller/render.ts CONTROLLER_NAME). */
export const FAILOVER_CONTROLLER_NAME = "agent-dr-failover-controller";

export interface NetworkInput {
  clusterName: string;
  /** Namespaces of the platform whose pods may connect (by name). */
  clientNamespaces: string[];
  /** Namespace the operator runs in (it connects to 5432 and Patroni's 8008). */
  operatorNamespace: string;
  /** Source CIDRs of a DR-region standby streaming from this cluster. */
  replicationPeerCidrs: string[];
  labels: Record<string, string>;
}

const byName = (names: string[]) => ({
  namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...names].sort() }] },
});
const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));

/**
 * Ingress to the database pods: the pooler, the cluster's own members (replication, Patroni),
 * the operator, this tier's Jobs, the platform's namespaces, and a streaming DR standby.
 */
export function renderDatabaseNetworkPolicy(input: NetworkInput) {
  const ingress: any[] = [
    { from: [{ podSelector: { matchLabels: clusterPodLabels(input.clusterName) } }], ports: tcp(5432, 8008) },
    { from: [{ podSelector: { matchLabels: poolerPodLabels(input.clusterName) } }], ports: tcp(5432) },
    {
      from: [{ podSelector: { matchExpressions: [{ key: JOB_LABEL, operator: "In", values: [JOB_KINDS.logicalBackup, JOB_KINDS.configure] }] } }],
      ports: tcp(5432, 8008),
    },
    { from: [byName([input.operatorNamespace])], ports: tcp(5432, 8008) },
    // The failover controller (components/controller) asks Patroni for the leader and probes writes.
    { from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": FAILOVER_CONTROLLER_NAME } } }], ports: tcp(5432, 8008) },
    // Metrics only (no data): Prometheus may run in any namespace.
    { from: [{ namespaceSelector: {} }], ports: tcp(EXPORTER_PORT) },
  ];
  if (input.clientNamespaces.length > 0) ingress.push({ from: [byName(input.clientNamespaces)], ports: tcp(5432) });
  if (input.replicationPeerCidrs.length > 0) {
    ingress.push({ from: input.replicationPeerCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(5432) });
  }
  return {
    metadata: { name: `${input.clusterName}-db`, labels: input.labels },
    spec: { podSelector: { matchLabels: clusterPodLabels(input.clusterName) }, policyTypes: ["Ingress"], ingress },
  };
}

/** Ingress to the pooler: the platform's namespaces (and this one). */
export function renderPoolerNetworkPolicy(input: NetworkInput) {
  return {
    metadata: { name: `${input.clusterName}-pooler`, labels: input.labels },
    spec: {
      podSelector: { matchLabels: poolerPodLabels(input.clusterName) },
      policyTypes: ["Ingress"],
      ingress: [{ from: [byName(input.clientNamespaces)], ports: tcp(5432) }],
    },
  };
}

/**
 * Voluntary disruptions (node drains, upgrades) take one member at a time, so a synchronous
 * standby is always left; the operator's own PDB only guards the primary.
 */
export function renderMembersPdb(clusterName: string, labels: Record<string, string>) {
  return {
    metadata: { name: `${clusterName}-members`, labels },
    spec: { maxUnavailable: 1, selector: { matchLabels: clusterPodLabels(clusterName) } },
  };
}

export function renderPoolerPdb(clusterName: string, labels: Record<string, string>) {
  return {
    metadata: { name: `${clusterName}-pooler`, labels },
    spec: { maxUnavailable: 1, selector: { matchLabels: poolerPodLabels(clusterName) } },
  };
}
