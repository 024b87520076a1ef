import type { ObservedResource } from "../observe/resource";

/** Type tokens the policies read. Exact strings: CrossGuard compares types by string equality. */
export { TYPES } from "../../contract/resource-types";

export function labels(r: ObservedResource): Record<string, string> {
  return r.inputs?.metadata?.labels ?? {};
}

export function annotations(r: ObservedResource): Record<string, string> {
  return r.inputs?.metadata?.annotations ?? {};
}

/** Kubernetes object name (metadata.name) or the Pulumi name. */
export function objectName(r: ObservedResource): string {
  const name = r.inputs?.metadata?.name ?? r.name;
  // The same object exists in each region's cluster: the region label tells the two messages apart.
  const region = r.inputs?.metadata?.labels?.[REGION_LABEL];
  return typeof region === "string" ? `${name} (${region})` : name;
}

/** The label the stack puts on objects that exist once per region. */
const REGION_LABEL = "agent-dr/region";

export function namespaceOf(r: ObservedResource): string | undefined {
  return r.inputs?.metadata?.namespace;
}

/** A number that may arrive as a string (Kubernetes int-or-string, YAML). NaN when absent or malformed. */
export function num(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "") return Number(v);
  return NaN;
}

/** The region of an AWS resource: v7's per-resource `region`, else its provider's. */
export function awsRegion(r: ObservedResource & { providerRegion?: string }): string | undefined {
  return r.inputs?.region ?? r.providerRegion;
}

/** The environment a stack's resources belong to, from their labels or tags. */
export function environmentOf(resources: ObservedResource[]): string | undefined {
  for (const r of resources) {
    const env = labels(r)["agent-dr/environment"] ?? r.inputs?.tags?.environment;
    if (typeof env === "string") return env;
  }
  return undefined;
}
