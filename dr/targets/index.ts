export * from "./scenarios";
export * from "./durations";
export * from "./errors";
export * from "./config";
export { DEFAULT_DATA_CLASSES } from "./defaults";
export type { PostgresOverrides, RedisOverrides, BackupOverrides, DnsOverrides, RawStackConfig, SignalAlert, SignalsConfig } from "./schema";
export { SIGNAL_ALERTS } from "./schema";
export * from "./annotation";
export * from "./planning";
