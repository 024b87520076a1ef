export * from "./types";
export * from "./budget";
export { archiveLossSeconds, archiveRpo } from "./archive";
export { route53Failover, dnsSwitch, regionDecision } from "./region";
