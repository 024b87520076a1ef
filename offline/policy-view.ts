import * as policy from "@pulumi/policy";

/** A resource's options as the engine sends them to the analyzer for a plain resource. */
const OPTIONS: policy.PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  additionalSecretOutputs: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
};

export interface ViewedResource {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, any>;
  parent?: string;
}

export type ResourceView = Pick<policy.PolicyResource, "type" | "props" | "urn" | "name" | "opts" | "provider" | "isType" | "asType">;

/**
 * A resource as the policy runtime shows it to a policy: its props behind @pulumi/policy's
 * unknown-checking proxy, the engine's options, its provider, and the type guards. Resource and
 * stack policies both see this (the args of one, the resources of the other).
 */
export function resourceView(r: ViewedResource, provider?: policy.PolicyProviderResource): ResourceView {
  const props = (policy as any).unknownCheckingProxy(r.inputs);
  const isType = (cls: any) => cls?.__pulumiType === r.type;
  return {
    type: r.type,
    props,
    urn: r.urn,
    name: r.name,
    opts: { ...OPTIONS, ...(r.parent ? { parent: r.parent } : {}) },
    ...(provider ? { provider } : {}),
    isType,
    asType: ((cls: any) => (isType(cls) ? props : undefined)) as policy.PolicyResource["asType"],
  };
}
