import type { PolicyResource } from "@pulumi/policy";
import type { ObservedResource } from "../observe";

/** A stack-policy resource as the observers see it, with its provider's URN and region when it has one. */
export type StackResource = ObservedResource & { providerUrn?: string; providerRegion?: string };

export function fromPolicyResources(resources: PolicyResource[]): StackResource[] {
  return resources.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    inputs: r.props,
    ...(r.provider ? { providerUrn: r.provider.urn } : {}),
    ...(typeof r.provider?.props?.region === "string" ? { providerRegion: r.provider.props.region } : {}),
  }));
}
