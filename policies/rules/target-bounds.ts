import { stackPolicy } from "../lib/define";
import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { DEFAULT_DATA_CLASSES, parseDuration, Scenario, scenarioApplies, SCENARIOS } from "../../dr/targets";
import type { ObservedResource } from "../observe";
import { configWithDefaults } from "../lib/config";
import { fromPolicyResources } from "../lib/policy-resources";
import { dur } from "../lib/report";
import { environmentOf } from "../lib/resources";
import { declaredClasses } from "../lib/targets";

interface Bound {
  rpoSeconds?: number;
  rtoSeconds?: number;
}
type ClassBounds = Bound & { scenarios?: Partial<Record<Scenario, Bound>> };
type Bounds = Record<string, Record<string, ClassBounds>>;

interface Config {
  bounds: Bounds;
  requireBoundedClasses: boolean;
}

/** The platform's published targets as upper bounds: prod in every scenario, staging within its one region. */
export function defaultBounds(): Bounds {
  const forEnv = (skip: Scenario[]) =>
    Object.fromEntries(
      Object.entries(DEFAULT_DATA_CLASSES).map(([name, d]) => {
        const scenarios: Partial<Record<Scenario, Bound>> = {};
        for (const s of SCENARIOS) {
          const x = d.scenarios?.[s];
          if (skip.includes(s) || !x) continue;
          scenarios[s] = { ...(x.rpo && x.rpo !== "unbounded" ? { rpoSeconds: parseDuration(x.rpo) } : {}), ...(x.rto && x.rto !== "unbounded" ? { rtoSeconds: parseDuration(x.rto) } : {}) };
        }
        for (const s of skip) scenarios[s] = {};
        // "unbounded" (agent_responses' RPO: nothing is stored) is no bound at all, not an infinite number.
        return [name, { ...(d.rpo !== "unbounded" ? { rpoSeconds: parseDuration(d.rpo) } : {}), ...(d.rto !== "unbounded" ? { rtoSeconds: parseDuration(d.rto) } : {}), scenarios }];
      }),
    );
  return { prod: forEnv([]), staging: forEnv(["region-loss"]) };
}

const bound: PolicyConfigSchema["properties"][string] = {
  type: "object",
  properties: { rpoSeconds: { type: "number", minimum: 0 }, rtoSeconds: { type: "number", minimum: 0 } },
  additionalProperties: false,
};

const configSchema: PolicyConfigSchema = {
  properties: {
    bounds: {
      type: "object",
      description: "Upper bounds on declared targets: environment -> data class -> { rpoSeconds, rtoSeconds, scenarios: { <scenario>: { rpoSeconds, rtoSeconds } } }. A scenario entry replaces the headline bound for that scenario; {} leaves it unbounded.",
      additionalProperties: {
        type: "object",
        additionalProperties: {
          type: "object",
          properties: {
            rpoSeconds: { type: "number", minimum: 0 },
            rtoSeconds: { type: "number", minimum: 0 },
            scenarios: { type: "object", propertyNames: { enum: [...SCENARIOS] }, additionalProperties: bound },
          },
          additionalProperties: false,
        },
      },
      default: defaultBounds(),
    },
    requireBoundedClasses: {
      type: "boolean",
      default: true,
      description: "A class with a bound in this environment must be declared by some resource (else its tier is missing).",
    },
  },
};

/** Declared targets may be tighter than the organisation's bounds, never looser. */
export function checkTargetBounds(resources: ObservedResource[], config: Config, report: (m: string, urn?: string) => void): void {
  const env = environmentOf(resources);
  const bounds = env ? config.bounds[env] ?? {} : {};
  const declared = declaredClasses(resources);
  for (const [name, b] of Object.entries(bounds)) {
    const d = declared.find((x) => x.dataClass.name === name);
    if (!d) {
      // The LLM gateway exists only where agent-dr:llm names providers (there is no default chain);
      // where it exists, llm-gateway-chain and recovery-targets judge it.
      if (DEFAULT_DATA_CLASSES[name]?.store === "llm-gateway") continue;
      if (config.requireBoundedClasses) {
        const store = DEFAULT_DATA_CLASSES[name]?.store;
        report(
          `data class ${name} is bounded in ${env} but no resource declares its targets: its tier is not deployed, so nothing protects it. Fix: deploy it (agent-dr:dataClasses.${name}.enabled true${store ? `, agent-dr:${store}.enabled true` : ""}), or, if the class is truly gone, remove its bound from policies/config.${env ?? "<environment>"}.json (or set requireBoundedClasses false there).`,
        );
      }
      continue;
    }
    // Only the scenarios that concern the class's store (the budget computes no other rows).
    for (const s of SCENARIOS.filter((x) => scenarioApplies(d.dataClass.store, x))) {
      const limit: Bound = b.scenarios?.[s] ?? b;
      const t = d.dataClass.targets[s];
      for (const [field, label] of [["rpoSeconds", "RPO"], ["rtoSeconds", "RTO"]] as const) {
        const max = limit[field];
        if (max !== undefined && t[field] > max) {
          report(`target bound: ${name} / ${s} declares ${label} ${dur(t[field])}, above the ${env} bound of ${dur(max)}. Fix: tighten agent-dr:dataClasses.${name}${limit === b ? "" : `.scenarios.${s}`}.${label.toLowerCase()} to at most ${dur(max)}, or change the bound in the policy pack config.`, d.declaredBy.urn);
        }
      }
    }
  }
}

export const targetBounds = stackPolicy<Config>({
  name: "target-bounds",
  description: "Declared recovery targets stay within the organisation's upper bounds for the environment (e.g. prod conversation_history RPO at most 60 s).",
  severity: "high",
  configSchema,
  skip: (rs) => (environmentOf(rs) === undefined ? "no resource names its environment (label agent-dr/environment or tag environment)" : undefined),
  check: (rs, report, config) => checkTargetBounds(rs, config, report),
});
