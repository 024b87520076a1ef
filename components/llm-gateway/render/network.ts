import type { NetworkSettings } from "../../../dr/targets/network";
import { cidrs, podsInNamespaces, podsLabelled, RenderedNetworkPolicy, tcp } from "../../network/render";
import { DEGRADED_PORT, GATEWAY_PORT, gatewayPodLabels, LLM_CLIENT_LABEL } from "./names";

/**
 * Ingress: the agent API's labelled pods (same namespace) on the gateway port, the monitoring
 * namespace's Prometheus on the degraded responder's metrics. Egress: the providers and the human
 * queue's webhook on 443 only (to `egressCidrs`: providers publish no fixed ranges, so by default
 * anywhere on 443 and nothing else); DNS comes from the namespace baseline. The clients' own
 * egress to the gateway is admitted by a second policy selecting them.
 */
export function gatewayNetworkPolicies(prefix: string, egressCidrs: string[], network: NetworkSettings, labels: Record<string, string>): RenderedNetworkPolicy[] {
  const gateway = gatewayPodLabels(prefix);
  const clients = { [LLM_CLIENT_LABEL.key]: LLM_CLIENT_LABEL.value };
  return [
    {
      metadata: { name: prefix, labels },
      spec: {
        podSelector: { matchLabels: gateway },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          { from: [podsLabelled(clients)], ports: tcp(GATEWAY_PORT) },
          { from: [podsInNamespaces([network.monitoringNamespace], network.monitoringPodLabels)], ports: tcp(DEGRADED_PORT) },
        ],
        egress: [{ to: cidrs(egressCidrs), ports: tcp(443) }],
      },
    },
    {
      metadata: { name: `${prefix}-clients`, labels },
      spec: { podSelector: { matchLabels: clients }, policyTypes: ["Egress"], egress: [{ to: [podsLabelled(gateway)], ports: tcp(GATEWAY_PORT) }] },
    },
  ];
}
