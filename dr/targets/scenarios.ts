/** The disasters the budget is computed for (DESIGN section 2). */
/**
 * credential-compromise: an attacker (or a mistaken admin) holds one workload's credentials, or
 * administers the workload account, and destroys what it can; the recovery point that survives is
 * the newest one that principal can neither delete, overwrite nor make unreadable.
 */
/**
 * llm-provider-outage: the primary model provider fails (5xx, 429, a hang, a refused connection);
 * the LLM gateway's fallback chain must keep answering (class agent_responses).
 */
export const SCENARIOS = ["instance-loss", "zone-loss", "region-loss", "logical-corruption", "credential-compromise", "llm-provider-outage"] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Where a data class lives; "llm-gateway" holds no data: its class is the answers the agents get. */
export const STORES = ["postgres", "redis", "llm-gateway"] as const;
export type Store = (typeof STORES)[number];

/**
 * The scenarios that concern a store. A provider outage touches no stored data, and the data
 * scenarios (a lost region, corruption, stolen credentials) have nothing to recover in a stateless
 * gateway whose pods are spread over zones; the budget computes rows only for these pairs.
 */
export const STORE_SCENARIOS: Record<Store, readonly Scenario[]> = {
  postgres: ["instance-loss", "zone-loss", "region-loss", "logical-corruption", "credential-compromise"],
  redis: ["instance-loss", "zone-loss", "region-loss", "logical-corruption", "credential-compromise"],
  "llm-gateway": ["llm-provider-outage"],
};

export function scenarioApplies(store: Store, scenario: Scenario): boolean {
  return STORE_SCENARIOS[store].includes(scenario);
}

/** A recovery target in seconds; Infinity means the class accepts total loss / no recovery in that scenario. */
export interface Target {
  rpoSeconds: number;
  rtoSeconds: number;
}
