export * from "./scenarios";
export * from "./durations";
export * from "./errors";
export * from "./config";
export { DEFAULT_DATA_CLASSES } from "./defaults";
export type { PostgresOverrides, RedisOverrides, BackupOverrides, DnsOverrides, RawStackConfig } from "./schema";
export * from "./annotation";
