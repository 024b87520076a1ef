import type { Scenario, Target } from "../targets";

/** One mechanism's worst-case contribution: seconds and a sentence a user can act on. */
export interface Bound {
  seconds: number;
  /** What bounds it, with the numbers, e.g. "WAL archive: archive_timeout 55 s + upload 5 s". */
  mechanism: string;
  /** What to change when this bound misses its target. */
  fix?: string;
  /** Set instead of `fix` when no setting of this design reaches the target (dr/budget/floors.ts). */
  unreachable?: string;
}

export interface BudgetRow {
  dataClass: string;
  store: string;
  scenario: Scenario;
  target: Target;
  predicted: Target;
  ok: boolean;
  /** The mechanism that misses the target, or when all is well the one closest to it. */
  limitedBy: string;
  rpo: Bound;
  rto: Bound;
  /** Why the target for this scenario differs from the headline, if it does. */
  note?: string;
}

export interface BudgetResult {
  rows: BudgetRow[];
  /** Costs the settings impose, stated rather than hidden (sync round trips, forced WAL segments). */
  costs: string[];
}
