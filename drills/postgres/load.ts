import { PgWriter, presentRowIds, sequencedTableDdl, type PgTarget } from "../../probe/postgres-writer";

export { firstAckAfter, lossReport, type LossReport } from "../../probe/loss";

/** The drills' table; the recovery probe writes the same shape to PROBE_TABLE. */
export const DRILL_TABLE = "drill_writes";
export const DRILL_TABLE_DDL = sequencedTableDdl(DRILL_TABLE);

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

/** A drill's write load: the recovery probe's Postgres writer on the drills' table. */
export function pgWriteLoad(opts: PgLoadOptions): PgWriter {
  return new PgWriter({ ...opts, table: DRILL_TABLE });
}

/** Ids of a drill load's rows present on a member. */
export function presentIds(query: (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>, run: string): Promise<Set<number>> {
  return presentRowIds(query, DRILL_TABLE, run);
}
