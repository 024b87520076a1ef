import type * as k8s from "@pulumi/kubernetes";

/**
 * Building blocks of the stack's NetworkPolicies and the namespace baseline every namespace the
 * stack owns carries: deny everything in and out, then let every pod resolve names. Each tier adds
 * its own allows (components/postgres/render/network.ts, components/redis/render/network.ts,
 * components/controller/render.ts). Pure: tests evaluate the result (test/harness/netpol.ts).
 */

export type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Port = k8s.types.input.networking.v1.NetworkPolicyPort;

export interface RenderedNetworkPolicy {
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    podSelector: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
    policyTypes: Array<"Ingress" | "Egress">;
    ingress?: Array<{ from?: Peer[]; ports?: Port[] }>;
    egress?: Array<{ to?: Peer[]; ports?: Port[] }>;
  };
}

/** Name of the namespace-wide default deny (the pack's network-default-deny looks for its shape, not its name). */
export const DEFAULT_DENY_NAME = "default-deny";
export const ALLOW_DNS_NAME = "allow-dns";

/** The label the API server sets on every namespace (Kubernetes >= 1.22): selecting a namespace by name. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));

/** Pods of the named namespaces that carry `podLabels`: both selectors in one peer, so both must hold. */
export function podsInNamespaces(namespaces: string[], podLabels: Record<string, string>): Peer {
  return {
    namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "In", values: [...new Set(namespaces)].sort() }] },
    podSelector: { matchLabels: podLabels },
  };
}

/** Pods of the policy's own namespace with these labels. */
export const podsLabelled = (labels: Record<string, string>): Peer => ({ podSelector: { matchLabels: labels } });

export const cidrs = (blocks: string[]): Peer[] => blocks.map((cidr) => ({ ipBlock: { cidr } }));

/** Cluster DNS: CoreDNS in kube-system (EKS labels it k8s-app=kube-dns), UDP and TCP 53. */
export function dnsEgressRule() {
  return {
    to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
    ports: [
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
    ],
  };
}

/** The Kubernetes API server (the kubernetes Service's endpoints after DNAT): 443, and 6443 where a distribution serves it there. */
export function apiServerEgressRule(apiServerCidrs: string[]) {
  return { to: cidrs(apiServerCidrs), ports: tcp(443, 6443) };
}

/**
 * S3, STS, KMS (and Route53 for the controller) on TCP 443 only. These endpoints have no fixed
 * CIDRs a NetworkPolicy could name (AWS publishes them in ip-ranges.json, which changes weekly)
 * unless the VPC has endpoints for them; so by default 0.0.0.0/0 on 443 and nothing else, and the
 * VPC endpoints' CIDRs in network.awsApiCidrs where they exist.
 */
export function awsApiEgressRule(awsApiCidrs: string[]) {
  return { to: cidrs(awsApiCidrs), ports: tcp(443) };
}

/**
 * The baseline of a namespace the stack owns: a default deny of ingress and egress for every pod
 * (an empty podSelector, both policy types, no rules), and DNS for every pod. Everything else a
 * pod may do is admitted by the tier that runs it.
 */
export function renderNamespaceBaseline(labels: Record<string, string>): RenderedNetworkPolicy[] {
  return [
    { metadata: { name: DEFAULT_DENY_NAME, labels }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
    { metadata: { name: ALLOW_DNS_NAME, labels }, spec: { podSelector: {}, policyTypes: ["Egress"], egress: [dnsEgressRule()] } },
  ];
}
