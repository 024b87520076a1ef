export * from "./llm-gateway";
export * from "./render/names";
export * from "./render/portkey-config";
export * from "./render/workloads";
export * from "./render/meter";
export * from "./render/network";
export * from "./render/outage-test";
