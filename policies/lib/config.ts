import type { PolicyConfigSchema } from "@pulumi/policy";

/**
 * A policy's config with its schema's defaults filled in. The Pulumi CLI fills them before it
 * configures the pack; the SDK alone does not (getConfig() returns {} for an unconfigured policy),
 * so every policy reads its config through this and behaves the same under both.
 */
export function configWithDefaults<T extends object>(schema: PolicyConfigSchema, given: object): T {
  const out: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (typeof prop === "object" && prop.default !== undefined) out[key] = structuredClone(prop.default);
  }
  return { ...out, ...given } as T;
}
