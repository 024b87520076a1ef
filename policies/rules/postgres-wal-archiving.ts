import type { PolicyConfigSchema } from "@pulumi/policy";
import { archiveLossSeconds } from "../../dr/budget/archive";
import { POSTGRES } from "../../dr/engine-facts";
import type { ObservedResource } from "../observe";
import { pgBool, pgSeconds } from "../lib/conf-files";
import { dur } from "../lib/report";
import { objectName, TYPES } from "../lib/resources";
import { classesOn, tightestTarget } from "../lib/targets";
import { onlyType, resourcePolicy } from "../lib/define";

interface Config {
  archiveUploadSeconds: number;
}

const configSchema: PolicyConfigSchema = {
  properties: {
    archiveUploadSeconds: {
      type: "number",
      minimum: 0,
      default: POSTGRES.archiveUploadSeconds,
      description: "Seconds to compress and upload one WAL segment, added to archive_timeout when compared with the RPO.",
    },
  },
};

/** The archive serves point-in-time recovery of every class on the cluster (logical corruption). */
const ARCHIVE_SCENARIOS = ["logical-corruption"] as const;

export function checkWalArchiving(r: ObservedResource, config: Config, reportRaw: (m: string) => void): void {
  const report = (m: string) => reportRaw(`postgresql ${objectName(r)}: ${m}`);
  const params: Record<string, unknown> = r.inputs.spec?.postgresql?.parameters ?? {};
  // Spilo turns archiving on by default; an explicit "off" is what breaks PITR.
  const mode = params.archive_mode === undefined ? true : pgBool(params.archive_mode) ?? String(params.archive_mode) === "always";
  if (!mode) {
    report(`WAL archiving is off (spec.postgresql.parameters.archive_mode = ${JSON.stringify(params.archive_mode)}): no point-in-time recovery and no archive for the DR standby. Fix: archive_mode "on" (remove the parameter override).`);
  }
  const raw = params.archive_timeout;
  // Spilo's default when the parameter is absent (DESIGN section 3).
  const timeout = raw === undefined ? POSTGRES.spiloArchiveTimeoutSeconds : pgSeconds(raw);
  if (!Number.isFinite(timeout)) {
    report(`archive_timeout ${JSON.stringify(raw)} is not a PostgreSQL duration (expected e.g. "55s" or "1min").`);
    return;
  }
  const tightest = tightestTarget(classesOn(r), ARCHIVE_SCENARIOS, "rpoSeconds");
  if (!Number.isFinite(tightest.seconds)) return;
  // The budget's own bound, so the pack and the budget can not disagree about a timeout.
  if (archiveLossSeconds(timeout, config.archiveUploadSeconds) > tightest.seconds) {
    const why = timeout === 0 ? "archive_timeout 0 never forces a segment switch, so a quiet database archives nothing for hours" : `archive_timeout ${dur(timeout)}${raw === undefined ? " (Spilo's default)" : ""} + upload ${dur(config.archiveUploadSeconds)} > RPO ${dur(tightest.seconds)}`;
    const best = tightest.seconds - config.archiveUploadSeconds;
    // archive_timeout can not go below 1 s: an RPO inside the upload time is out of any setting's reach.
    report(
      best < 1
        ? `WAL archive: ${why} of ${tightest.dataClass} (${tightest.scenario}). Unreachable: archiving lags at least archive_timeout 1 s + upload ${dur(config.archiveUploadSeconds)}, whatever the settings; relax ${tightest.dataClass}'s ${tightest.scenario} RPO to at least ${dur(1 + config.archiveUploadSeconds)}.`
        : `WAL archive: ${why} of ${tightest.dataClass} (${tightest.scenario}). Fix: set postgres.overrides.archiveTimeoutSeconds to at most ${Math.floor(best)} (without the override it is derived from the RPO).`,
    );
  }
}

export const postgresWalArchiving = resourcePolicy<Config>({
  name: "postgres-wal-archiving",
  description: "PostgreSQL archives WAL, and archive_timeout plus upload fits inside the smallest RPO the archive serves.",
  severity: "critical",
  configSchema,
  skip: onlyType(TYPES.postgresql),
  check: (r, report, config) => checkWalArchiving(r, config, report),
});
