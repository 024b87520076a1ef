import { CONFIG_HEADER } from "../../contract/llm-gateway";
import type { PortkeyConfig } from "../../components/llm-gateway/render/portkey-config";
import type { WriteAttempt } from "../types";

/** One chat request through the gateway, as the agent API would send it. */
export interface ChatAttempt extends WriteAttempt {
  /** Who answered: a stand-in's name, "degraded", or "" when the client saw a failure. */
  servedBy: string;
  status: number;
  handoffId?: string;
  handoff?: string;
}

/**
 * Client load on the gateway: `workers` loops, each sending one request after the other (a user
 * waits for an answer before asking again). A request is a client-visible failure when it does not
 * come back 200 with an answer, within the client's own patience.
 */
export class ChatLoad {
  readonly attempts: ChatAttempt[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private nextId = 0;

  constructor(
    private readonly gatewayUrl: string,
    private readonly config: PortkeyConfig,
    private readonly epoch: number,
    private readonly workers = 4,
    private readonly clientTimeoutMs = 120_000,
  ) {}

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.workers }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    while (this.running) await this.once();
  }

  private async once(): Promise<void> {
    const id = this.nextId++;
    const startMs = Date.now() - this.epoch;
    const a: ChatAttempt = { id, startMs, endMs: startMs, ok: false, target: "", servedBy: "", status: 0 };
    try {
      const res = await fetch(`${this.gatewayUrl}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", [CONFIG_HEADER]: JSON.stringify(this.config) },
        body: JSON.stringify({ model: "agent-default", messages: [{ role: "user", content: `drill request ${id}` }] }),
        signal: AbortSignal.timeout(this.clientTimeoutMs),
      });
      a.status = res.status;
      const text = await res.text();
      if (res.status === 200) {
        const body = JSON.parse(text);
        const content: string = body.choices?.[0]?.message?.content ?? "";
        if (body.agent_dr?.degraded === true) {
          a.servedBy = "degraded";
          a.handoffId = body.agent_dr.handoff_id;
          a.handoff = body.agent_dr.handoff;
        } else {
          a.servedBy = /^answer from (\S+)$/.exec(content)?.[1] ?? "";
        }
        a.ok = a.servedBy !== "";
        if (!a.ok) a.error = `200 without an answer: ${text.slice(0, 200)}`;
      } else {
        a.error = `HTTP ${res.status}: ${text.slice(0, 200)}`;
      }
    } catch (e) {
      a.error = (e as Error).message;
    }
    a.endMs = Date.now() - this.epoch;
    a.target = a.servedBy || "failed";
    this.attempts.push(a);
  }
}
