import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import type { LlmGatewaySettings } from "../../dr/settings/types";
import { DataClass, LlmConfig, serializeTargets, TARGETS_ANNOTATION } from "../../dr/targets";
import { NETWORK_DEFAULTS, NetworkSettings } from "../../dr/targets/network";
import { declareNetworkPolicy } from "../network";
import type { RegionCluster } from "../../contract/region-cluster";
import { llmOutageRtoSeconds } from "../../dr/settings/llm";
import { CONFIG_HEADER, DEGRADED_PORT, gatewayPodLabels, GATEWAY_PORT, llmGatewayNames, PROVIDER_NAMES_ANNOTATION } from "./render/names";
import { gatewayNetworkPolicies } from "./render/network";
import { renderPortkeyConfig } from "./render/portkey-config";
import { gatewayDeploymentSpec, gatewayPodMonitor, gatewayServiceSpec } from "./render/workloads";
import { degradedResponderScript, gatewayMeterScript, outageTestScript } from "./scripts";
import { LLM_OUTAGE_TEST, outageTestCronJobSpec } from "./render/outage-test";

export interface LlmGatewayArgs {
  /** The region's cluster (provider and namespace) from AgentPlatform. */
  cluster: RegionCluster;
  /** The chain as derived from the targets (dr/settings deriveLlm). */
  settings: LlmGatewaySettings;
  /** agent-dr:llm: the API keys, the degraded message and webhook, the egress CIDRs. */
  llm: LlmConfig;
  /** The classes the gateway serves (agent_responses): their targets go into the recovery-targets annotation. */
  dataClasses: DataClass[];
  network?: NetworkSettings;
  labels: Record<string, string>;
  /** Object name prefix; default llm-gateway. */
  prefix?: string;
  /** Run the monthly LLM outage test here (the DR test schedule: staging by default). */
  outageTest?: boolean;
  /** The cluster runs the Prometheus operator: the meter is scraped through a PodMonitor instead of prometheus.io annotations. */
  prometheusOperator?: boolean;
}

/** Label of the gateway's objects naming the region they serve (the policy pack counts regions by it). */
export const LLM_REGION_LABEL = "agent-dr/region";

/**
 * The LLM gateway of one region: the Portkey AI gateway behind its meter (the reverse proxy that
 * counts what Portkey's answers say: docs/LLM-GATEWAY.md, Signals), the degraded responder beside
 * them, a Service for the agent API (to the meter), the routing Secret the agent API sends as Portkey's config header
 * (the fallback chain, API keys inside), the hand-off webhook Secret, a disruption budget and the
 * NetworkPolicies. Everything is rendered by ./render; the drill runs the same chain and script.
 */
export class LlmGateway extends pulumi.ComponentResource {
  /** In-cluster URL of the gateway (OpenAI-compatible: <url>/v1/chat/completions). */
  readonly url: pulumi.Output<string>;
  /** Secret holding the `x-portkey-config` header value the agent API sends with every request. */
  readonly routeSecretName: pulumi.Output<string>;

