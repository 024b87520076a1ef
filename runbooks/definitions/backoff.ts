import type { Backoff } from "../engine";

/** Quick retries for probes and API calls. */
export const SHORT: Backoff = { initialMs: 1000, factor: 2, maxMs: 8000 };
/** Slower retries for operations that contend with an engine's own loop (Patroni, Sentinel). */
export const PATIENT: Backoff = { initialMs: 5000, factor: 2, maxMs: 30000 };
