export * from "./types";
export * from "./derive";
export * from "./patroni";
export * from "./cron";
export * from "./llm";
