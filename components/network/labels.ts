/**
 * Pod labels the NetworkPolicies of several tiers select by. Kept here, apart from the tiers, so
 * the PostgreSQL tier can admit the controller's pods without importing the controller.
 */

/** The failover controller Deployment's pod label (components/controller/render.ts CONTROLLER_NAME; a test holds them equal). */
export const FAILOVER_CONTROLLER_POD = { "app.kubernetes.io/name": "agent-dr-failover-controller" } as const;

/** Every DR test CronJob's pods carry this key (value: the test's name). */
export const DR_TEST_LABEL = "agent-dr/dr-test";

/** A platform pod that may connect to the PostgreSQL pooler carries this label (in a client namespace). */
export const POSTGRES_CLIENT_LABEL = { key: "agent-dr/postgres-client", value: "true" } as const;

/** The Zalando operator chart's pod labels (release name postgres-operator: app.kubernetes.io/name and instance). */
export const OPERATOR_POD = { "app.kubernetes.io/name": "postgres-operator", "app.kubernetes.io/instance": "postgres-operator" } as const;
