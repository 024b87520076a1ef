/**
 * A small NetworkPolicy (networking.k8s.io/v1) evaluator for tests: which flows between pods and
 * addresses a set of policies admits. No cluster runs here, so the tests judge the rendered
 * policies with this instead. The semantics, as the Kubernetes API reference and the concepts
 * page state them:
 *
 * - https://kubernetes.io/docs/reference/kubernetes-api/networking-resources/network-policy-v1/
 *   NetworkPolicySpec: podSelector selects pods in the policy's namespace ({} selects all);
 *   policyTypes defaults to ["Ingress"] plus "Egress" when the policy has egress rules; ingress /
 *   egress: "traffic is allowed if it matches at least one rule across all of the NetworkPolicy
 *   objects whose podSelector matches the pod"; an empty rule list "does not allow any traffic";
 *   a rule's `from` / `to` "empty or missing ... matches all sources/destinations"; its `ports`
 *   "empty or missing ... matches all ports"; NetworkPolicyPeer: podSelector alone selects pods of
 *   the policy's namespace, namespaceSelector alone every pod of the selected namespaces, both
 *   together "pods matching podSelector in the Namespaces selected by namespaceSelector";
 *   ipBlock: a CIDR with `except` CIDRs "that should not be included"; NetworkPolicyPort:
 *   protocol defaults to TCP, port a number or a named port, absent meaning all ports of the
 *   protocol, endPort "the range of ports from port to endPort".
 * - https://kubernetes.io/docs/concepts/services-networking/network-policies/ : "By default, a pod
 *   is non-isolated for egress [ingress]"; a pod is isolated for a direction once any policy that
 *   selects it has that policy type; "for a connection from a source pod to a destination pod to
 *   be allowed, both the egress policy on the source pod and the ingress policy on the destination
 *   pod need to allow the connection"; the "default deny" and "allow all" examples; the AND / OR
 *   example of namespaceSelector and podSelector; the endPort example.
 *
 * ipBlock is matched against any address, pod addresses included (the concepts page leaves
 * ipBlock on pod IPs to the implementation; Calico and the VPC CNI's network policy agent both
 * match pod IPs). That is the cautious reading for a proof that a flow is refused. Traffic to and
 * from the pod's own node (kubelet probes) is outside the model, as it is outside NetworkPolicy.
 */
import * as ipaddr from "ipaddr.js";

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface NetworkPolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface NetworkPolicy {
  metadata: { name: string; namespace: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: Array<{ from?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }>;
    egress?: Array<{ to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }>;
  };
}

export interface Pod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ip: string;
  /** Container ports, for named ports in policies. */
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
}

export interface Namespace {
  name: string;
  labels?: Record<string, string>;
}

/** A pod, or an address outside the model's pods (a load balancer's client, S3, the API server). */
export type Endpoint = { pod: Pod } | { ip: string };

export interface Flow {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol?: "TCP" | "UDP" | "SCTP";
}

export interface Side {
  /** Some policy selecting the pod has this direction's type: only what its rules admit passes. */
  isolated: boolean;
  /** The policies whose rules admit the flow in this direction. */
  admittedBy: string[];
  admitted: boolean;
}

export interface Verdict {
  admitted: boolean;
  /** Undefined when the source is not a pod (egress is not judged). */
  egress?: Side;
  /** Undefined when the destination is not a pod. */
  ingress?: Side;
}

/** LabelSelector semantics (matchLabels and every matchExpression must hold; {} selects everything). */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case "In":
        if (!has || !values.includes(labels[e.key])) return false;
        break;
      case "NotIn":
        if (has && values.includes(labels[e.key])) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        throw new Error(`unknown label selector operator ${e.operator}`);
    }
  }
  return true;
}

/** Is `ip` inside `cidr` (same address family only)? */
export function inCidr(ip: string, cidr: string): boolean {
  const addr = ipaddr.parse(ip);
  const [net, len] = ipaddr.parseCIDR(cidr);
  if (addr.kind() !== net.kind()) return false;
  return (addr as any).match(net, len);
}

