import * as path from "node:path";
import { renderPortkeyConfig, type PortkeyConfig } from "../../components/llm-gateway/render/portkey-config";
import { gatewayEnv, degradedResponderEnv } from "../../components/llm-gateway/render/workloads";
import { DEGRADED_RESPONDER_FILE } from "../../components/llm-gateway/scripts";
import type { LlmGatewaySettings } from "../../dr/settings/types";
import { portOpen, waitFor } from "../../testbed/runtime/procfs";
import type { Supervisor } from "../../testbed/runtime/supervisor";

/** Loopback ports of the LLM drill: 25100-25104 by default, another base for a test beside a drill run. */
export interface LlmDrillPorts {
  gateway: number;
  providers: number[];
  degraded: number;
  webhook: number;
}

export const LLM_PORT_BASE_ENV = "AGENT_DR_LLM_PORT_BASE";

export function llmDrillPorts(base = Number(process.env[LLM_PORT_BASE_ENV] || 25100), providers = 2): LlmDrillPorts {
  if (!Number.isInteger(base) || base < 25000 || base + 10 > 25199) throw new Error(`LLM drill port base ${base}: expected a whole number from 25000 to 25189`);
  return { gateway: base, providers: Array.from({ length: providers }, (_, i) => base + 1 + i), degraded: base + 8, webhook: base + 9 };
}

/** The gateway's entry point in the pinned npm package: the same build the image runs (/app/build/start-server.js). */
export function portkeyEntry(): string {
  return path.join(path.dirname(require.resolve("@portkey-ai/gateway/package.json")), "build", "start-server.js");
}

/**
 * The gateway pod as it runs in the cluster, on loopback: the real Portkey gateway and the
 * degraded responder script as shipped, with the environment the Deployment renders. The chain
 * is the stack's (timeouts, retries, statuses), its providers pointed at the stand-ins.
 */
export class LocalGateway {
  readonly config: PortkeyConfig;

  constructor(
    private readonly sup: Supervisor,
    readonly settings: LlmGatewaySettings,
    readonly ports: LlmDrillPorts,
    private readonly degraded: { message: string; webhookUrl: string },
  ) {
    const keys = Object.fromEntries(settings.providers.map((p) => [p.name, `drill-key-${p.name}`]));
    this.config = renderPortkeyConfig(settings, keys, `http://localhost:${ports.degraded}/v1`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.ports.gateway}`;
  }

  async start(): Promise<void> {
    if (this.settings.degradedResponse) {
      const env = Object.fromEntries(degradedResponderEnv(this.ports.degraded, this.degraded.message).map((e) => [e.name, e.value as string]));
      await this.sup.start("llm-degraded-responder", process.execPath, [DEGRADED_RESPONDER_FILE], { env: { ...env, HOST: "127.0.0.1", HANDOFF_WEBHOOK: this.degraded.webhookUrl } });
      await waitFor("the degraded responder to listen", 15000, () => portOpen(this.ports.degraded));
    }
    const env = Object.fromEntries(gatewayEnv().map((e) => [e.name, e.value as string]));
    await this.sup.start("portkey-gateway", process.execPath, [portkeyEntry(), `--port=${this.ports.gateway}`, "--headless"], { env });
    await waitFor("the Portkey gateway to listen", 30000, () => portOpen(this.ports.gateway));
  }

  async stop(): Promise<void> {
    for (const name of ["portkey-gateway", "llm-degraded-responder"]) if (this.sup.has(name)) await this.sup.stop(name, 5000);
  }
}
