import type { PolicyConfigSchema, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "./config";
import { fromPolicyResources, type StackResource } from "./policy-resources";

/** A resource as a resource policy's check reads it: its type, name and inputs (the props the engine sent). */
export interface CheckedResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

interface Definition {
  name: string;
  description: string;
  severity: "low" | "medium" | "high" | "critical";
}

/**
 * Every policy of the pack is mandatory (the pack config may lower one) and says why a resource or a
 * stack is not its business; these build the Pulumi policy objects around a rule's check, so each
 * rule file holds only its check and what it applies to.
 */
/** The policy object's fixed part: every policy is mandatory (the pack config may lower one). */
const frame = (d: Definition & { configSchema?: PolicyConfigSchema }) => ({
  name: d.name,
  description: d.description,
  enforcementLevel: "mandatory" as const,
  severity: d.severity,
  ...(d.configSchema ? { configSchema: d.configSchema } : {}),
});

/** The policy's config as the engine sent it, with the schema's defaults where a key was not sent. */
const configOf = <C extends object>(schema: PolicyConfigSchema | undefined, given: object): C => (schema ? configWithDefaults<C>(schema, given) : {}) as C;

export function resourcePolicy<C extends object = Record<string, never>>(
  d: Definition & {
    configSchema?: PolicyConfigSchema;
    /** Why this resource is not applicable; undefined: check it. */
    skip: (r: CheckedResource) => string | undefined;
    check: (r: CheckedResource, report: ReportViolation, config: C) => void;
  },
): ResourceValidationPolicy {
  return {
    ...frame(d),
    validateResource: (args, report) => {
      const r = { type: args.type, name: args.name, inputs: args.props };
      const reason = d.skip(r);
      if (reason !== undefined) args.notApplicable(reason);
      d.check(r, report, configOf<C>(d.configSchema, args.getConfig()));
    },
  };
}

export function stackPolicy<C extends object = Record<string, never>>(
  d: Definition & {
    configSchema?: PolicyConfigSchema;
    /** Why this stack is not applicable (it has nothing the policy judges); undefined: check it. */
    skip: (resources: StackResource[]) => string | undefined;
    check: (resources: StackResource[], report: ReportViolation, config: C) => void;
  },
): StackValidationPolicy {
  return {
    ...frame(d),
    validateStack: (args, report) => {
      const resources = fromPolicyResources(args.resources);
      const reason = d.skip(resources);
      if (reason !== undefined) args.notApplicable(reason);
      d.check(resources, report, configOf<C>(d.configSchema, args.getConfig()));
    },
  };
}

/** skip for a resource policy that judges one type. */
export const onlyType = (type: string) => (r: CheckedResource) => (r.type === type ? undefined : `only ${type}`);

/** The common case: a resource policy over one resource type, with no config of its own. */
export function typePolicy(type: string, check: (r: CheckedResource, report: ReportViolation) => void, d: Definition): ResourceValidationPolicy {
  return resourcePolicy({ ...d, skip: onlyType(type), check });
}

/** The common stack case: a policy that judges the stack when it holds a resource of one of `types`, with no config of its own. */
export function stackPolicyOver(types: string[], nothingToJudge: string, check: (resources: StackResource[], report: ReportViolation) => void, d: Definition): StackValidationPolicy {
  return stackPolicy({ ...d, skip: (rs) => (rs.some((r) => types.includes(r.type)) ? undefined : nothingToJudge), check });
}
