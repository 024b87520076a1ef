export { PostgresCluster } from "./cluster";
export type { PostgresClusterArgs, SharedCredentials } from "./cluster";
export { renderPatroniDynamicConfig } from "./render/patroni";
export { renderPostgresParameters, parameterProblems } from "./render/parameters";
export { SERVICE_ACCOUNTS, walPrefix, logicalBackupPrefix, walArchiveUrl, credentialSecretName } from "../../contract/postgres";
