import type * as k8s from "@pulumi/kubernetes";
import type { RedisSettings } from "../../../dr/settings/types";
import { podLabels, RedisNames } from "../../../contract/redis";
import type { NamedSpec } from "./network";

type PodDisruptionBudgetSpec = k8s.types.input.policy.v1.PodDisruptionBudgetSpec;

/**
 * Voluntary disruptions (drains, upgrades) take one Redis node at a time, and never so many
 * Sentinels that the rest could not reach the quorum or elect a leader (a majority).
 */
export function disruptionBudgetSpecs(names: RedisNames, prefix: string, s: RedisSettings): Array<NamedSpec<PodDisruptionBudgetSpec>> {
  return [
    { name: names.redis, spec: { maxUnavailable: 1, selector: { matchLabels: podLabels(prefix, "redis") } } },
    {
      name: names.sentinel,
      spec: { minAvailable: Math.max(s.quorum, Math.floor(s.sentinels / 2) + 1), selector: { matchLabels: podLabels(prefix, "sentinel") } },
    },
  ];
}
