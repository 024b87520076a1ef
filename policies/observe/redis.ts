import type { RedisSettings } from "../../dr/settings";
import type { StackConfig } from "../../dr/targets";
import type { ObservedResource } from "./resource";

/** Redis settings from the rendered redis.conf / sentinel.conf. Absent when no Redis tier is deployed. */
export function observeRedis(resources: ObservedResource[], _config: StackConfig): RedisSettings | undefined {
  const conf = resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.inputs.metadata?.labels?.["agent-dr/config"] === "redis");
  if (!conf) return undefined;
  throw new Error("observeRedis: reading redis.conf is implemented with the Redis tier");
}
