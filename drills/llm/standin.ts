import * as http from "node:http";
import type { Socket } from "node:net";

/**
 * How a stand-in provider behaves: answers, 5xx, 429, a hang past any timeout, or refused
 * connections (the port closed).
 */
export type ProviderMode = "ok" | "5xx" | "429" | "hang" | "refused";

/**
 * An OpenAI-compatible model provider stand-in: the only double of the drill, because the real
 * providers are outside our reach. It answers POST .../chat/completions in the chat-completions
 * shape, naming itself in the answer so the client can tell who served it.
 */
export class ProviderStandIn {
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly hung = new Set<http.ServerResponse>();
  mode: ProviderMode = "ok";
  /** Requests that reached the stand-in, by the mode it was in. */
  readonly received: Record<ProviderMode, number> = { ok: 0, "5xx": 0, "429": 0, hang: 0, refused: 0 };

  constructor(
    readonly name: string,
    readonly port: number,
    /** A healthy provider's think time. */
    private readonly latencyMs = 20,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.server = server;
  }

  /** Switch behaviour; "refused" closes the port, leaving it reopens it. */
  async setMode(mode: ProviderMode): Promise<void> {
    const was = this.mode;
    this.mode = mode;
    if (was === "hang" && mode !== "hang") this.releaseHung();
    if (mode === "refused" && this.server) await this.close();
    if (was === "refused" && mode !== "refused" && !this.server) await this.start();
  }

  async stop(): Promise<void> {
    this.releaseHung();
    if (this.server) await this.close();
  }

  private releaseHung(): void {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }

  private async close(): Promise<void> {
    const server = this.server!;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const mode = this.mode;
      this.received[mode] += 1;
      if (!/\/chat\/completions$/.test(req.url ?? "")) return void res.writeHead(404).end();
      switch (mode) {
        case "hang":
          // Never answers: the gateway's per-attempt timeout has to cut it off.
          this.hung.add(res);
          res.on("close", () => this.hung.delete(res));
          return;
        case "5xx":
          return void res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `${this.name} is unavailable`, type: "server_error" } }));
        case "429":
          return void res.writeHead(429, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `${this.name}: rate limit reached`, type: "rate_limit_error" } }));
        default: {
          let model = "unknown";
          try {
            model = JSON.parse(Buffer.concat(chunks).toString("utf8")).model ?? model;
          } catch {
            // The gateway sends JSON; anything else is still answered.
          }
          setTimeout(() => {
            res.writeHead(200, { "content-type": "application/json" }).end(
              JSON.stringify({
                id: `chatcmpl-${this.name}-${Date.now()}`,
                object: "chat.completion",
                created: Math.floor(Date.now() / 1000),
                model,
                choices: [{ index: 0, message: { role: "assistant", content: `answer from ${this.name}` }, finish_reason: "stop" }],
                usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
              }),
            );
          }, this.latencyMs);
        }
      }
    });
  }
}
