/** The disasters the budget is computed for (DESIGN section 2). */
/**
 * credential-compromise: an attacker (or a mistaken admin) holds one workload's credentials, or
 * administers the workload account, and destroys what it can; the recovery point that survives is
 * the newest one that principal can neither delete, overwrite nor make unreadable.
 */
export const SCENARIOS = ["instance-loss", "zone-loss", "region-loss", "logical-corruption", "credential-compromise"] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Where a data class lives. */
export const STORES = ["postgres", "redis"] as const;
export type Store = (typeof STORES)[number];

/** A recovery target in seconds; Infinity means the class accepts total loss / no recovery in that scenario. */
export interface Target {
  rpoSeconds: number;
  rtoSeconds: number;
}
