import type { PostgresSettings } from "../../../dr/settings";
import { ConfigError, ConfigProblem, CONFIG_NAMESPACE } from "../../../dr/targets";
import { parameterNameProblem } from "../../../dr/targets/postgres-parameters";

/** The seed's replication and archiving parameters (DESIGN section 3; drills.md 3.0). */
const SEED: Readonly<Record<string, string>> = {
  wal_level: "replica",
  max_wal_senders: "5",
  wal_keep_size: "2GB",
  archive_mode: "on",
  hot_standby: "on",
  // pg_rewind needs it so a failed primary can rejoin as a replica without a full copy.
  wal_log_hints: "on",
  wal_compression: "on",
};

const overrideKey = (name: string) => `${CONFIG_NAMESPACE}:postgres.overrides.parameters.${name}`;

/**
 * Problems with the names of user-supplied parameters, by the rule the config check applies
 * (dr/targets/postgres-parameters.ts): an unknown name or one the recovery settings own. Values are
 * judged at config time and by a real server in the tests; here the name decides, so a cluster
 * built from unchecked input still fails before it renders a typo.
 */
export function parameterProblems(extra: Record<string, string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [name, value] of Object.entries(extra)) {
    const expected = parameterNameProblem(name) ?? (typeof value !== "string" || value.length === 0 ? "expected a non-empty string value" : undefined);
    if (expected) problems.push({ key: overrideKey(name), value, expected });
  }
  return problems;
}

/**
 * postgresql.conf parameters for the cluster: the seed, archive_timeout from the settings, the
 * cluster-wide synchronous_commit default and the user's extra parameters. Throws a ConfigError
 * naming the key for a parameter that is unknown or managed here.
 */
export function renderPostgresParameters(settings: PostgresSettings, extra: Record<string, string> = {}): Record<string, string> {
  const problems = parameterProblems(extra);
  if (problems.length > 0) throw new ConfigError(problems);
  const params: Record<string, string> = {
    ...SEED,
    archive_mode: settings.archiveMode ? "on" : "off",
    archive_timeout: `${settings.archiveTimeoutSeconds}s`,
  };
  // With synchronous_mode every commit would wait for the sync standby; the default is local and
  // only the roles of RPO-0 classes are raised to "on" (see render/roles.ts).
  if (settings.synchronousMode) params.synchronous_commit = "local";
  return { ...params, ...sortKeys(extra) };
}

function sortKeys(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
}
