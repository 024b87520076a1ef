/** Names, ports and labels of the LLM gateway tier's objects. */

export { CONFIG_HEADER, DEGRADED_PORT, GATEWAY_PORT, LLM_CLIENT_LABEL, METER_METRICS_PORT, PORTKEY_PORT, PROVIDER_NAMES_ANNOTATION } from "../../../contract/llm-gateway";
import { LLM_CLIENT_LABEL } from "../../../contract/llm-gateway";

export interface LlmGatewayNames {
  deployment: string;
  service: string;
  /** Secret with the routing header (API keys inside) the agent API sends with every request. */
  route: string;
  /** Secret with the hand-off webhook URL (it may carry a token). */
  handoff: string;
  /** ConfigMap with the degraded responder script and message. */
  degraded: string;
  /** ConfigMap with the gateway meter script. */
  meter: string;
  pdb: string;
}

export function llmGatewayNames(prefix = "llm-gateway"): LlmGatewayNames {
  return { deployment: prefix, service: prefix, route: `${prefix}-route`, handoff: `${prefix}-handoff`, degraded: `${prefix}-degraded`, meter: `${prefix}-meter`, pdb: prefix };
}

export function gatewayPodLabels(prefix = "llm-gateway"): Record<string, string> {
  return { "app.kubernetes.io/name": prefix, "app.kubernetes.io/component": "llm-gateway" };
}
