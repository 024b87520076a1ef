import type { PostgresSettings } from "../../dr/settings/types";
import type { PatroniCluster } from "./cluster";
import { DRILL_TABLE_DDL } from "./load";

/**
 * Create each class's database with its owner role, and give the role the synchronous_commit the
 * settings derive for it (RPO-0 classes "on", the rest "local"), as the deployed cluster does.
 */
export async function prepareDatabases(cluster: PatroniCluster, leader: string, pg: PostgresSettings, databases: string[]): Promise<void> {
  for (const db of databases) {
    if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`database name ${db} is not a plain identifier`);
    const commit = pg.synchronousCommit[db] ?? "local";
    const exists = await cluster.query(leader, "select 1 from pg_roles where rolname = $1", [db]);
    if (exists.length === 0) await cluster.query(leader, `create role ${db} login`);
    await cluster.query(leader, `alter role ${db} set synchronous_commit = '${commit}'`);
    const dbExists = await cluster.query(leader, "select 1 from pg_database where datname = $1", [db]);
    if (dbExists.length === 0) await cluster.query(leader, `create database ${db} owner ${db}`);
    await cluster.query(leader, `set role ${db}; ${DRILL_TABLE_DDL}`, [], db);
  }
}
