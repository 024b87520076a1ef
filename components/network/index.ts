import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RenderedNetworkPolicy, renderNamespaceBaseline } from "./render";

export * from "./render";
export * from "./labels";

/**
 * Declare one rendered NetworkPolicy in a namespace. The Pulumi name is `<prefix>-netpol-<key>`,
 * the key defaulting to the policy's name; a policy that existed under another key keeps it (a new
 * URN for the same Kubernetes name would be created before the old one is deleted, and refused).
 */
export function declareNetworkPolicy(prefix: string, namespace: pulumi.Input<string>, policy: RenderedNetworkPolicy, opts: pulumi.CustomResourceOptions, key = policy.metadata.name): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    `${prefix}-netpol-${key}`,
    { metadata: pulumi.output(namespace).apply((ns) => ({ ...policy.metadata, namespace: ns })), spec: policy.spec as any },
    opts,
  );
}

/** The default deny and the DNS allow of one namespace the stack owns (renderNamespaceBaseline). */
export class NamespaceNetwork extends pulumi.ComponentResource {
  constructor(name: string, args: { namespace: pulumi.Input<string>; provider: k8s.Provider; labels: Record<string, string> }, opts?: pulumi.ComponentResourceOptions) {
    super("agent-dr:network:NamespaceNetwork", name, {}, opts);
    for (const p of renderNamespaceBaseline(args.labels)) declareNetworkPolicy(name, args.namespace, p, { parent: this, provider: args.provider });
    this.registerOutputs({});
  }
}
