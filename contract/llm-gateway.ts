/**
 * What the LLM gateway tier shares with the policy pack, the model and the drills: its ports, the
 * header and Secret key its routing config travels in, the annotation and label the pack reads,
 * the image repository, and the shape of Portkey's routing config.
 */

/** The gateway Service's port, and the gateway meter's in the pod: clients reach Portkey through the meter. */
export const GATEWAY_PORT = 8787;
/** Portkey's own port in the pod: only the meter calls it, on localhost (no NetworkPolicy admits it). */
export const PORTKEY_PORT = 8789;
export const DEGRADED_PORT = 8790;
/** The gateway meter's /metrics (its own counters and the degraded responder's) and /healthz. */
export const METER_METRICS_PORT = 8791;

/**
 * The gateway meter's metrics (components/llm-gateway/scripts/gateway-meter.mjs writes them, the
 * alert rules read them). Labels: `target` is the chain target that answered, by our name (a
 * provider's, or DEGRADED_LABEL), or GATEWAY_LABEL when none did; `provider` likewise per target tried.
 */
export const LLM_METER_METRICS = {
  requests: "agent_dr_llm_requests_total",
  providerAttempts: "agent_dr_llm_provider_attempts_total",
  providerFailures: "agent_dr_llm_provider_failures_total",
  fallbacks: "agent_dr_llm_fallbacks_total",
  answerRetries: "agent_dr_llm_answer_retries_total",
  duration: "agent_dr_llm_request_duration_seconds",
} as const;
/** The meter's label for the degraded responder (the chain's last target). */
export const DEGRADED_LABEL = "degraded";
/** The meter's label for answers no target produced (Portkey's own errors, Portkey unreachable). */
export const GATEWAY_LABEL = "gateway";
/** The meter's label for a target index beyond the chain it was told (a client sending a longer chain). */
export const UNKNOWN_LABEL = "unknown";

/** The header Portkey reads its routing config from; the route Secret holds its value under this key. */
export const CONFIG_HEADER = "x-portkey-config";

/** On the route Secret: the providers' names in chain order, so messages name them as the config does. */
export const PROVIDER_NAMES_ANNOTATION = "agent-dr/llm-providers";

/** A pod of the agent API that may call the gateway carries this label (same namespace as the gateway). */
export const LLM_CLIENT_LABEL = { key: "agent-dr/llm-client", value: "true" } as const;

/** The gateway image's repository (the tag is pinned where the Deployment is rendered). */
export const GATEWAY_IMAGE_REPOSITORY = "docker.io/portkeyai/gateway";

/** One target of Portkey's config (the fields we use; Portkey's names). */
export interface PortkeyTarget {
  provider: string;
  api_key: string;
  custom_host: string;
  override_params: { model: string };
  request_timeout: number;
  retry: { attempts: number; on_status_codes?: number[] };
}

/** Portkey's routing config: the `x-portkey-config` header's value. */
export interface PortkeyConfig {
  strategy: { mode: "fallback"; on_status_codes: number[] };
  targets: PortkeyTarget[];
}

/** The degraded responder's model name and key: it checks neither, they only satisfy Portkey's target shape. */
export const DEGRADED_TARGET = { provider: "openai", model: "agent-dr-degraded", apiKey: "agent-dr-degraded" } as const;

