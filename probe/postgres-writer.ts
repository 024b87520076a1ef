import { Client } from "pg";
import { setTimeout as sleep } from "node:timers/promises";
import { firstLine, type WriteAttempt, type Writer } from "./attempt";

export interface PgTarget {
  member: string;
  port: number;
  /** Default 127.0.0.1 (the drills' local members). */
  host?: string;
}

export interface PgWriterOptions {
  /** Table with columns (run text, id bigint, member text, ts timestamptz); see sequencedTableDdl. */
  table: string;
  database: string;
  user: string;
  password?: string;
  /** Distinguishes this writer's rows from earlier runs in the same table. */
  run: string;
  /** Where to write next: the current leader, the pooler, or (split brain) always the same member. */
  locate: () => Promise<PgTarget | undefined>;
  epoch: number;
  intervalMs?: number;
}

/** The table a sequenced writer inserts into (the drills' and the probe's have this shape). */
export function sequencedTableDdl(table: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`table name ${table} is not a plain identifier`);
  return `create table if not exists ${table} (run text not null, id bigint not null, member text not null, ts timestamptz not null default clock_timestamp(), primary key (run, id))`;
}

/**
 * One writer, autocommit INSERTs with unique ids, every attempt recorded with its outcome. On an
 * error it drops the connection and asks `locate` again. No statement_timeout on purpose: a
 * cancelled commit that waits for the sync standby returns success with a WARNING and would fake
 * an acknowledgement (patroni-drill.md section 6); the client-side timeout below counts as a failure.
 * The drills' loads and the recovery probe are this class.
 */
export class PgWriter implements Writer {
  readonly attempts: WriteAttempt[] = [];
  private running = false;
  private loop?: Promise<void>;
  private client?: Client;
  private nextId = 1;

  constructor(readonly opts: PgWriterOptions) {
    sequencedTableDdl(opts.table);
  }

  get epoch(): number {
    return this.opts.epoch;
  }

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
        const c = new Client({ host: target.host ?? "127.0.0.1", port: target.port, user: this.opts.user, password: this.opts.password, database: this.opts.database, connectionTimeoutMillis: 2000, query_timeout: 15000, keepAlive: true });
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
        await client.query(`insert into ${this.opts.table} (run, id, member) values ($1, $2, $3)`, [this.opts.run, id, member]);
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

/** Ids of a run's rows present in a table (from `minId` on), read with `query` (a member, or the pooler). */
export async function presentRowIds(query: (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>, table: string, run: string, minId = 1): Promise<Set<number>> {
  sequencedTableDdl(table);
  const rows = await query(`select id from ${table} where run = $1 and id >= $2`, [run, minId]);
  return new Set(rows.map((r) => Number(r.id)));
}

/** The probe's canaries older than `days`: it checks 10 minutes back, so a day is kept for reading by hand. */
export function expireRowsSql(table: string, days: number): string {
  sequencedTableDdl(table);
  if (!Number.isInteger(days) || days < 1) throw new Error(`days ${days}: expected a whole number of at least 1`);
  return `delete from ${table} where ts < now() - interval '${days} days'`;
}
