import type { NetworkSettings } from "../../../dr/targets/network";
import { cidrs, podsInNamespaces, podsLabelled, RenderedNetworkPolicy, tcp } from "../../network/render";
import { GATEWAY_PORT, gatewayPodLabels, LLM_CLIENT_LABEL, METER_METRICS_PORT } from "./names";

/**
 * Ingress: the agent API's labelled pods (same namespace) on the gateway port (the meter's, which
 * passes them to Portkey on localhost), the monitoring namespace's Prometheus on the meter's
 * metrics port (the degraded responder's metrics are served there too); Portkey's own port and
 * the responder's admit no one from outside the pod. Egress: the providers and the human
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
          { from: [podsInNamespaces([network.monitoringNamespace], network.monitoringPodLabels)], ports: tcp(METER_METRICS_PORT) },
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
