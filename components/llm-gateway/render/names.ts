/** Names, ports and labels of the LLM gateway tier's objects. */

export const GATEWAY_PORT = 8787;
export const DEGRADED_PORT = 8790;

/** The header Portkey reads its routing config from; the route Secret holds its value under this key. */
export const CONFIG_HEADER = "x-portkey-config";

/** On the route Secret: the providers' names in chain order, so messages name them as the config does. */
export const PROVIDER_NAMES_ANNOTATION = "agent-dr/llm-providers";

/** A pod of the agent API that may call the gateway carries this label (same namespace as the gateway). */
export const LLM_CLIENT_LABEL = { key: "agent-dr/llm-client", value: "true" } as const;

export interface LlmGatewayNames {
  deployment: string;
  service: string;
  /** Secret with the routing header (API keys inside) the agent API sends with every request. */
  route: string;
  /** Secret with the hand-off webhook URL (it may carry a token). */
  handoff: string;
  /** ConfigMap with the degraded responder script and message. */
  degraded: string;
  pdb: string;
}

export function llmGatewayNames(prefix = "llm-gateway"): LlmGatewayNames {
  return { deployment: prefix, service: prefix, route: `${prefix}-route`, handoff: `${prefix}-handoff`, degraded: `${prefix}-degraded`, pdb: prefix };
}

export function gatewayPodLabels(prefix = "llm-gateway"): Record<string, string> {
  return { "app.kubernetes.io/name": prefix, "app.kubernetes.io/component": "llm-gateway" };
}
