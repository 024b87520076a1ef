import { CONFIG_HEADER, GATEWAY_IMAGE_REPOSITORY, PROVIDER_NAMES_ANNOTATION, type PortkeyConfig } from "../../contract/llm-gateway";
import { settingsFromPortkeyConfig } from "../../dr/settings/portkey-readback";
import type { LlmGatewaySettings } from "../../dr/settings";
import { annotations, labels, num, TYPES } from "../lib/resources";
import { known } from "../lib/unknown";
import type { ObservedResource } from "./resource";

/** The gateway Deployments: a container runs the Portkey image (whatever the Deployment is called). */
export function gatewayDeployments(resources: ObservedResource[]): ObservedResource[] {
  return resources.filter((r) => r.type === TYPES.deployment && (r.inputs.spec?.template?.spec?.containers ?? []).some((c: any) => typeof c.image === "string" && c.image.split(":")[0] === GATEWAY_IMAGE_REPOSITORY));
}

/** The route Secrets: they hold the header the agent API sends, i.e. the chain Portkey runs. */
export function routeSecrets(resources: ObservedResource[]): ObservedResource[] {
  return resources.filter((r) => r.type === TYPES.secret && known(() => r.inputs.stringData?.[CONFIG_HEADER]) !== undefined);
}

/** The chain one route Secret holds, or undefined when it is not readable JSON (unknown in a preview, or hand-broken). */
export function chainOf(secret: ObservedResource): PortkeyConfig | undefined {
  const text = known(() => secret.inputs.stringData?.[CONFIG_HEADER]);
  if (typeof text !== "string") return undefined;
  try {
    return JSON.parse(text) as PortkeyConfig;
  } catch {
    return undefined;
  }
}

/**
 * The LLM gateway's settings as the resources hold them: the chain from the route Secret (the
 * slowest of the regions' chains, so a hand edit in one region shows), replicas the fewest any
 * region's Deployment runs, regions those with a gateway. Absent when no gateway is deployed.
 */
export function observeLlm(resources: ObservedResource[]): LlmGatewaySettings | undefined {
  const deployments = gatewayDeployments(resources);
  const secrets = routeSecrets(resources);
  if (deployments.length === 0 || secrets.length === 0) return undefined;
  const regions = [...new Set(deployments.map((d) => labels(d)["agent-dr/region"]).filter((r): r is string => typeof r === "string"))];
  const replicas = Math.min(...deployments.map((d) => num(d.inputs.spec?.replicas ?? 1)));
  const observed = secrets.flatMap((secret) => {
    const chain = chainOf(secret);
    if (!chain || !Array.isArray(chain.targets)) return [];
    const s = settingsFromPortkeyConfig(chain, regions, replicas);
    // Our names for the providers, in chain order (the header itself knows only hosts).
    const names = (annotations(secret)[PROVIDER_NAMES_ANNOTATION] ?? "").split(",").filter(Boolean);
    return [{ ...s, providers: s.providers.map((p, i) => ({ ...p, name: names[i] ?? p.name })) }];
  });
  if (observed.length === 0) return undefined;
  const worst = (s: LlmGatewaySettings) => s.providers.length * ((s.retries + 1) * s.requestTimeoutSeconds) + (s.degradedResponse ? 0 : Infinity);
  return observed.reduce((a, b) => (worst(b) > worst(a) || b.failoverStatusCodes.length < a.failoverStatusCodes.length ? b : a));
}
