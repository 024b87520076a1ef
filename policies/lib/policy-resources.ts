import type { PolicyResource } from "@pulumi/policy";
import type { ObservedResource } from "../observe";

/** A stack-policy resource as the observers see it, with the region of its provider when it has one. */
export type StackResource = ObservedResource & { providerRegion?: string };

export function fromPolicyResources(resources: PolicyResource[]): StackResource[] {
  return resources.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    inputs: r.props,
    ...(typeof r.provider?.props?.region === "string" ? { providerRegion: r.provider.props.region } : {}),
  }));
}
