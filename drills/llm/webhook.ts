import * as http from "node:http";

/** The human queue's webhook as the drill runs it: records every hand-off it receives (by id). */
export class HandoffQueue {
  private server?: http.Server;
  readonly received = new Map<string, { at: number; messages: unknown; metadata?: unknown }>();

  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/handoff`;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          if (typeof body.id === "string") this.received.set(body.id, { at: Date.now(), messages: body.messages, metadata: body.metadata });
          res.writeHead(202).end();
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
