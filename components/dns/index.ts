export { FailoverDns } from "./failover-dns";
export type { FailoverDnsArgs } from "./failover-dns";
export { planFailoverDns, WRITER_HEALTH_METRIC, DEFAULT_HEALTH_PATH, DEFAULT_HTTPS_PORT } from "./plan";
export type { DnsPlan, RecordPlan, HttpsCheckPlan, AlarmCheckPlan } from "./plan";
