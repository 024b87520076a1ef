/**
 * What the LLM gateway tier shares with the policy pack, the model and the drills: its ports, the
 * header and Secret key its routing config travels in, the annotation and label the pack reads,
 * the image repository, and the shape of Portkey's routing config.
 */

export const GATEWAY_PORT = 8787;
export const DEGRADED_PORT = 8790;

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

