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
