import type { ObservedResource } from "../observe";
import { parsePlanning, Planning, PLANNING_ANNOTATION } from "../../dr/targets/planning";
import { annotations, environmentOf } from "./resources";

/**
 * What the budget needs that no setting holds (regions, data volume, on-call response, retention),
 * as the primary namespace of AgentPlatform carries it. Throws naming the annotation when no
 * resource carries it: without it the budget cannot be computed.
 */
export function planningFromResources(resources: ObservedResource[]): Planning {
  const planning = findPlanning(resources);
  if (!planning) {
    const env = environmentOf(resources);
    throw new Error(
      `no resource carries the ${PLANNING_ANNOTATION} annotation${env ? ` (environment ${env})` : ""}: the primary namespace of AgentPlatform writes it; without it the budget cannot be computed`,
    );
  }
  return planning;
}

/** The planning annotation when a resource carries it (a check that can do without it asks this). */
export function findPlanning(resources: ObservedResource[]): Planning | undefined {
  const carrier = resources.find((r) => annotations(r)[PLANNING_ANNOTATION] !== undefined);
  return carrier ? parsePlanning(annotations(carrier)[PLANNING_ANNOTATION]) : undefined;
}
