/**
 * Run one policy of the pack on hand-made resources with the args the policy runtime builds
 * (@pulumi/policy's unknownCheckingProxy over the props; a provider per resource where given) and
 * the policy config the engine would send after Configure (no defaults filled in: a test that wants
 * them passes configWithDefaults' result).
 */
import * as policy from "@pulumi/policy";
import { policies } from "../../policies/pack";

class NotApplicable extends Error {}

const OPTS: policy.PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  additionalSecretOutputs: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
};

export interface Res {
  type: string;
  name: string;
  inputs: Record<string, any>;
  /** URN of the Kubernetes provider (one per cluster). */
  provider?: string;
  /** Region of the AWS provider the resource is created with. */
  region?: string;
}

export const policyByName = (name: string) => {
  const p = policies.find((x) => x.name === name);
  if (!p) throw new Error(`no policy ${name} in the pack`);
  return p;
};
const urnOf = (r: Res) => `urn:pulumi:prod::agent-dr::${r.type}::${r.name}`;
const providerOf = (r: Res) =>
  r.provider
    ? { provider: { type: "pulumi:providers:kubernetes", props: {}, urn: r.provider, name: r.provider.split("::").pop()! } }
    : r.region
      ? { provider: { type: "pulumi:providers:aws", props: { region: r.region }, urn: `urn:pulumi:prod::agent-dr::pulumi:providers:aws::${r.region}`, name: r.region } }
      : {};

export async function runResource(name: string, r: Res, config: Record<string, unknown> = {}): Promise<{ messages: string[]; notApplicable: boolean }> {
  const p = policyByName(name) as policy.ResourceValidationPolicy;
  const props = (policy as any).unknownCheckingProxy(r.inputs);
  const args: policy.ResourceValidationArgs = {
    type: r.type,
    props,
    urn: urnOf(r),
    name: r.name,
    opts: OPTS,
    stackTags: new Map(),
    isType: (c: any) => c.__pulumiType === r.type,
    asType: ((c: any) => (c.__pulumiType === r.type ? props : undefined)) as any,
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
    ...providerOf(r),
  };
  const messages: string[] = [];
  try {
    for (const f of [p.validateResource ?? []].flat()) await f(args, (m) => messages.push(m));
  } catch (e) {
    if (e instanceof NotApplicable) return { messages, notApplicable: true };
    throw e;
  }
  return { messages, notApplicable: false };
}

export async function runStackPolicy(name: string, resources: Res[], config: Record<string, unknown> = {}): Promise<{ messages: string[]; urns: Array<string | undefined>; notApplicable: boolean }> {
  const p = policyByName(name) as policy.StackValidationPolicy;
  const prs: policy.PolicyResource[] = resources.map((r) => {
    const props = (policy as any).unknownCheckingProxy(r.inputs);
    return {
      type: r.type,
      props,
      urn: urnOf(r),
      name: r.name,
      opts: OPTS,
      dependencies: [],
      propertyDependencies: {},
      ...providerOf(r),
      isType: (c: any) => c.__pulumiType === r.type,
      asType: ((c: any) => (c.__pulumiType === r.type ? props : undefined)) as any,
    } as policy.PolicyResource;
  });
  const out: Array<{ message: string; urn?: string }> = [];
  try {
    await p.validateStack(
      {
        resources: prs,
        stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => {
          throw new NotApplicable(reason);
        },
      },
      (message, urn) => out.push({ message, ...(urn ? { urn } : {}) }),
    );
  } catch (e) {
    if (e instanceof NotApplicable) return { messages: [], urns: [], notApplicable: true };
    throw e;
  }
  return { messages: out.map((m) => m.message), urns: out.map((m) => m.urn), notApplicable: false };
}

export const resourceUrn = urnOf;