  constructor(name: string, args: LlmGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agent-dr:llm-gateway:LlmGateway", name, {}, opts);
    const provider = args.cluster.provider;
    const child = { parent: this, provider };
    const prefix = args.prefix ?? "llm-gateway";
    const names = llmGatewayNames(prefix);
    const ns = args.cluster.namespace;
    const labels = { ...args.labels, [LLM_REGION_LABEL]: args.cluster.region };
    const meta = (objName: string, extra: Record<string, string> = {}) => ns.apply((namespace) => ({ name: objName, namespace, labels: { ...labels, ...extra } }));

    // The chain with its keys exists only inside a Pulumi secret and the Kubernetes Secret.
    const keys = Object.fromEntries(args.llm.providers.map((p) => [p.name, p.apiKey]));
    const header = pulumi.secret(JSON.stringify(renderPortkeyConfig(args.settings, keys, `http://localhost:${DEGRADED_PORT}/v1`)));
    const route = new k8s.core.v1.Secret(
      `${name}-route`,
      {
        metadata: ns.apply((namespace) => ({ name: names.route, namespace, labels, annotations: { [PROVIDER_NAMES_ANNOTATION]: args.settings.providers.map((p) => p.name).join(",") } })),
        type: "Opaque",
        stringData: { [CONFIG_HEADER]: header },
      },
      child,
    );

    const meterScript = gatewayMeterScript();
    const meter = new k8s.core.v1.ConfigMap(`${name}-meter`, { metadata: meta(names.meter), data: { "gateway-meter.mjs": meterScript } }, child);
    const dependsOn: pulumi.Resource[] = [route, meter];
    const hash = createHash("sha256").update(meterScript);
    if (args.settings.degradedResponse && args.llm.degraded) {
      const handoff = new k8s.core.v1.Secret(`${name}-handoff`, { metadata: meta(names.handoff), type: "Opaque", stringData: { url: pulumi.secret(args.llm.degraded.handoffWebhook) } }, child);
      const script = degradedResponderScript();
      hash.update(script).update(args.llm.degraded.message);
      const degraded = new k8s.core.v1.ConfigMap(`${name}-degraded`, { metadata: meta(names.degraded), data: { "degraded-responder.mjs": script } }, child);
      dependsOn.push(handoff, degraded);
    }
    const checksum = hash.digest("hex");
    const rto = llmOutageRtoSeconds(args.dataClasses);

    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: ns.apply((namespace) => ({ name: names.deployment, namespace, labels, annotations: { [TARGETS_ANNOTATION]: serializeTargets(args.dataClasses) } })),
        spec: gatewayDeploymentSpec({
          settings: args.settings,
          names,
          prefix,
          configChecksum: checksum,
          prometheusOperator: args.prometheusOperator ?? false,
          ...(Number.isFinite(rto) ? { rtoSeconds: rto } : {}),
          ...(args.llm.degraded ? { degradedMessage: args.llm.degraded.message } : {}),
        }),
      },
      { ...child, dependsOn },
    );
    const service = new k8s.core.v1.Service(`${name}-service`, { metadata: meta(names.service), spec: gatewayServiceSpec(prefix) }, child);
    if (args.prometheusOperator) {
      const pm = ns.apply((namespace) => gatewayPodMonitor(prefix, namespace, labels));
      new k8s.apiextensions.CustomResource(`${name}-podmonitor`, { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: pm.metadata, spec: pm.spec }, child);
    }
    // Drains take one gateway at a time; with two replicas spread over zones one always serves.
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta(names.pdb), spec: { maxUnavailable: 1, selector: { matchLabels: gatewayPodLabels(prefix) } } }, child);
    for (const p of gatewayNetworkPolicies(prefix, args.llm.egressCidrs, args.network ?? NETWORK_DEFAULTS, labels)) {
      declareNetworkPolicy(name, ns, p, child);
    }

    this.url = pulumi.all([ns, service.metadata.name]).apply(([namespace, svc]) => `http://${svc}.${namespace}.svc:${GATEWAY_PORT}`);

    // The test needs the degraded step to check it; without it the chain policy already fails the stack.
    if (args.outageTest && args.settings.degradedResponse) {
      const script = new k8s.core.v1.ConfigMap(`${name}-outage-test-script`, { metadata: meta(`${prefix}-outage-test`), data: { "llm-outage-test.mjs": outageTestScript() } }, child);
      new k8s.batch.v1.CronJob(
        `${name}-outage-test`,
        {
          metadata: meta(`${prefix}-outage-test`, { "agent-dr/dr-schedule": LLM_OUTAGE_TEST.name }),
          spec: this.url.apply((gatewayUrl) => outageTestCronJobSpec({ settings: args.settings, gatewayUrl, routeSecret: names.route, scriptConfigMap: `${prefix}-outage-test` })),
        },
        { ...child, dependsOn: [script, route] },
      );
    }
    this.routeSecretName = route.metadata.name;
    this.registerOutputs({ url: this.url, routeSecretName: this.routeSecretName });
  }
}
