/**
 * The prod config the budget tests start from: two regions, the standby's peers, and the account
 * (from the OIDC provider) with break-glass in a separate account, so keys get their own policies.
 */
export const PROD_RAW = {
  regions: { primary: "us-east-1", dr: "us-west-2" },
  clusters: { primary: { context: "a" }, dr: { context: "b" } },
  endpoints: { api: { name: "api.example.com", zoneId: "Z1", primaryTarget: "a.example.com", drTarget: "b.example.com" } },
  postgres: { dataSizeGiB: 20, standby: { peerCidrs: ["10.20.0.0/16"] } },
  // Key policies need the account (from the OIDC provider); break-glass in a separate account keeps
  // the keys' 30-day deletion window out of the workload account's reach (credential-compromise).
  oidc: {
    providerArn: "arn:aws:iam::444455556666:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A",
    issuerUrl: "oidc.eks.us-east-1.amazonaws.com/id/A",
    drProviderArn: "arn:aws:iam::444455556666:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/B",
    drIssuerUrl: "oidc.eks.us-west-2.amazonaws.com/id/B",
  },
  backup: { administrators: ["arn:aws:iam::444455556666:role/deploy"], breakGlassPrincipals: ["arn:aws:iam::777788889999:role/break-glass"] },
  // Someone is paged (a pager's integration subscribes to the alarm topic), and a corruption is
  // reported within 15 minutes: without them the outage and corruption paths have no bound.
  signals: { onCallSubscriber: "the on-call pager" },
  failover: { corruptionNoticedMinutes: 15 },
};

/**
 * The Patroni settings both shipped stacks derive, as worked values (not recomputed): ttl 20 s is
 * Patroni's floor, loop_wait 5 s and retry_timeout 7 s keep loop_wait + 2 x retry_timeout <= ttl,
 * maximum_lag_on_failover is 40 MiB ((60 s tightest asynchronous RPO - 20 s ttl) x the planned 1 MiB/s of WAL),
 * synchronous mode with one standby for the RPO-0 class, failsafe on, and primary_start_timeout a
 * quarter of the tightest instance-loss RTO (5 min: 75 s).
 */
export const SHIPPED_PATRONI = {
  ttl: 20,
  loop_wait: 5,
  retry_timeout: 7,
  maximum_lag_on_failover: 41943040,
  synchronous_mode: true,
  synchronous_node_count: 1,
  failsafe_mode: true,
  primary_start_timeout: 75,
} as const;
