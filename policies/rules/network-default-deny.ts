import { StackResource } from "../lib/policy-resources";
import { TYPES } from "../lib/resources";
import { known } from "../lib/unknown";
import { stackPolicy } from "../lib/define";

interface Owned {
  namespace: string;
  providerUrn?: string;
  urn?: string;
  what: string;
}

/** A provider's name from its URN (or a urn::id reference): the segment after its type. */
const providerName = (urn: string) => {
  const parts = urn.split("::");
  const i = parts.findIndex((p) => p.includes("pulumi:providers:"));
  return i >= 0 && parts[i + 1] ? parts[i + 1] : urn;
};

const emptySelector = (s: any) => !s || (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0);

/**
 * Which of ingress and egress a NetworkPolicy denies to every pod of its namespace: an empty
 * podSelector, the policy type, and no rule of that type (a rule would admit something).
 */
export function deniedDirections(np: StackResource): Array<"Ingress" | "Egress"> {
  const spec = np.inputs.spec ?? {};
  if (!emptySelector(spec.podSelector)) return [];
  const types: string[] = spec.policyTypes ?? ["Ingress", ...((spec.egress ?? []).length > 0 ? ["Egress"] : [])];
  return (["Ingress", "Egress"] as const).filter((t) => types.includes(t) && (t === "Ingress" ? spec.ingress ?? [] : spec.egress ?? []).length === 0);
}

/** The namespaces the stack owns, per Kubernetes provider (cluster): Namespace resources, and those a Helm release creates. */
export function ownedNamespaces(resources: StackResource[]): Owned[] {
  const out: Owned[] = [];
  for (const r of resources) {
    if (r.type === TYPES.namespace) {
      const ns = known(() => r.inputs.metadata?.name);
      if (typeof ns === "string") out.push({ namespace: ns, ...(r.providerUrn ? { providerUrn: r.providerUrn } : {}), ...(r.urn ? { urn: r.urn } : {}), what: `Namespace ${ns}` });
    } else if (r.type === TYPES.helmRelease && known(() => r.inputs.createNamespace) === true) {
      const ns = known(() => r.inputs.namespace);
      if (typeof ns === "string") out.push({ namespace: ns, ...(r.providerUrn ? { providerUrn: r.providerUrn } : {}), ...(r.urn ? { urn: r.urn } : {}), what: `namespace ${ns} (created by Helm release ${known(() => r.inputs.name) ?? r.name})` });
    }
  }
  return out;
}

/**
 * Every namespace the stack owns carries a default deny of ingress and egress: a pod no other
 * policy selects accepts nothing and reaches nothing. Without it, any pod started there (a debug
 * pod, a Job, a clone) accepts connections from the whole cluster and connects anywhere: to the
 * databases' ports and out to the internet with whatever it read.
 */
export function checkDefaultDeny(resources: StackResource[], report: (m: string, urn?: string) => void): void {
  const policies = resources.filter((r) => r.type === TYPES.networkPolicy);
  for (const owned of ownedNamespaces(resources)) {
    const here = policies.filter((np) => known(() => np.inputs.metadata?.namespace) === owned.namespace && np.providerUrn === owned.providerUrn);
    // Unknown until apply (a namespace from another resource's output): judged then.
    if (policies.some((np) => known(() => np.inputs.metadata?.namespace) === undefined && np.providerUrn === owned.providerUrn)) continue;
    const denied = new Set(here.flatMap(deniedDirections));
    const missing = (["Ingress", "Egress"] as const).filter((d) => !denied.has(d));
    if (missing.length === 0) continue;
    report(
      `${owned.what}${owned.providerUrn ? ` (provider ${providerName(owned.providerUrn)})` : ""} has no default deny of ${missing.join(" and ").toLowerCase()}: ` +
        `a pod no other NetworkPolicy selects ${missing.includes("Ingress") ? "accepts connections from every pod of the cluster" : ""}${missing.length === 2 ? " and " : ""}${missing.includes("Egress") ? "connects anywhere, the internet included" : ""}. ` +
        `Fix: a NetworkPolicy in ${owned.namespace} with podSelector {}, policyTypes [Ingress, Egress] and no rules (components/network renderNamespaceBaseline, which AgentPlatform declares for its namespaces and the PostgreSQL tier for the operator's).`,
      owned.urn,
    );
  }
}

export const networkDefaultDeny = stackPolicy({
  name: "network-default-deny",
  description: "Every namespace the stack owns has a NetworkPolicy denying all ingress and egress to pods no other policy admits.",
  severity: "high",
  skip: (rs) => (ownedNamespaces(rs).length === 0 ? "the stack owns no namespace" : undefined),
  check: checkDefaultDeny,
});
