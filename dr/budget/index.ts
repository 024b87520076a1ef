export * from "./types";
export * from "./budget";
export { archiveLossSeconds, archiveRpo, restoreSeconds } from "./archive";
export { patroniNodeLossRto, standbyPromotion } from "./postgres";
export { route53Failover, dnsSwitch, regionDecision } from "./region";
export { chainWorstSeconds, llmSwitchSeconds, maxRequestTimeoutFor, requestLatencyBudget } from "./llm";
