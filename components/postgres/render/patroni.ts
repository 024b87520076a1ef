import type { PostgresSettings } from "../../../dr/settings";
import { renderPostgresParameters } from "./parameters";

/** Patroni's dynamic configuration (the DCS `config` key) for these settings. */
export interface PatroniDynamicConfig {
  ttl: number;
  loop_wait: number;
  retry_timeout: number;
  maximum_lag_on_failover: number;
  synchronous_mode: boolean;
  synchronous_mode_strict: boolean;
  synchronous_node_count: number;
  failsafe_mode: boolean;
  primary_start_timeout: number;
  postgresql: { parameters: Record<string, string> };
}

/**
 * The dynamic config Patroni runs with. The drills feed this to Patroni on local servers and the
 * component feeds the same values to the operator (spec.patroni) and, for the key the CRD lacks
 * (primary_start_timeout), to Patroni's REST API from the configure Job. One function, so what is
 * drilled is what is deployed.
 */
export function renderPatroniDynamicConfig(settings: PostgresSettings, extraParameters: Record<string, string> = {}): PatroniDynamicConfig {
  return {
    ttl: settings.patroni.ttlSeconds,
    loop_wait: settings.patroni.loopWaitSeconds,
    retry_timeout: settings.patroni.retryTimeoutSeconds,
    maximum_lag_on_failover: settings.maximumLagOnFailoverBytes,
    synchronous_mode: settings.synchronousMode,
    synchronous_mode_strict: settings.synchronousModeStrict,
    synchronous_node_count: settings.synchronousNodeCount,
    failsafe_mode: settings.failsafeMode,
    primary_start_timeout: settings.primaryStartTimeoutSeconds,
    postgresql: { parameters: renderPostgresParameters(settings, extraParameters) },
  };
}

/** The subset of the dynamic config that the operator's `spec.patroni` accepts (postgres-operator v2.0.1). */
export function renderCrPatroni(settings: PostgresSettings): Record<string, number | boolean> {
  const d = renderPatroniDynamicConfig(settings);
  return {
    ttl: d.ttl,
    loop_wait: d.loop_wait,
    retry_timeout: d.retry_timeout,
    maximum_lag_on_failover: d.maximum_lag_on_failover,
    synchronous_mode: d.synchronous_mode,
    synchronous_mode_strict: d.synchronous_mode_strict,
    synchronous_node_count: d.synchronous_node_count,
    failsafe_mode: d.failsafe_mode,
  };
}

/** The keys the configure Job PATCHes into Patroni's /config because the CRD has no field for them. */
export function renderPatroniConfigPatch(settings: PostgresSettings): Record<string, number> {
  return { primary_start_timeout: settings.primaryStartTimeoutSeconds };
}
