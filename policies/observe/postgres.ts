import type { BackupSettings, PostgresSettings } from "../../dr/settings";
import type { StackConfig } from "../../dr/targets";
import { ObservedResource, ofType } from "./resource";

export const POSTGRESQL_CR_TYPE = "kubernetes:acid.zalan.do/v1:postgresql";

/**
 * PostgreSQL settings as the operator's `postgresql` resource holds them. Absent when the stack
 * has no such resource (the PostgreSQL tier is not deployed).
 */
export function observePostgres(resources: ObservedResource[], _config: StackConfig, _backup: BackupSettings): PostgresSettings | undefined {
  const clusters = ofType(resources, POSTGRESQL_CR_TYPE);
  if (clusters.length === 0) return undefined;
  throw new Error("observePostgres: reading the postgresql resource is implemented with the PostgreSQL tier");
}
