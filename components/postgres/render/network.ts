import { ConfigError } from "../../../dr/targets/errors";
import type { NetworkSettings } from "../../../dr/targets/network";
import { DR_TEST_LABEL, FAILOVER_CONTROLLER_POD, OPERATOR_POD, POSTGRES_CLIENT_LABEL } from "../../network/labels";
import { apiServerEgressRule, awsApiEgressRule, cidrs, podsInNamespaces, podsLabelled, RenderedNetworkPolicy, tcp } from "../../network/render";
import { JOB_KINDS, JOB_LABEL } from "../../../contract/postgres";
import { clusterPodLabels, EXPORTER_PORT, PATRONI_PORT, POSTGRES_CLUSTER_LABEL, POSTGRES_PORT, poolerPodLabels, SPILO_POD_LABELS } from "../../../contract/postgres";

/** Pod name label of the failover controller's Deployment (components/controller/render.ts CONTROLLER_NAME). */
export const FAILOVER_CONTROLLER_NAME = FAILOVER_CONTROLLER_POD["app.kubernetes.io/name"];

export interface NetworkInput {
  clusterName: string;
  /**
   * Namespaces besides the tier's own whose pods labelled agent-dr/postgres-client may connect (to
   * the pooler, or to PostgreSQL when there is no pooler). Labelled pods of the tier's own
   * namespace always may.
   */
  clientNamespaces: string[];
  /** Namespace the operator runs in (it connects to 5432 and Patroni's 8008). */
  operatorNamespace: string;
  /** Source CIDRs of a DR-region standby streaming from this cluster (the primary of a streaming pair). */
  replicationPeerCidrs: string[];
  /** A streaming standby cluster: the primary region's CIDRs its leader connects to on 5432 (postgres.standby.primaryCidrs). */
  upstreamCidrs: string[];
  /** The operator runs a pooler for this cluster: clients reach PostgreSQL only through it. */
  pooler: boolean;
  network: NetworkSettings;
  labels: Record<string, string>;
}

const members = (clusterName: string) => podsLabelled(clusterPodLabels(clusterName));
/** This cluster's Jobs of one kind (the Jobs carry the job label and the cluster label). */
const jobsOf = (clusterName: string, kind: string) => podsLabelled({ [JOB_LABEL]: kind, [POSTGRES_CLUSTER_LABEL]: clusterName });

/** Labelled client pods: of the tier's namespace (a podSelector alone), and of the named client namespaces (both selectors). */
function clientPeers(clientNamespaces: string[]) {
  const label = { [POSTGRES_CLIENT_LABEL.key]: POSTGRES_CLIENT_LABEL.value };
  return [podsLabelled(label), ...(clientNamespaces.length > 0 ? [podsInNamespaces(clientNamespaces, label)] : [])];
}

/**
 * Every Spilo pod of the namespace, the tier's own clusters and the clones the restore runbook
 * creates alike: Patroni's API for the failover controller and the DR tests (8008 only; they ask
 * Patroni, never PostgreSQL), the operator's pods on 5432 and 8008, the exporter for Prometheus
 * in the monitoring namespace only. Egress: the API server (Patroni keeps its leader lock in
 * ConfigMaps) and the AWS APIs on 443 (WAL-G to S3 with STS web identity and KMS).
 */
export function renderSpiloNetworkPolicy(input: NetworkInput): RenderedNetworkPolicy {
  const { network } = input;
  return {
    metadata: { name: "postgres-spilo", labels: input.labels },
    spec: {
      podSelector: { matchLabels: SPILO_POD_LABELS },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        { from: [podsInNamespaces([input.operatorNamespace], OPERATOR_POD)], ports: tcp(POSTGRES_PORT, PATRONI_PORT) },
        { from: [podsLabelled(FAILOVER_CONTROLLER_POD), { podSelector: { matchExpressions: [{ key: DR_TEST_LABEL, operator: "Exists" }] } }], ports: tcp(PATRONI_PORT) },
        // Metrics only, and only to the monitoring namespace's Prometheus pods.
        { from: [podsInNamespaces([network.monitoringNamespace], network.monitoringPodLabels)], ports: tcp(EXPORTER_PORT) },
      ],
      egress: [apiServerEgressRule(network.apiServerCidrs), awsApiEgressRule(network.awsApiCidrs)],
    },
  };
}

