import { Client } from "pg";
import { sleep } from "../../testbed/runtime/procfs";
import type { WriteAttempt } from "../types";

export interface PgTarget {
  member: string;
  port: number;
}

export interface PgLoadOptions {
  database: string;
  user: string;
  /** Distinguishes this load's rows from earlier runs in the same table. */
  run: string;
  /** Where to write next: the current leader, or (split brain) always the same member. */
  locate: () => Promise<PgTarget | undefined>;
  epoch: number;
  intervalMs?: number;
}

export const DRILL_TABLE = "drill_writes";
export const DRILL_TABLE_DDL = `create table if not exists ${DRILL_TABLE} (run text not null, id bigint not null, member text not null, ts timestamptz not null default clock_timestamp(), primary key (run, id))`;

/**
 * One writer, autocommit INSERTs with unique ids, every attempt recorded with its outcome. On an
 * error it drops the connection and asks `locate` again. No statement_timeout on purpose: a
 * cancelled commit that waits for the sync standby returns success with a WARNING and would fake
 * an acknowledgement (patroni-drill.md section 6); the client-side timeout below counts as a failure.
 */
export class PgWriteLoad {
  readonly attempts: WriteAttempt[] = [];
  private running = false;
  private loop?: Promise<void>;
  private client?: Client;
  private nextId = 1;

  constructor(readonly opts: PgLoadOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    // A commit hanging on a lost sync standby would hold the loop until query_timeout; end it now
    // (it is recorded as not acknowledged, which it is not).
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
    await this.loop;
    const late = this.client as Client | undefined;
    this.client = undefined;
    await late?.end().catch(() => undefined);
  }

  acked(): WriteAttempt[] {
    return this.attempts.filter((a) => a.ok);
  }

  private now(): number {
    return Date.now() - this.opts.epoch;
  }

  private async run(): Promise<void> {
    let target: PgTarget | undefined;
    while (this.running) {
      if (!this.client) {
        target = await this.opts.locate().catch(() => undefined);
        if (!target) {
          await sleep(100);
          continue;
        }
        const c = new Client({ host: "127.0.0.1", port: target.port, user: this.opts.user, database: this.opts.database, connectionTimeoutMillis: 2000, query_timeout: 15000, keepAlive: true });
        c.on("error", () => undefined);
        try {
          await c.connect();
          this.client = c;
        } catch {
          await c.end().catch(() => undefined);
          await sleep(100);
          continue;
        }
      }
      const client = this.client;
      if (!client) continue;
      const id = this.nextId++;
      const member = (target as PgTarget).member;
      const startMs = this.now();
      try {
        await client.query(`insert into ${DRILL_TABLE} (run, id, member) values ($1, $2, $3)`, [this.opts.run, id, member]);
        this.attempts.push({ id, startMs, endMs: this.now(), ok: true, target: member });
      } catch (e) {
        this.attempts.push({ id, startMs, endMs: this.now(), ok: false, target: member, error: firstLine((e as Error).message) });
        await client.end().catch(() => undefined);
        if (this.client === client) this.client = undefined;
        await sleep(50);
      }
      if (this.opts.intervalMs) await sleep(this.opts.intervalMs);
    }
  }
}

function firstLine(s: string): string {
  return s.split("\n")[0].slice(0, 200);
}

/** Ids of this load's rows present on a member. */
export async function presentIds(query: (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>, run: string): Promise<Set<number>> {
  const rows = await query(`select id from ${DRILL_TABLE} where run = $1`, [run]);
  return new Set(rows.map((r) => Number(r.id)));
}

export interface LossReport {
  acknowledged: number;
  lost: WriteAttempt[];
  inDoubtCommitted: number;
  /** Seconds between the first lost ack and the last ack before the fault (0 when nothing is lost). */
  rpoSeconds: number;
}

export function lossReport(attempts: WriteAttempt[], present: Set<number>, faultMs: number): LossReport {
  const acked = attempts.filter((a) => a.ok);
  const lost = acked.filter((a) => !present.has(a.id));
  const inDoubt = attempts.filter((a) => !a.ok && present.has(a.id)).length;
  let rpoSeconds = 0;
  if (lost.length > 0) {
    const lastAck = Math.max(...acked.filter((a) => a.endMs <= faultMs).map((a) => a.endMs), faultMs);
    const firstLost = Math.min(...lost.map((a) => a.endMs));
    const lastLost = Math.max(...lost.map((a) => a.endMs));
    rpoSeconds = Math.max(lastAck, lastLost) / 1000 - firstLost / 1000;
  }
  return { acknowledged: acked.length, lost, inDoubtCommitted: inDoubt, rpoSeconds };
}

/** RTO: fault to the first write acknowledged by a member other than the one that failed. */
export function firstAckAfter(attempts: WriteAttempt[], faultMs: number, notOn?: string): WriteAttempt | undefined {
  return attempts.find((a) => a.ok && a.startMs >= faultMs && (notOn === undefined || a.target !== notOn));
}
