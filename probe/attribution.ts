import type { ChaosFault, ProbeConfig } from "../contract/probe";
import { CHAOS_FAULTS, latestFaultStart } from "../contract/probe";

export const UNPLANNED = "unplanned";

export interface Attribution {
  scenario: string;
  fault?: ChaosFault;
}

/**
 * The scheduled fault whose window [fire time, fire time + duration] contains `at`, among those
 * that inject into `store`: its scenario, or "unplanned" when none does. When windows overlap the
 * latest fire time wins (the most recent fault is the likelier cause).
 */
export function attributeOutage(at: Date, store: string, faults: ProbeConfig["faults"]): Attribution {
  let best: { fireMs: number; fault: ChaosFault } | undefined;
  for (const f of faults) {
    if (CHAOS_FAULTS[f.fault].store !== store) continue;
    const fireMs = latestFaultStart(f.schedule, at).getTime();
    if (at.getTime() - fireMs > f.durationSeconds * 1000) continue;
    if (!best || fireMs > best.fireMs) best = { fireMs, fault: f.fault };
  }
  return best ? { scenario: CHAOS_FAULTS[best.fault].scenario, fault: best.fault } : { scenario: UNPLANNED };
}
