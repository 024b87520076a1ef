import Redis from "ioredis";
import { setTimeout as sleep } from "node:timers/promises";
import { firstLine, type WriteAttempt, type Writer } from "./attempt";

export interface RedisWriterOptions {
  sentinels: Array<{ host: string; port: number }>;
  masterName: string;
  password: string;
  sentinelPassword?: string;
  epoch: number;
  keyPrefix: string;
  intervalMs?: number;
  /** Keys expire after this (the probe's canaries); absent: no expiry (a drill's keys). */
  ttlSeconds?: number;
}

/**
 * Sequential SETs through Sentinel discovery (ioredis `sentinels` + `name`), as the platform's
 * clients connect. Every attempt is recorded with the port of the server that answered, so the
 * first acknowledgement by the new primary is known exactly. The drills' load and the recovery
 * probe are this class.
 */
export class RedisWriter implements Writer {
  readonly attempts: WriteAttempt[] = [];
  private running = false;
  private loop?: Promise<void>;
  private nextId = 1;
  readonly client: Redis;

  constructor(readonly opts: RedisWriterOptions) {
    this.client = new Redis({
      sentinels: opts.sentinels,
      name: opts.masterName,
      password: opts.password,
      ...(opts.sentinelPassword ? { sentinelPassword: opts.sentinelPassword } : {}),
      // Rediscover fast; fail a command after 1 s rather than hold it across the failover.
      retryStrategy: () => 50,
      sentinelRetryStrategy: () => 50,
      maxRetriesPerRequest: 0,
      commandTimeout: 1000,
      connectTimeout: 1000,
    });
    this.client.on("error", () => undefined);
  }

  get epoch(): number {
    return this.opts.epoch;
  }

  get keyPrefix(): string {
    return this.opts.keyPrefix;
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
    const interval = this.opts.intervalMs ?? 2;
    while (this.running) {
      const id = this.nextId++;
      const startMs = Date.now() - this.opts.epoch;
      try {
        const key = `${this.opts.keyPrefix}${id}`;
        if (this.opts.ttlSeconds) await this.client.set(key, String(id), "EX", this.opts.ttlSeconds);
        else await this.client.set(key, String(id));
        const port = (this.client as unknown as { stream?: { remotePort?: number } }).stream?.remotePort;
        this.attempts.push({ id, startMs, endMs: Date.now() - this.opts.epoch, ok: true, target: String(port ?? "?") });
      } catch (e) {
        this.attempts.push({ id, startMs, endMs: Date.now() - this.opts.epoch, ok: false, target: "?", error: firstLine((e as Error).message) });
        await sleep(20);
      }
      if (interval) await sleep(interval);
    }
  }
}

/** Which of `ids` exist under `prefix`, read with MGET in batches from `client`. */
export async function presentKeyIds(client: Redis, prefix: string, ids: number[]): Promise<Set<number>> {
  const present = new Set<number>();
  for (let i = 0; i < ids.length; i += 1000) {
    const batch = ids.slice(i, i + 1000);
    const values = await client.mget(...batch.map((id) => `${prefix}${id}`));
    values.forEach((v, k) => {
      if (v !== null) present.add(batch[k]);
    });
  }
  return present;
}
