import { parseTargets, TARGETS_ANNOTATION } from "../../dr/targets";
import type { DataClass } from "../../dr/targets";
import type { ObservedResource } from "../observe";
import { annotations } from "./resources";

/** The data classes a resource serves, from its targets annotation; [] when it carries none. */
export function classesOn(r: ObservedResource): DataClass[] {
  const json = annotations(r)[TARGETS_ANNOTATION];
  if (json === undefined) return [];
  try {
    return parseTargets(json);
  } catch (e) {
    throw new Error(`${r.name}: annotation ${TARGETS_ANNOTATION} is not valid targets JSON (${(e as Error).message})`);
  }
}

/** Every class any resource declares, first declaration wins, with the resource that declares it. */
export function declaredClasses(resources: ObservedResource[]): Array<{ dataClass: DataClass; declaredBy: ObservedResource }> {
  const seen = new Map<string, { dataClass: DataClass; declaredBy: ObservedResource }>();
  for (const r of resources) {
    for (const c of classesOn(r)) if (!seen.has(c.name)) seen.set(c.name, { dataClass: c, declaredBy: r });
  }
  return [...seen.values()];
}

/** The smallest finite value of a target field over classes and scenarios; Infinity when none. */
export function tightestTarget(classes: DataClass[], scenarios: readonly string[], field: "rpoSeconds" | "rtoSeconds"): { seconds: number; dataClass?: string; scenario?: string } {
  let best: { seconds: number; dataClass?: string; scenario?: string } = { seconds: Infinity };
  for (const c of classes) {
    for (const s of scenarios) {
      const t = (c.targets as Record<string, { rpoSeconds: number; rtoSeconds: number }>)[s];
      if (t && t[field] < best.seconds) best = { seconds: t[field], dataClass: c.name, scenario: s };
    }
  }
  return best;
}
