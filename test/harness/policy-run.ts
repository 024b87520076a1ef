/**
 * Run one policy of the pack on hand-made resources with the args the policy runtime builds
 * (@pulumi/policy's unknownCheckingProxy over the props; a provider per resource where given) and
 * the policy config the engine would send after Configure (no defaults filled in: a test that wants
 * them passes configWithDefaults' result).
 */
import * as policy from "@pulumi/policy";
import { policies } from "../../policies/pack";
import { resourceView } from "../../offline/policy-view";

class NotApplicable extends Error {}


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
const providerOf = (r: Res): policy.PolicyProviderResource | undefined =>
  r.provider
    ? { type: "pulumi:providers:kubernetes", props: {}, urn: r.provider, name: r.provider.split("::").pop()! }
    : r.region
      ? { type: "pulumi:providers:aws", props: { region: r.region }, urn: `urn:pulumi:prod::agent-dr::pulumi:providers:aws::${r.region}`, name: r.region }
      : undefined;
/** What the runtime shows a policy (offline/policy-view.ts, as the plan runs the pack). */
const viewOf = (r: Res) => resourceView({ ...r, urn: urnOf(r) }, providerOf(r));

export async function runResource(name: string, r: Res, config: Record<string, unknown> = {}): Promise<{ messages: string[]; notApplicable: boolean }> {
  const p = policyByName(name) as policy.ResourceValidationPolicy;
  const args = {
    ...viewOf(r),
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  } as policy.ResourceValidationArgs;
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
  const prs: policy.PolicyResource[] = resources.map((r) => ({ ...viewOf(r), dependencies: [], propertyDependencies: {} }));
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
