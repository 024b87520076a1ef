import * as path from "node:path";
import { renderRoleSynchronousCommit } from "../../components/postgres/render/jobs";
import { ownerRole } from "../../contract/postgres";
import { renderPatroniConfigPatch } from "../../components/postgres/render/patroni";
import type { PostgresSettings } from "../../dr/settings/types";
import type { DataClass } from "../../dr/targets";
import type { Supervisor } from "../../testbed/runtime/supervisor";
import type { PatroniCluster } from "../../testbed/postgres/patroni-cluster";
import { DRILL_TABLE_DDL } from "./load";

const CONFIGURE_SCRIPT = path.resolve(__dirname, "../../components/postgres/scripts/configure-cluster.sh");

/** The role a class's clients log in as: the database owner the deployed cluster creates. */
export function clientRole(database: string): string {
  return ownerRole(database);
}

/**
 * Create each class's database and owner role (the operator does this in the cluster), then run
 * the PostgreSQL tier's configure-cluster.sh as its post-deploy Job does: synchronous_commit per
 * role and database from the settings (RPO-0 classes "on", the rest "local") and the Patroni keys
 * the CRD lacks.
 */
export async function prepareDatabases(cluster: PatroniCluster, leader: string, pg: PostgresSettings, classes: DataClass[], sup: Supervisor): Promise<void> {
  for (const c of classes) {
    const db = c.database as string;
    if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`database name ${db} is not a plain identifier`);
    const role = clientRole(db);
    if ((await cluster.query(leader, "select 1 from pg_roles where rolname = $1", [role])).length === 0) await cluster.query(leader, `create role ${role} login`);
    if ((await cluster.query(leader, "select 1 from pg_database where datname = $1", [db])).length === 0) await cluster.query(leader, `create database ${db} owner ${role}`);
    await cluster.query(leader, `set role ${role}; ${DRILL_TABLE_DDL}`, [], db);
  }
  await sup.run("/bin/bash", [CONFIGURE_SCRIPT], {
    env: {
      PATRONI_URL: `http://127.0.0.1:${cluster.member(leader).restPort}`,
      PATRONI_CONFIG_PATCH: JSON.stringify(renderPatroniConfigPatch(pg)),
      ROLE_SYNCHRONOUS_COMMIT: renderRoleSynchronousCommit(pg, classes).join(" "),
      PGHOST: "127.0.0.1",
      PGPORT: String(cluster.member(leader).port),
      PGUSER: "postgres",
      PGPASSWORD: "drill-super",
      PGSSLMODE: "disable",
      WAIT_SECONDS: "60",
    },
  });
}
