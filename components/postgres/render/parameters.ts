import type { PostgresSettings } from "../../../dr/settings";
import { ConfigError, ConfigProblem, CONFIG_NAMESPACE } from "../../../dr/targets";
import { POSTGRES_15_PARAMETERS } from "./pg15-parameter-names";

/**
 * Parameters the recovery settings own. An override of one of these would make the deployed
 * cluster differ from what the budget proves, so it is refused rather than merged.
 */
export const MANAGED_PARAMETERS: Readonly<Record<string, string>> = {
  archive_mode: "derived from the recovery targets (WAL archiving is always on)",
  archive_timeout: "use agent-dr:postgres.overrides.archiveTimeoutSeconds",
  archive_command: "Spilo sets it to WAL-G",
  restore_command: "Spilo sets it to WAL-G",
  synchronous_commit: "set per role from the recovery targets (RPO 0 classes commit synchronously)",
  synchronous_standby_names: "Patroni manages it in synchronous_mode",
  wal_level: "must stay 'replica' for streaming replicas and the archive",
  hot_standby: "Patroni manages it",
  primary_conninfo: "Patroni manages it",
  primary_slot_name: "Patroni manages it",
  listen_addresses: "Spilo manages it",
  port: "Spilo manages it",
};

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
 * Problems with user-supplied parameters: a name PostgreSQL 15 does not know (unless it is an
 * extension's `prefix.name`), or a parameter the recovery settings own. Values are checked by a
 * real server in the tests (`postgres -C`); names are checked here, at plan time, so a typo fails
 * the preview instead of the pod.
 */
export function parameterProblems(extra: Record<string, string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [name, value] of Object.entries(extra)) {
    if (name in MANAGED_PARAMETERS) {
      problems.push({ key: overrideKey(name), value, expected: `expected no value here; ${MANAGED_PARAMETERS[name]}` });
    } else if (!name.includes(".") && !POSTGRES_15_PARAMETERS.has(name)) {
      const near = nearestParameter(name);
      problems.push({
        key: overrideKey(name),
        value,
        expected: `unknown PostgreSQL parameter "${name}"${near ? ` (did you mean "${near}"?)` : ""}; expected a parameter that postgres --describe-config lists`,
      });
    } else if (typeof value !== "string" || value.length === 0) {
      problems.push({ key: overrideKey(name), value, expected: "expected a non-empty string value" });
    }
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

/** Closest known name by edit distance (at most 3 edits), for the error message. */
export function nearestParameter(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const known of POSTGRES_15_PARAMETERS) {
    const d = editDistance(name, known, bestDistance);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