function effectiveTypes(p: NetworkPolicy): string[] {
  if (p.spec.policyTypes && p.spec.policyTypes.length > 0) return p.spec.policyTypes;
  return ["Ingress", ...((p.spec.egress ?? []).length > 0 ? ["Egress"] : [])];
}

export class NetworkModel {
  private readonly namespaces = new Map<string, Record<string, string>>();

  constructor(
    readonly policies: NetworkPolicy[],
    namespaces: Namespace[],
  ) {
    // The API server labels every namespace with its name (Kubernetes >= 1.22).
    for (const ns of namespaces) this.namespaces.set(ns.name, { ...(ns.labels ?? {}), "kubernetes.io/metadata.name": ns.name });
  }

  private namespaceLabels(name: string): Record<string, string> {
    return this.namespaces.get(name) ?? { "kubernetes.io/metadata.name": name };
  }

  private peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, other: Endpoint): boolean {
    if (peer.ipBlock) {
      const ip = "pod" in other ? other.pod.ip : other.ip;
      return inCidr(ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(ip, c));
    }
    if (!("pod" in other)) return false;
    const pod = other.pod;
    if (peer.namespaceSelector) {
      if (!selectorMatches(peer.namespaceSelector, this.namespaceLabels(pod.namespace))) return false;
    } else if (pod.namespace !== policyNamespace) {
      return false;
    }
    return peer.podSelector ? selectorMatches(peer.podSelector, pod.labels) : true;
  }

  /** Does a rule's port list admit `port/protocol` towards `dest` (whose named ports resolve)? */
  private portsMatch(ports: NetworkPolicyPort[] | undefined, port: number, protocol: string, dest: Endpoint): boolean {
    if (!ports || ports.length === 0) return true;
    return ports.some((p) => {
      if ((p.protocol ?? "TCP") !== protocol) return false;
      if (p.port === undefined) return true;
      if (typeof p.port === "string") {
        if (p.endPort !== undefined) throw new Error(`endPort with the named port ${p.port} is invalid`);
        if (!("pod" in dest)) return false;
        return (dest.pod.ports ?? []).some((cp) => cp.name === p.port && cp.containerPort === port && (cp.protocol ?? "TCP") === protocol);
      }
      const end = p.endPort ?? p.port;
      return port >= p.port && port <= end;
    });
  }

  private side(pod: Pod, direction: "Ingress" | "Egress", other: Endpoint, port: number, protocol: string, dest: Endpoint): Side {
    const selecting = this.policies.filter((p) => p.metadata.namespace === pod.namespace && selectorMatches(p.spec.podSelector, pod.labels) && effectiveTypes(p).includes(direction));
    const admittedBy = selecting
      .filter((p) => {
        const rules = direction === "Ingress" ? (p.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })) : (p.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
        return rules.some((r) => (!r.peers || r.peers.length === 0 || r.peers.some((peer) => this.peerMatches(peer, p.metadata.namespace, other))) && this.portsMatch(r.ports, port, protocol, dest));
      })
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    const isolated = selecting.length > 0;
    return { isolated, admittedBy, admitted: !isolated || admittedBy.length > 0 };
  }

  evaluate(flow: Flow): Verdict {
    const protocol = flow.protocol ?? "TCP";
    const egress = "pod" in flow.from ? this.side(flow.from.pod, "Egress", flow.to, flow.port, protocol, flow.to) : undefined;
    const ingress = "pod" in flow.to ? this.side(flow.to.pod, "Ingress", flow.from, flow.port, protocol, flow.to) : undefined;
    return { admitted: (egress?.admitted ?? true) && (ingress?.admitted ?? true), ...(egress ? { egress } : {}), ...(ingress ? { ingress } : {}) };
  }
}
