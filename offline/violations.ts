import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import * as policy from "@pulumi/policy";
import type { StackConfig } from "../dr/targets";
import { PACK_NAME, policies as packPolicies } from "../policies/pack";
import type { CapturedResource } from "./capture";
import { PROJECT_ROOT } from "./stack-files";
import { resourceView } from "./policy-view";

export interface Violation {
  policy: string;
  level: "advisory" | "mandatory";
  resource: string;
  message: string;
}

export interface PolicyInput {
  stack: string;
  config: StackConfig;
  resources: CapturedResource[];
}

/** One policy's config as the CLI sends it in Configure: its enforcement level and its properties, schema defaults filled. */
export interface ReconciledPolicyConfig {
  enforcementLevel: policy.EnforcementLevel;
  properties: Record<string, unknown>;
}

export const PACK_DIR = path.join(PROJECT_ROOT, "policies");
const PACK_DEFAULT_LEVEL: policy.EnforcementLevel = "mandatory";
const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

/** The pack config file the PR workflow passes for a stack (`--policy-pack-config`), if there is one. */
export function packConfigFile(stack: string): string {
  return path.join(PACK_DIR, `config.${stack}.json`);
}

export function readPackConfig(stack: string): Record<string, unknown> {
  const file = packConfigFile(stack);
  if (!fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: expected JSON policy pack config (${(e as Error).message})`);
  }
}

/**
 * What the Pulumi CLI does before it configures a pack (ReconcilePolicyPackConfig): start each
 * policy from its schema's defaults and its own enforcement level, apply "all", then the policy's
 * entry (a level, or an object with enforcementLevel and properties), and validate the result
 * against the policy's configSchema. A bad entry is an error naming the policy, key and value.
 */
export function reconcilePackConfig(policies: PolicyMetadata[], raw: Record<string, unknown>): Record<string, ReconciledPolicyConfig> {
  const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });
  const names = new Set(policies.map((p) => p.name));
  for (const key of Object.keys(raw)) {
    if (key !== "all" && !names.has(key)) throw new Error(`policy pack config: unknown policy "${key}"; expected one of all, ${[...names].join(", ")}`);
  }
  const level = (v: unknown, where: string): policy.EnforcementLevel => {
    if (typeof v !== "string" || !LEVELS.includes(v)) throw new Error(`policy pack config: ${where} is ${JSON.stringify(v)}; expected one of ${LEVELS.join(", ")}`);
    return v as policy.EnforcementLevel;
  };
  const all = raw.all === undefined ? undefined : level(typeof raw.all === "object" ? (raw.all as any).enforcementLevel : raw.all, "all");
  const out: Record<string, ReconciledPolicyConfig> = {};
  for (const p of policies) {
    const entry = raw[p.name];
    let enforcementLevel = all ?? p.enforcementLevel ?? PACK_DEFAULT_LEVEL;
    let given: Record<string, unknown> = {};
    if (typeof entry === "string") enforcementLevel = level(entry, p.name);
    else if (entry && typeof entry === "object") {
      const { enforcementLevel: l, ...props } = entry as Record<string, unknown>;
      if (l !== undefined) enforcementLevel = level(l, `${p.name}.enforcementLevel`);
      given = props;
    }
    const properties = structuredClone(given);
    if (p.configSchema) {
      const validate = ajv.compile({ type: "object", ...p.configSchema });
      if (!validate(properties)) {
        const problems = (validate.errors ?? []).map((e) => `${p.name}${e.instancePath.replace(/\//g, ".")}: ${e.message}${e.params && "allowedValues" in e.params ? ` (${(e.params as any).allowedValues.join(", ")})` : ""}`);
        throw new Error(`policy pack config: ${problems.join("; ")}`);
      }
    } else if (Object.keys(properties).length > 0) {
      throw new Error(`policy pack config: ${p.name} takes no properties, got ${Object.keys(properties).join(", ")}`);
    }
    out[p.name] = { enforcementLevel, properties };
  }
  return out;
}

/** What reconciling needs of a policy: what GetAnalyzerInfo tells the engine. */
export type PolicyMetadata = Pick<policy.Policy, "name" | "enforcementLevel" | "configSchema">;

class NotApplicable extends Error {}


/** The provider a captured resource names ("<urn>::<id>"), as the engine passes it to the analyzer. */
function providerOf(r: CapturedResource, resources: CapturedResource[]) {
  if (!r.provider) return undefined;
  const urn = r.provider.split("::").slice(0, -1).join("::");
  const p = resources.find((x) => x.urn === urn);
  return p ? { type: p.type, props: p.inputs, urn: p.urn, name: p.name } : undefined;
}

/**
 * Evaluate the whole pack on captured resources as the CLI does in a preview: Analyze (resource
 * policies) for each resource with its inputs, then AnalyzeStack (stack policies) with all
 * resources, enforcement levels and properties from the reconciled pack config. A policy that
 * throws is reported as a mandatory violation naming it (the CLI would fail the preview).
 */
export async function evaluatePack(
  stack: string,
  resources: CapturedResource[],
  rawConfig: Record<string, unknown> = readPackConfig(stack),
  policies: policy.Policies = packPolicies,
): Promise<Violation[]> {
  const config = reconcilePackConfig(policies, rawConfig);
  const out: Violation[] = [];
  const stackUrn = `urn:pulumi:${stack}::agent-dr::pulumi:pulumi:Stack::agent-dr-${stack}`;
  const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
  };
  const run = async (p: policy.Policy, urn: string, fn: (report: policy.ReportViolation) => unknown) => {
    const { enforcementLevel } = config[p.name];
    // "remediate" policies that still report are reported as mandatory, as the runtime does.
    const level = enforcementLevel === "advisory" ? "advisory" : "mandatory";
    try {
      await fn((message, violationUrn) => out.push({ policy: p.name, level, resource: violationUrn ?? urn, message }));
    } catch (e) {
      if (e instanceof NotApplicable) return;
      out.push({ policy: p.name, level: "mandatory", resource: urn, message: `policy failed to run (the CLI would fail the preview): ${(e as Error).message}` });
    }
  };
  for (const p of policies) {
    if (config[p.name].enforcementLevel === "disabled") continue;
    const getConfig = <T extends object>() => structuredClone(config[p.name].properties) as T;
    if ("validateResource" in p && p.validateResource) {
      const validations = [p.validateResource].flat();
      for (const r of resources) {
        // The same view as a stack policy gets; only asType's declared type differs between the two.
        const args = { ...resourceView(r, providerOf(r, resources)), stackTags: new Map(), getConfig, notApplicable } as policy.ResourceValidationArgs;
        for (const v of validations) await run(p, r.urn, (report) => v(args, report));
      }
    } else if ("validateStack" in p) {
      const policyResources: policy.PolicyResource[] = resources.map((r) => ({ ...resourceView(r, providerOf(r, resources)), dependencies: [], propertyDependencies: {} }));
      const byUrn = new Map(policyResources.map((pr) => [pr.urn, pr]));
      resources.forEach((r, i) => {
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        if (parent) policyResources[i].parent = parent;
      });
      await run(p, stackUrn, (report) => p.validateStack({ resources: policyResources, stackTags: new Map(), getConfig, notApplicable }, report));
    }
  }
  return out;
}

/** The violations of a stack in `npm run plan`: the whole pack, as `pulumi preview --policy-pack policies` runs it. */
export async function evaluatePolicies(input: PolicyInput): Promise<Violation[]> {
  return evaluatePack(input.stack, input.resources);
}

export { PACK_NAME };
