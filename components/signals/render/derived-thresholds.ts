import type { SignalAlert, StackConfig } from "../../../dr/targets";
import { isLooser } from "../../../contract/signals";

/**
 * An override of an alert's threshold next to what the targets derive for the same classes. The
 * rendered rule or alarm carries both, so the pack can refuse an override that pages later than the
 * targets allow for (the derivation is the program's; the comparison is the policy's).
 */

export { isLooser, LOOSER_WHEN_LOWER } from "../../../contract/signals";

export interface DerivedThreshold {
  /** The tightest value the targets derive for the override's classes, in the override's unit. */
  value: number;
  /** Why that value (the derived rule's own reason). */
  why: string;
}

/** The config without threshold overrides: what the targets alone derive. */
export function withoutSignalOverrides(config: StackConfig): StackConfig | undefined {
  const overrides = config.signals?.overrides ?? {};
  if (Object.keys(overrides).length === 0) return undefined;
  return { ...config, signals: { ...config.signals!, overrides: {} } };
}

interface Thresholded {
  alert: SignalAlert;
  dataClasses: string[];
  overridden: boolean;
  why: string;
  derived?: DerivedThreshold;
}

/**
 * Each overridden item gains the tightest derived value among the plain items of the same alert
 * that protect one of its classes. `valueOf` reads an item in the override's unit.
 */
export function attachDerived<T extends Thresholded>(items: T[], plain: T[], valueOf: (t: T) => number): T[] {
  return items.map((it) => {
    if (!it.overridden) return it;
    const same = plain.filter((p) => p.alert === it.alert && p.dataClasses.some((c) => it.dataClasses.includes(c)));
    if (same.length === 0) return it;
    const tightest = same.reduce((a, b) => (isLooser(it.alert, valueOf(a), valueOf(b)) ? b : a));
    return { ...it, derived: { value: valueOf(tightest), why: tightest.why } };
  });
}