/**
 * One cluster's members: each other on 5432 (replication) and 8008 (Patroni), the pooler (or,
 * without a pooler, the labelled clients) on 5432, the cluster's logical backup on 5432 and its
 * configure Job on 5432 and 8008. No namespace as a whole reaches 5432: a client that could would
 * bypass the pooler. A streaming standby's leader also connects out to the primary's load balancer.
 */
export function renderDatabaseNetworkPolicy(input: NetworkInput): RenderedNetworkPolicy {
  const c = input.clusterName;
  const ingress = [
    { from: [members(c)], ports: tcp(POSTGRES_PORT, PATRONI_PORT) },
    { from: input.pooler ? [podsLabelled(poolerPodLabels(c))] : clientPeers(input.clientNamespaces), ports: tcp(POSTGRES_PORT) },
    { from: [jobsOf(c, JOB_KINDS.logicalBackup)], ports: tcp(POSTGRES_PORT) },
    { from: [jobsOf(c, JOB_KINDS.configure)], ports: tcp(POSTGRES_PORT, PATRONI_PORT) },
  ];
  const egress = [
    { to: [members(c)], ports: tcp(POSTGRES_PORT, PATRONI_PORT) },
    ...(input.upstreamCidrs.length > 0 ? [{ to: cidrs(input.upstreamCidrs), ports: tcp(POSTGRES_PORT) }] : []),
  ];
  return {
    metadata: { name: `${c}-db`, labels: input.labels },
    spec: { podSelector: { matchLabels: clusterPodLabels(c) }, policyTypes: ["Ingress", "Egress"], ingress, egress },
  };
}

/**
 * The DR standby's stream, on the primary's leader only (Spilo labels it spilo-role=master; the
 * label moves with a failover and the policy with it): 5432 from the DR cluster's pod CIDRs. The
 * replication load balancer preserves the client address (renderReplicationService), so these are
 * the addresses the pod sees.
 */
export function renderReplicationNetworkPolicy(input: NetworkInput): RenderedNetworkPolicy | undefined {
  if (input.replicationPeerCidrs.length === 0) return undefined;
  return {
    metadata: { name: `${input.clusterName}-replication`, labels: input.labels },
    spec: {
      podSelector: { matchLabels: { ...clusterPodLabels(input.clusterName), "spilo-role": "master" } },
      policyTypes: ["Ingress"],
      ingress: [{ from: cidrs(input.replicationPeerCidrs), ports: tcp(POSTGRES_PORT) }],
    },
  };
}

/** The pooler: labelled clients in, the cluster's members out, both on 5432. */
export function renderPoolerNetworkPolicy(input: NetworkInput): RenderedNetworkPolicy {
  const c = input.clusterName;
  return {
    metadata: { name: `${c}-pooler`, labels: input.labels },
    spec: {
      podSelector: { matchLabels: poolerPodLabels(c) },
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: clientPeers(input.clientNamespaces), ports: tcp(POSTGRES_PORT) }],
      egress: [{ to: [members(c)], ports: tcp(POSTGRES_PORT) }],
    },
  };
}

/**
 * Labelled client pods of the tier's own namespace (the namespace's default deny covers them too):
 * out to the pooler on 5432, or to the members when there is no pooler. Clients in other
 * namespaces need the same egress from their own namespace's policies.
 */
export function renderClientNetworkPolicy(input: NetworkInput): RenderedNetworkPolicy {
  const c = input.clusterName;
  return {
    metadata: { name: `${c}-clients`, labels: input.labels },
    spec: {
      podSelector: { matchLabels: { [POSTGRES_CLIENT_LABEL.key]: POSTGRES_CLIENT_LABEL.value } },
      policyTypes: ["Egress"],
      egress: [{ to: [input.pooler ? podsLabelled(poolerPodLabels(c)) : members(c)], ports: tcp(POSTGRES_PORT) }],
    },
  };
}

/**
 * The tier's Jobs, egress only (nothing connects to them; the scratch server of the backup pods
 * listens on loopback): the logical backup to its cluster's members and to S3, the restore drill
 * to S3 only (it never touches the production cluster), the configure Job to PostgreSQL and Patroni.
 */
