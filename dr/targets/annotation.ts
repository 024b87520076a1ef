import type { DataClass } from "./config";
import { SCENARIOS, Scenario, Store, Target } from "./scenarios";

/**
 * Tier resources carry the targets of the classes they serve in this annotation, so a policy
 * (which sees resources, not stack config) can run the budget against them.
 */
export const TARGETS_ANNOTATION = "agent-dr/recovery-targets";

interface SerializedClass {
  name: string;
  store: Store;
  database?: string;
  /** null = unbounded (JSON has no Infinity). */
  targets: Record<Scenario, { rpoSeconds: number | null; rtoSeconds: number | null }>;
}

export function serializeTargets(classes: DataClass[]): string {
  const out: SerializedClass[] = classes.map((c) => ({
    name: c.name,
    store: c.store,
    ...(c.database ? { database: c.database } : {}),
    targets: Object.fromEntries(
      SCENARIOS.map((s) => [s, { rpoSeconds: finite(c.targets[s].rpoSeconds), rtoSeconds: finite(c.targets[s].rtoSeconds) }]),
    ) as SerializedClass["targets"],
  }));
  return JSON.stringify(out);
}

export function parseTargets(json: string): DataClass[] {
  const parsed = JSON.parse(json) as SerializedClass[];
  return parsed.map((c) => ({
    name: c.name,
    store: c.store,
    ...(c.database ? { database: c.database } : {}),
    description: c.name,
    notes: {},
    targets: Object.fromEntries(
      SCENARIOS.map((s) => [s, { rpoSeconds: c.targets[s].rpoSeconds ?? Infinity, rtoSeconds: c.targets[s].rtoSeconds ?? Infinity } as Target]),
    ) as Record<Scenario, Target>,
  }));
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}
