import Redis from "ioredis";
import { MASTER_NAME } from "../../contract/redis";
import { sleep } from "../../testbed/runtime/procfs";
import type { WriteAttempt } from "../types";

/**
 * Sequential SETs through Sentinel discovery (ioredis `sentinels` + `name`), as the platform's
 * clients connect. Every attempt is recorded with the port of the server that answered, so the
 * first acknowledgement by the new primary is known exactly.
 */
export class RedisWriteLoad {
  readonly attempts: WriteAttempt[] = [];
  private running = false;
  private loop?: Promise<void>;
  private nextId = 1;
  readonly client: Redis;

  constructor(
    sentinels: Array<{ host: string; port: number }>,
    password: string,
    sentinelPassword: string,
    private readonly epoch: number,
    readonly keyPrefix: string,
    private readonly intervalMs = 2,
  ) {
    this.client = new Redis({
      sentinels,
      name: MASTER_NAME,
      password,
      sentinelPassword,
      // Rediscover fast; fail a command after 1 s rather than hold it across the failover.
      retryStrategy: () => 50,
      sentinelRetryStrategy: () => 50,
      maxRetriesPerRequest: 0,
      commandTimeout: 1000,
      connectTimeout: 1000,
    });
    this.client.on("error", () => undefined);
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.client.disconnect();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const id = this.nextId++;
      const startMs = Date.now() - this.epoch;
      try {
        await this.client.set(`${this.keyPrefix}${id}`, String(id));
        const port = (this.client as unknown as { stream?: { remotePort?: number } }).stream?.remotePort;
        this.attempts.push({ id, startMs, endMs: Date.now() - this.epoch, ok: true, target: String(port ?? "?") });
      } catch (e) {
        this.attempts.push({ id, startMs, endMs: Date.now() - this.epoch, ok: false, target: "?", error: (e as Error).message.split("\n")[0].slice(0, 200) });
        await sleep(20);
      }
      if (this.intervalMs) await sleep(this.intervalMs);
    }
  }
}
