import * as path from "node:path";
import { renderPortkeyConfig, type PortkeyConfig } from "../../components/llm-gateway/render/portkey-config";
import { gatewayEnv, degradedResponderEnv } from "../../components/llm-gateway/render/workloads";
import { gatewayMeterEnv } from "../../components/llm-gateway/render/meter";
import { DEGRADED_RESPONDER_FILE, GATEWAY_METER_FILE } from "../../components/llm-gateway/scripts";
import type { LlmGatewaySettings } from "../../dr/settings/types";
import { portOpen, waitFor } from "../../testbed/runtime/procfs";
import type { Supervisor } from "../../testbed/runtime/supervisor";

/** Loopback ports of the LLM drill: 25100-25109 by default, another base for a test beside a drill run. */
export interface LlmDrillPorts {
  /** Where clients reach the gateway: the meter's, as in the pod. */
  gateway: number;
  providers: number[];
  /** The meter's /metrics. */
  meterMetrics: number;
  /** Portkey's own, which only the meter calls. */
  portkey: number;
  degraded: number;
  webhook: number;
  /** Nothing listens here: the monthly test's "black hole" (a refused connection). */
  closed: number;
}

export const LLM_PORT_BASE_ENV = "AGENT_DR_LLM_PORT_BASE";

export function llmDrillPorts(base = Number(process.env[LLM_PORT_BASE_ENV] || 25100), providers = 2): LlmDrillPorts {
  if (!Number.isInteger(base) || base < 25000 || base + 10 > 25199) throw new Error(`LLM drill port base ${base}: expected a whole number from 25000 to 25189`);
  if (providers > 4) throw new Error(`LLM drill: ${providers} providers; the port range has room for 4 stand-ins`);
  return { gateway: base, providers: Array.from({ length: providers }, (_, i) => base + 1 + i), closed: base + 5, meterMetrics: base + 6, portkey: base + 7, degraded: base + 8, webhook: base + 9 };
}

/** The gateway's entry point in the pinned npm package: the same build the image runs (/app/build/start-server.js). */
export function portkeyEntry(): string {
  return path.join(path.dirname(require.resolve("@portkey-ai/gateway/package.json")), "build", "start-server.js");
}

/**
 * The gateway pod as it runs in the cluster, on loopback: the gateway meter in front of the real
 * Portkey gateway, and the degraded responder, both scripts as shipped, with the environment the
 * Deployment renders (ports and host moved to the drill's). The chain is the stack's (timeouts,
 * retries, statuses), its providers pointed at the stand-ins.
 */
export class LocalGateway {
  readonly config: PortkeyConfig;

  constructor(
    private readonly sup: Supervisor,
    readonly settings: LlmGatewaySettings,
    readonly ports: LlmDrillPorts,
    private readonly degraded: { message: string; webhookUrl: string },
    /** The RTO the meter's latency histogram has a bound at (as the Deployment renders it). */
    private readonly rtoSeconds?: number,
  ) {
    const keys = Object.fromEntries(settings.providers.map((p) => [p.name, `drill-key-${p.name}`]));
    this.config = renderPortkeyConfig(settings, keys, `http://localhost:${ports.degraded}/v1`);
  }

  /** The gateway as clients reach it: through the meter. */
  get url(): string {
    return `http://127.0.0.1:${this.ports.gateway}`;
  }

  get meterMetricsUrl(): string {
    return `http://127.0.0.1:${this.ports.meterMetrics}/metrics`;
  }

  /** The meter's /metrics as Prometheus would scrape it. */
  async scrapeMeter(): Promise<string> {
    const res = await fetch(this.meterMetricsUrl, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`the gateway meter's /metrics answered ${res.status}`);
    return res.text();
  }

  async start(): Promise<void> {
    if (this.settings.degradedResponse) {
      const env = Object.fromEntries(degradedResponderEnv(this.ports.degraded, this.degraded.message).map((e) => [e.name, e.value as string]));
      await this.sup.start("llm-degraded-responder", process.execPath, [DEGRADED_RESPONDER_FILE], { env: { ...env, HOST: "127.0.0.1", HANDOFF_WEBHOOK: this.degraded.webhookUrl } });
      await waitFor("the degraded responder to listen", 15000, () => portOpen(this.ports.degraded));
    }
    const env = Object.fromEntries(gatewayEnv().map((e) => [e.name, e.value as string]));
    await this.sup.start("portkey-gateway", process.execPath, [portkeyEntry(), `--port=${this.ports.portkey}`, "--headless"], { env });
    await waitFor("the Portkey gateway to listen", 30000, () => portOpen(this.ports.portkey));
    const p = this.ports;
    const meterEnv = gatewayMeterEnv(this.settings, { listen: p.gateway, portkey: p.portkey, metrics: p.meterMetrics, degraded: p.degraded }, this.rtoSeconds, "127.0.0.1");
    await this.sup.start("llm-gateway-meter", process.execPath, [GATEWAY_METER_FILE], { env: Object.fromEntries(meterEnv.map((e) => [e.name, e.value])) });
    await waitFor("the gateway meter to listen", 15000, async () => (await portOpen(p.gateway)) && (await portOpen(p.meterMetrics)));
  }

  async stop(): Promise<void> {
    for (const name of ["llm-gateway-meter", "portkey-gateway", "llm-degraded-responder"]) if (this.sup.has(name)) await this.sup.stop(name, 5000);
  }
}
