import type { StackConfig } from "../dr/targets";

/** Tags every AWS resource carries; data-class tags are added where a resource serves named classes. */
export function baseTags(config: StackConfig): Record<string, string> {
  return {
    environment: config.environment,
    owner: config.owner,
    "managed-by": "pulumi",
    project: "agent-dr",
  };
}

/** Kubernetes labels shared by everything the stack creates. */
export function baseLabels(config: StackConfig, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/part-of": "agent-dr",
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/component": component,
    "agent-dr/environment": config.environment,
  };
}