export function renderJobNetworkPolicies(input: NetworkInput, kinds: Array<(typeof JOB_KINDS)[keyof typeof JOB_KINDS]>): RenderedNetworkPolicy[] {
  const c = input.clusterName;
  const egressOf: Record<string, Array<{ to: any[]; ports: any[] }>> = {
    [JOB_KINDS.logicalBackup]: [{ to: [members(c)], ports: tcp(POSTGRES_PORT) }, awsApiEgressRule(input.network.awsApiCidrs)],
    [JOB_KINDS.restoreDrill]: [awsApiEgressRule(input.network.awsApiCidrs)],
    [JOB_KINDS.configure]: [{ to: [members(c)], ports: tcp(POSTGRES_PORT, PATRONI_PORT) }],
  };
  return kinds.map((kind) => ({
    metadata: { name: `${c}-${kind}`, labels: input.labels },
    spec: { podSelector: { matchLabels: { [JOB_LABEL]: kind, [POSTGRES_CLUSTER_LABEL]: c } }, policyTypes: ["Egress"], egress: egressOf[kind] },
  }));
}

/**
 * The operator's namespace (the chart creates it): the operator's pods reach the API server and
 * the Spilo pods of the stack's namespaces on 5432 and 8008, nothing else; nothing reaches them.
 */
export function renderOperatorNetworkPolicy(input: { operatorNamespace: string; watchedNamespaces: string[]; network: NetworkSettings; labels: Record<string, string> }): RenderedNetworkPolicy {
  return {
    metadata: { name: "postgres-operator", labels: input.labels },
    spec: {
      podSelector: { matchLabels: OPERATOR_POD },
      policyTypes: ["Egress"],
      egress: [apiServerEgressRule(input.network.apiServerCidrs), { to: [podsInNamespaces(input.watchedNamespaces, SPILO_POD_LABELS)], ports: tcp(POSTGRES_PORT, PATRONI_PORT) }],
    },
  };
}

export interface ReplicationServiceInput {
  clusterName: string;
  /** The name external-dns publishes in the private zone both regions resolve. */
  host: string;
  /** The DR cluster's pod CIDRs (postgres.standby.peerCidrs): the only sources the load balancer takes. */
  sourceRanges: string[];
  labels: Record<string, string>;
}

/**
 * An internal NLB in front of the primary's leader for the DR standby's stream (Spilo labels the
 * leader spilo-role=master). `loadBalancerSourceRanges` are the DR cluster's pod CIDRs: the AWS
 * Load Balancer Controller turns them into the security-group rules of the load balancer, so
 * nothing else reaches PostgreSQL through it. Instance targets with externalTrafficPolicy Local:
 * the client address is preserved (the pod sees the DR pod's address, which its NetworkPolicy
 * admits by ipBlock), and the NLB's health checks go to kube-proxy's health-check node port, not
 * to 5432, so the NLB's own addresses need no exception in the NetworkPolicy.
 * Refuses (a ConfigError naming the key) a load balancer without source ranges.
 */
export function renderReplicationService(input: ReplicationServiceInput) {
  if (input.sourceRanges.length === 0) {
    throw new ConfigError([
      {
        key: "agent-dr:postgres.standby.peerCidrs",
        value: input.sourceRanges,
        expected:
          'expected the DR cluster\'s pod CIDRs (e.g. ["10.20.0.0/16"]) as the replication load balancer\'s loadBalancerSourceRanges: without them it takes connections to PostgreSQL from anything that routes to it; or set agent-dr:postgres.standby.streaming to false',
      },
    ]);
  }
  return {
    metadata: {
      name: `${input.clusterName}-replication`,
      labels: input.labels,
      annotations: {
        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "instance",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
        "external-dns.alpha.kubernetes.io/hostname": input.host,
      },
    },
    spec: {
      type: "LoadBalancer",
      externalTrafficPolicy: "Local",
      loadBalancerSourceRanges: [...input.sourceRanges],
      selector: { ...clusterPodLabels(input.clusterName), "spilo-role": "master" },
      ports: [{ name: "postgresql", port: POSTGRES_PORT, targetPort: POSTGRES_PORT, protocol: "TCP" }],
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
